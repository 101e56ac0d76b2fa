"""``run.py sensitivity`` end to end on tiny designs: both methods, ranking, resume."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cli_support import TINY_RUN_OVERRIDES

from dmi_sim import simulate
from dmi_sim.cli import main
from dmi_sim.cli import sensitivity as sensitivity_cli
from dmi_sim.studies.sensitivity.pipeline import run_sensitivity
from dmi_sim.studies.sensitivity.space import load_space

#: Short runs on a small neighbourhood: seconds, not minutes. The sweeps' officers and
#: length range widely, so they must lead the crackdowns' arrests; the DMI never reads the
#: crackdown's parameters.
TINY = (
    """
seed = 11
replications = 2
dummy = "dummy"
"""
    + TINY_RUN_OVERRIDES
    + """[morris]
trajectories = 3
[sobol]
n = 2
max_factors = 2
[factors."crackdown.officers"]
low = 2
high = 40
reason = "test: the factor known to matter for arrests"
[factors."crackdown.duration_days"]
low = 2
high = 15
reason = "test: longer sweeps, more arrests"
[factors."residents.report_prob"]
low = 0.05
high = 0.3
reason = "test"
[factors."crackdown.period_days"]
levels = [20, 40]
reason = "test: categorical"
"""
)
ARTEFACTS = ("report.md", "indices.csv", "outcomes.csv", "seed_noise.csv", "design.csv")


@pytest.fixture(scope="module")
def space_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("space") / "tiny_space.toml"
    path.write_text(TINY)
    return path


def sensitivity(*args: str) -> int:
    return main(["sensitivity", *args, "--workers", "1", "--no-progress"])


@pytest.fixture(scope="module")
def morris_out(space_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("morris") / "out"
    assert sensitivity("morris", "--space", str(space_file), "--out", str(out)) == 0
    return out


def test_morris_end_to_end(morris_out: Path) -> None:
    for name in (
        *ARTEFACTS,
        "advantage.csv",
        "figures/morris_overview.png",
        "figures/morris_dmi_arrests.png",
        "figures/advantage_by_factor.png",
    ):
        assert (morris_out / name).is_file(), name
    indices = pd.read_csv(morris_out / "indices.csv")
    assert set(indices["factor"]) == {
        "crackdown.officers",
        "crackdown.duration_days",
        "residents.report_prob",
        "crackdown.period_days",
        "dummy",
    }
    report = (morris_out / "report.md").read_text()
    assert "The DMI's advantage over crackdowns holds on" in report
    # "what the advantage depends on": a factor is beyond chance when the whole interval of
    # its excess over the dummy's difference is above 0
    rows = {
        cells[1].strip("` "): cells[5:7]
        for row in report.split("beyond chance |")[1].split("\n\n")[0].splitlines()[2:]
        if (cells := [c.strip() for c in row.split("|")])
    }
    assert rows.pop("dummy") == ["(the reference)", ""]
    for factor, (excess, verdict) in rows.items():
        if excess == "n/a":  # a half of the range without points
            assert verdict == "no", factor
            continue
        low = float(excess.split(" to ")[0].split()[0])  # whole points, so 0 can go either way
        assert (low >= 0) if verdict == "yes" else (verdict == "no" and low <= 0), factor
    assert "Seed noise" in report and "factors are clear of seed noise" in report


def test_known_factor_leads_and_dummy_trails(morris_out: Path) -> None:
    indices = pd.read_csv(morris_out / "indices.csv").set_index(["outcome", "factor"])
    ranks = indices.loc["crackdown_arrests", "rank"]
    # the surge's size and the sweep's length drive a crackdown's arrests (which leads
    # depends on the seeds: arrests saturate with officers, docs/ODD.md section 7.8)
    assert {ranks["crackdown.officers"], ranks["crackdown.duration_days"]} == {1, 2}
    assert ranks["dummy"] > ranks["crackdown.duration_days"]
    assert ranks["dummy"] >= len(ranks) - 2  # at or near the bottom
    # parameters the DMI never reads have no effect at all on its outcomes
    for factor in ("crackdown.officers", "crackdown.duration_days", "crackdown.period_days"):
        assert indices.loc[("dmi_arrests", factor), "mu_star"] == 0


def test_sobol_end_to_end_on_the_survivors(
    morris_out: Path, space_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sobol"
    code = sensitivity(
        "sobol",
        "--space",
        str(space_file),
        "--screen",
        str(morris_out),
        "--outcomes",
        "crackdown_arrests",
        "--out",
        str(out),
    )
    assert code == 0
    for name in (*ARTEFACTS, "figures/sobol_crackdown_arrests.png"):
        assert (out / name).is_file(), name
    indices = pd.read_csv(out / "indices.csv")
    assert sorted(indices["n"].unique()) == [2, 4]  # N and 2N side by side
    factors = set(indices["factor"])
    assert "dummy" in factors
    assert factors - {"dummy"} <= {
        "crackdown.officers",
        "crackdown.duration_days",
        "residents.report_prob",
        "crackdown.period_days",
    }
    assert len(factors) == 3  # max_factors = 2 survivors of the screen and the dummy
    assert "Largest change of a total index from N = 2 to 4" in (out / "report.md").read_text()


class Interrupting:
    """A run function that stops the whole analysis (like Ctrl-C) after ``after`` runs."""

    def __init__(self, after: int) -> None:
        self.after, self.calls = after, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls > self.after:
            raise KeyboardInterrupt
        return simulate(*args, **kwargs)


def test_resumed_analysis_equals_uninterrupted(space_file: Path, tmp_path: Path) -> None:
    space = load_space(space_file)
    outcomes = ["crackdown_arrests", "rebound_days"]
    whole = run_sensitivity(space, "morris", outcomes, tmp_path / "whole", progress=False)
    assert whole.report is not None
    cut = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        run_sensitivity(
            space, "morris", outcomes, cut, progress=False, run_fn=Interrupting(after=13)
        )
    assert not (cut / "indices.csv").exists()
    resumed = run_sensitivity(space, "morris", outcomes, cut, progress=False)
    assert resumed.runs.n_skipped == 13
    for name in ("indices.csv", "outcomes.csv", "seed_noise.csv", "design.csv"):
        assert (cut / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_interrupted_command_exits_130(
    space_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sensitivity_cli, "run_sensitivity", interrupt)
    assert sensitivity("morris", "--space", str(space_file), "--out", str(tmp_path / "o")) == 130
    assert "run the same command again to resume" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["morris", "--outcomes", "dmi_arrest"], "did you mean 'dmi_arrests'"),
        (["sobol", "--screen", "no-such-folder"], "no Morris screening there"),
        (["morris", "--all-factors"], "apply to sobol only"),
    ],
)
def test_bad_command_is_one_line(
    space_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    assert sensitivity(*args, "--space", str(space_file), "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not out.exists()


def test_dry_run_states_the_cost(space_file: Path, capsys: pytest.CaptureFixture) -> None:
    assert sensitivity("morris", "--space", str(space_file), "--dry-run") == 0
    assert "18 points x 2 seeds x 3 scenarios = 108 runs" in capsys.readouterr().out


def test_sobol_dry_run_without_screening_counts_the_most_it_can_keep(
    space_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """No Morris folder yet: the size of a Sobol design on ``max_factors`` (2 of the 4) factors
    and the dummy, said to be an upper bound; the same as screening that kept two."""
    monkeypatch.setattr(sensitivity_cli, "SENSITIVITY_DIR", tmp_path / "none")
    assert sensitivity("sobol", "--space", str(space_file), "--dry-run") == 0
    out = capsys.readouterr().out
    space = load_space(space_file)
    bound = space.method("sobol").n_points(2 + 1)
    assert f"2 factors and the dummy; {bound} points x 2 seeds" in out
    assert "an upper bound: no Morris screening in " in out and "sensitivity morris" in out
    assert not (tmp_path / "none").exists()


def test_sobol_dry_run_on_a_missing_screen_folder_still_refuses(
    space_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """An explicit --screen DIR that holds no screening is a mistake, dry run or not."""
    args = ("sobol", "--space", str(space_file), "--dry-run", "--screen", str(tmp_path))
    assert sensitivity(*args) == 2
    assert "no Morris screening there" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("n = 2", "n = 1099511627776"), "points x 2 replications x 3 scenarios = "),
        (("replications = 2", "replications = 1000000000000"), "x 1,000,000,000,000 replications"),
    ],
)
def test_a_huge_design_is_refused_before_it_is_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "huge_space.toml"
    path.write_text(TINY.replace(*change))
    method = ["sobol", "--all-factors"] if change[0].startswith("n =") else ["morris"]
    started = time.monotonic()
    assert sensitivity(*method, "--space", str(path), "--out", str(tmp_path / "out")) == 2
    assert time.monotonic() - started < 5.0  # refused in well under a second, before drawing
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"error: {path}: the design has ") and message in err
    assert err.endswith("runs; allowed: at most 1,000,000 runs (see --dry-run)")
    assert not (tmp_path / "out").exists()


def test_a_non_utf8_space_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "latin1_space.toml"
    path.write_bytes(TINY.encode() + b"# \xe9\n")
    assert sensitivity("morris", "--space", str(path)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: {path}: not UTF-8 text (byte {len(TINY) + 2} is 0xe9); allowed: "
        "a TOML file, which is UTF-8"
    ]
