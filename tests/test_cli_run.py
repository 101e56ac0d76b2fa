"""``run.py run`` (one scenario, one folder), ``--set`` parsing, and the command layout."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest
from cli_support import small_run_options

import dmi_sim
from dmi_sim.cli import build_parser, main, parse_assignment
from dmi_sim.cli.sweep import handle_sweep
from dmi_sim.studies.compare.pipeline import DEFAULT_REPS, DEFAULT_SCENARIOS

SMALL = small_run_options(start=60, days=120)


def test_run_writes_timeseries_summary_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "one"
    assert main(["run", "dmi", "--seed", "3", *SMALL, "--out", str(out)]) == 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts.columns[0] == "day" and len(ts) == 120
    summary = json.loads((out / "summary.json").read_text())
    assert "replacement_ratio" in summary
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["scenario"] == "dmi"
    assert manifest["parameters"]["space.width"] == 20
    assert manifest["overrides"] == {
        "space.width": 20,
        "space.height": 20,
        "run.intervention_start": 60,
    }
    assert manifest["command"].startswith("python run.py run dmi --seed 3")
    assert "mesa" in manifest["versions"] and "git" in manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one"]


def test_run_can_write_csv(tmp_path: Path) -> None:
    out = tmp_path / "csv"
    assert main(["run", "baseline", *SMALL, "--format", "csv", "--out", str(out)]) == 0
    assert pd.read_csv(out / "timeseries.csv")["day"].tolist() == list(range(120))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nosuch"], "unknown scenario"),
        (["run", "dmi", "--set", "police.oficers=3"], "unknown key"),
        (["run", "dmi", "--set", "space.width=true"], "space.width"),
    ],
)
def test_run_bad_input_is_one_line_and_writes_nothing(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


def test_errors_name_the_folder_given_not_a_hidden_staging_folder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "baseline", *SMALL, "--out", "/proc/reltest"]) == 2
    assert capsys.readouterr().err == "error: /proc/reltest: No such file or directory\n"


def test_days_and_set_run_days_together_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["run", "baseline", "--set", "run.days=10", "--days", "30", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "error: --days 30 and --set run.days=10 both set the "
        "length of the run; allowed: one of them\n"
    )
    assert not out.exists()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"dmi_sim {dmi_sim.__version__}\n"


def test_run_refuses_an_existing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "dmi", *SMALL, "--out", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("police.officers=30", ("police.officers", 30)),
        ("a.b = 0.5", ("a.b", 0.5)),
        ("a.b=true", ("a.b", True)),
        ('a.b="hot spot"', ("a.b", "hot spot")),
        ("a.b=random", ("a.b", "random")),
        ("a.b=[1, 2]", ("a.b", [1, 2])),
    ],
)
def test_set_values_are_toml_literals_or_strings(text: str, expected: tuple) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["police.officers", "=3"])
def test_set_without_key_or_value_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_assignment(text)


def test_no_arguments_compares_the_five_scenarios(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = {}

    def fake_compare(spec, out, argv, workers, progress):  # noqa: ANN001, ANN202
        seen.update(spec=spec, out=out, argv=argv, workers=workers)
        return out / "report.md"

    monkeypatch.setattr("dmi_sim.cli.compare.run_compare", fake_compare)
    assert main([]) == 0
    assert seen["spec"].scenarios == DEFAULT_SCENARIOS and seen["spec"].reps == DEFAULT_REPS
    assert seen["workers"] is None and seen["argv"] == []
    assert seen["out"].parent == Path("results") and seen["out"].name.startswith("compare-")
    assert capsys.readouterr().out.strip().endswith("report.md")


def test_sweep_command_is_registered() -> None:
    args = build_parser().parse_args(["sweep", "some_experiment"])
    assert args.handler is handle_sweep
