"""Command-line input a newcomer gets wrong: a run that ends before its policy starts, a
``--days`` outside ``run.days``'s range, an ``--out`` through a file, and a sweep folder
that holds another sweep. Each is one ``error:`` line naming what was given and what is
allowed, exit code 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_support import TINY_RUN_OVERRIDES, exit_code, small_run_options

from dmi_sim.cli import COMMANDS, build_parser
from dmi_sim.engine.store import what_differs
from dmi_sim.params import PARAMETERS, load_params

DMI = load_params("dmi")
START, DAYS = DMI["run.intervention_start"], DMI["run.days"]


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one ``error:`` line a refused command printed last (after the plan some
    commands announce first), without its prefix."""
    lines = capsys.readouterr().err.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == lines[-1:], lines
    return errors[0].removeprefix("error: ")


def window_problem(start: int, days: int) -> str:
    return (
        f"run.intervention_start = {start} is not before the end of the run (run.days = "
        f"{days}), so the policy never starts; allowed: run.days above {start} or "
        f"run.intervention_start below {days}"
    )


# --- 1. a run that ends before its policy starts -----------------------------------------


@pytest.mark.parametrize(
    ("options", "named", "start", "days"),
    [
        (["--days", "300"], "--days 300", START, 300),
        (["--days", str(START)], f"--days {START}", START, START),  # starts after the end
        (
            ["--set", f"run.intervention_start={DAYS + 5}"],
            f"--set run.intervention_start={DAYS + 5}",
            DAYS + 5,
            DAYS,
        ),
        (
            ["--set", "run.days=100", "--set", "run.intervention_start=100"],
            "--set run.days=100, --set run.intervention_start=100",
            100,
            100,
        ),
    ],
)
def test_run_refuses_a_run_that_ends_before_its_policy_starts(
    options: list[str],
    named: str,
    start: int,
    days: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert exit_code(["run", "dmi", *options, "--out", str(out)]) == 2
    assert one_error_line(capsys) == f"{named}: {window_problem(start, days)}"
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_file_that_ends_before_its_policy_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "short.toml"
    scenario.write_text('extends = "dmi"\n[run]\ndays = 200\n')
    assert exit_code(["run", str(scenario), "--out", str(tmp_path / "out")]) == 2
    assert one_error_line(capsys) == f"{scenario}: {window_problem(START, 200)}"
    assert not (tmp_path / "out").exists()


SHORT_EXPERIMENT = """
scenario = "baseline"
replications = 1
seed = 2
days = {days}
outcomes = ["cost_total"]
[overrides]
"space.width" = 20
"space.height" = 20
"run.intervention_start" = 30
[factors."police.officers"]
levels = {levels}
"""


def test_sweep_refuses_an_experiment_that_ends_before_its_policy_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "short.toml"
    path.write_text(SHORT_EXPERIMENT.format(days=30, levels=[2, 6]))
    out = tmp_path / "out"
    assert exit_code(["sweep", str(path), "--out", str(out), "--no-progress"]) == 2
    assert one_error_line(capsys) == f"{path}: scenario baseline: {window_problem(30, 30)}"
    assert not out.exists()


def test_the_tiny_sweep_measures_a_policy_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The experiment the README offers for trying ``sweep``: its runs reach the policy,
    so its outcomes are costs and prison days, larger with more officers."""
    out = tmp_path / "tiny"
    assert exit_code(["sweep", "tiny", "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    summary = pd.concat(pd.read_parquet(p) for p in (out / "summary").glob("*.parquet"))
    assert (summary["post_active_sellers"].notna()).all()
    assert (summary[["cost_total", "incarceration_person_days"]] > 0).all().all()
    cost = summary.groupby("police.officers")["cost_total"].mean()
    assert cost[6] > cost[2]


def test_validate_refuses_runs_that_end_before_the_policy_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "val"
    argv = ["validate", "--targets", "A1", "--set", "run.days=300", "--out", str(out)]
    assert exit_code([*argv, "--no-progress"]) == 2
    start = load_params("baseline")["run.intervention_start"]
    assert one_error_line(capsys) == f"the baseline arm (baseline): {window_problem(start, 300)}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["sensitivity", "discover"])
def test_a_parameter_space_that_ends_before_the_policy_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space = tmp_path / "late_space.toml"
    space.write_text(
        'seed = 1\nreplications = 2\ndummy = "dummy"\n'
        + TINY_RUN_OVERRIDES.replace(
            '"run.intervention_start" = 40', '"run.intervention_start" = 120'
        )
        + "[morris]\ntrajectories = 2\n"
        + '[factors."crackdown.officers"]\nlow = 2\nhigh = 40\nreason = "test"\n'
        + '[factors."dmi.officers"]\nlow = 1\nhigh = 4\nreason = "test"\n'
    )
    out = tmp_path / "out"
    design = ["--points", "4", "--design-out", str(tmp_path / "design")]
    study = ["morris"] if command == "sensitivity" else design
    argv = [command, *study, "--space", str(space), "--out", str(out), "--workers", "1"]
    assert exit_code([*argv, "--no-progress"]) == 2
    message = one_error_line(capsys)
    assert message.startswith(f"{space}: scenario ")
    assert window_problem(120, 120) in message
    assert list(tmp_path.iterdir()) == [space]


# --- 2. --days: the option's range is run.days's ------------------------------------------

RUN_DAYS = PARAMETERS["run.days"]


@pytest.mark.parametrize("command", ["run", "compare", "calibrate"])
@pytest.mark.parametrize("days", [RUN_DAYS.low - 1, RUN_DAYS.high + 1, 0, "ten"])
def test_days_outside_the_registry_range_names_the_option_and_the_range(
    command: str, days: int | str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, *(["dmi"] if command != "calibrate" else []), "--days", str(days)]
    assert exit_code([*argv, "--out", str(tmp_path / "out")]) == 2
    assert one_error_line(capsys) == (
        f"argument --days: '{days}' is invalid; allowed: an integer in "
        f"[{RUN_DAYS.low:.0f}, {RUN_DAYS.high:.0f}] (day) (see 'run.py {command} --help')"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("days", [RUN_DAYS.low, RUN_DAYS.high])
def test_days_at_the_registry_bounds_are_accepted(days: float) -> None:
    args = build_parser(command="run").parse_args(["run", "dmi", "--days", str(int(days))])
    assert args.days == days and type(args.days) is int


# --- 3. --out through a file ---------------------------------------------------------------

#: Every command with an --out option, and the arguments it needs besides.
WITH_OUT = {
    "run": ["dmi"],
    "compare": ["dmi"],
    "sweep": ["tiny"],
    "validate": [],
    "calibrate-defaults": [],
    "calibrate": [],
    "sensitivity": ["morris"],
    "discover": ["--points", "4"],
}


def test_every_command_but_the_app_has_an_out_option() -> None:
    assert set(WITH_OUT) == set(COMMANDS) - {"viz"}


@pytest.mark.parametrize("command", sorted(WITH_OUT))
@pytest.mark.parametrize("below", ["", "x", "x/y"])
def test_out_through_a_file_names_the_option_the_path_and_the_file(
    command: str, below: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "results.csv"
    file.write_text("a,b\n")
    out = file / below if below else file
    argv = [command, *WITH_OUT[command], "--out", str(out)]
    assert exit_code(argv) == 2
    where = f"{out}" if not below else f"{out}: {file}"
    assert one_error_line(capsys) == (
        f"argument --out: {where} is a file, not a folder; allowed: a folder, or a path "
        f"whose missing folders can be created (see 'run.py {command} --help')"
    )
    assert sorted(tmp_path.iterdir()) == [file] and file.read_text() == "a,b\n"


def test_out_with_missing_folders_creates_them(tmp_path: Path) -> None:
    out = tmp_path / "not" / "yet" / "here"
    argv = ["run", "baseline", *small_run_options(start=30, days=40), "--out", str(out)]
    assert exit_code(argv) == 0
    assert (out / "summary.json").is_file()


# --- 4. a sweep folder that holds another sweep says what differs -------------------------


def test_a_changed_experiment_names_what_differs_from_the_stored_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "exp.toml", tmp_path / "out"
    path.write_text(SHORT_EXPERIMENT.format(days=40, levels=[2, 6]))
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    assert exit_code(argv) == 0
    stored = json.loads((out / "manifest.json").read_text())
    capsys.readouterr()
    path.write_text(SHORT_EXPERIMENT.format(days=40, levels=[2, 4, 6]))
    assert exit_code(argv) == 2
    assert one_error_line(capsys) == (
        f"{out}: holds results of a different sweep (levels.police.officers: [2, 6] -> "
        "[2, 4, 6]; n_tasks: 2 -> 3; n_points: 2 -> 3); choose another output folder or "
        "delete this one"
    )
    assert json.loads((out / "manifest.json").read_text()) == stored  # left as it was


def test_what_differs_names_the_first_few_then_counts_the_rest() -> None:
    stored = {
        "n_tasks": 4,
        "save_timeseries": False,
        "meta": {"seed": 1, "days": 60, "overrides": {"a.b": 1}, "provenance": {"git": "x"}},
    }
    now = {
        "n_tasks": 4,
        "save_timeseries": True,
        "seed": 2,
        "days": 90,
        "overrides": {"a.b": 2},
        "provenance": {"git": "y"},
    }
    assert what_differs(stored, now) == (
        "save_timeseries: False -> True; seed: 1 -> 2; days: 60 -> 90; and 1 more"
    )
    same = {"n_tasks": 4, "save_timeseries": False, "seed": 1, "days": 60, "overrides": {"a.b": 1}}
    assert what_differs(stored, same) == "other tasks or seeds than its manifest's settings show"
