"""Scenario discovery (``run.py discover``): PRIM finds a designed box, the noise check
flags a box on pure noise, the command end to end on a tiny design, bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import TINY_RUN_OVERRIDES

from dmi_sim.cli import main
from dmi_sim.engine.store import ResultStore
from dmi_sim.studies.discovery.analyse import analyse
from dmi_sim.studies.discovery.boxes import ALPHA, Box, Limit
from dmi_sim.studies.discovery.design import DesignRuns, design_tasks, latin_points
from dmi_sim.studies.discovery.report import box_sentence
from dmi_sim.studies.sensitivity.space import load_space

#: Points of the synthetic designs: a few hundred, as a discovery design has.
N_POINTS = 300
FACTORS = ["a", "b", "c", "d", "dummy"]


def synthetic_runs(advantage: np.ndarray, x: pd.DataFrame) -> DesignRuns:
    """Runs whose DMI leaves ``advantage[point, seed]`` (share of the 20 sellers there
    before) fewer active sellers than the crackdown on the same seed."""
    rows = []
    for point in range(advantage.shape[0]):
        for seed in range(advantage.shape[1]):
            base = {"point": point, "replication": seed, "pre_active_sellers": 20.0}
            rows.append({**base, "scenario": "crackdown", "post_active_sellers": 10.0})
            dmi_post = 10.0 - 20.0 * advantage[point, seed]
            rows.append({**base, "scenario": "dmi", "post_active_sellers": dmi_post})
    return DesignRuns(Path("synthetic"), x, pd.DataFrame(rows), dummy="dummy")


def design(seed: int) -> pd.DataFrame:
    """Uniform factors in [0, 1], except ``d``: whole numbers 0 to 9 (as days or officers)."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((N_POINTS, len(FACTORS))), columns=FACTORS)
    x["d"] = rng.integers(0, 10, N_POINTS)
    return x.rename_axis("point")


def test_prim_finds_the_designed_box() -> None:
    """The advantage fails exactly when a < 0.3, whatever b, c, d and the seed noise (which
    never crosses the threshold): PRIM's box is a < 0.3 and nothing else, and it is
    stable."""
    x = design(1)
    rng = np.random.default_rng(2)
    margin = np.where(x["a"] < 0.3, -0.2, 0.2)[:, None]
    advantage = margin + rng.uniform(-0.1, 0.1, (N_POINTS, 2))
    found = analyse(synthetic_runs(advantage, x), "sellers")
    assert found.fails.sum() == (x["a"] < 0.3).sum()
    assert found.peeling is not None and found.stability is not None
    box = found.peeling.box
    assert box.factors == ["a"]
    (limit,) = box.limits
    assert limit.low is None
    assert limit.high == pytest.approx(0.3, abs=0.02)
    assert box.coverage == pytest.approx(1.0, abs=0.02)
    assert box.density > 0.95
    assert not found.stability.noise
    assert found.stability.first_half is not None
    assert found.stability.first_half.factors == ["a"]
    assert [c[0] for leaf in found.leaves for c in leaf.conditions] == ["a"]


def test_the_noise_check_flags_a_box_on_pure_noise() -> None:
    """An advantage that is seed noise alone: PRIM still returns a box, and the check calls
    it noise (it restricts the dummy, or does not come back under the other seeds)."""
    x = design(3)
    advantage = np.random.default_rng(4).normal(0.0, 0.1, (N_POINTS, 2))
    found = analyse(synthetic_runs(advantage, x), "sellers")
    assert found.peeling is not None and found.stability is not None
    assert found.peeling.box.limits  # a box is found ...
    assert found.stability.noise  # ... and flagged


def test_a_box_that_other_seeds_do_not_reproduce_is_noise() -> None:
    """The first seed fails where b < 0.3, the second where c < 0.3 (as if the seeds, not
    the factors, decided): the box found on the first seed does not come back on the
    second."""
    x = design(7)
    advantage = np.column_stack(
        [np.where(x["b"] < 0.3, -0.3, 0.3), np.where(x["c"] < 0.3, -0.3, 0.3)]
    )
    found = analyse(synthetic_runs(advantage, x), "sellers")
    assert found.stability is not None and found.stability.first_half is not None
    assert found.stability.first_half.factors == ["b"]
    assert not found.stability.reproduced and found.stability.noise


def test_a_box_that_restricts_the_dummy_is_noise() -> None:
    """Even a reproducible box is noise when it restricts the dummy."""
    x = design(5)
    advantage = np.repeat(np.where(x["dummy"] < 0.3, -0.2, 0.2)[:, None], 2, axis=1)
    found = analyse(synthetic_runs(advantage, x), "sellers")
    assert found.stability is not None
    assert found.stability.restricts_dummy and found.stability.reproduced
    assert found.stability.noise


def test_no_box_where_the_advantage_never_fails() -> None:
    x = design(6)
    found = analyse(synthetic_runs(np.full((N_POINTS, 2), 0.1), x), "sellers")
    assert found.peeling is None and found.tree is None and not found.fails.any()


#: Short runs on a small neighbourhood, three factors the DMI reads and the dummy.
TINY = (
    """
seed = 5
replications = 2
dummy = "dummy"
"""
    + TINY_RUN_OVERRIDES
    + """[factors."dmi.community_participation"]
low = 0.2
high = 0.9
reason = "test"
[factors."dmi.credible_case_share"]
low = 0.3
high = 1.0
reason = "test"
[factors."crackdown.period_days"]
levels = [20, 40]
reason = "test: categorical"
"""
)


def test_a_design_pairs_the_dmi_and_the_crackdown_on_each_points_seeds(tmp_path: Path) -> None:
    """Both policies of a point run on the same seeds; points (distinct dummies) get other
    seeds; the design is the same from the same space."""
    path = tmp_path / "tiny_space.toml"
    path.write_text(TINY)
    space = load_space(path)
    points = latin_points(space, 8)
    assert points.equals(latin_points(space, 8))
    assert points[space.dummy].between(0, 1).all() and points[space.dummy].nunique() == 8
    tasks = design_tasks(space, points)
    assert len(tasks) == 8 * 2 * 2
    seeds: dict[tuple[int, int], set[int]] = {}
    for task in tasks:
        key = (task.labels["point"], task.labels["replication"])
        seeds.setdefault(key, set()).add(task.seed)
        assert task.overrides["dmi.credible_case_share"] == pytest.approx(
            points.loc[task.labels["point"], "dmi.credible_case_share"]
        )
    assert all(len(s) == 1 for s in seeds.values())  # paired within a point and seed
    assert len({s for group in seeds.values() for s in group}) == 8 * 2  # distinct elsewhere


def discover(*args: str) -> int:
    return main(["discover", *args, "--workers", "1", "--no-progress"])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny design run end to end: its design folder and its report folder.

    80 days of policy are too few for the DMI to beat crackdowns anywhere (its cases take
    two months), so the threshold asks where it falls more than 80 % of the sellers behind.
    """
    root = tmp_path_factory.mktemp("discovery")
    space = root / "tiny_space.toml"
    space.write_text(TINY)
    folder, out = root / "design", root / "report"
    args = ["--space", str(space), "--points", "12", "--design-out", str(folder)]
    assert discover(*args, "--threshold", "-0.8", "--out", str(out)) == 0
    return folder, out


def test_discover_end_to_end(tiny: tuple[Path, Path]) -> None:
    folder, out = tiny
    assert len(ResultStore(folder / "runs").stored_run_ids()) == 12 * 2 * 2
    points = pd.read_csv(out / "points.csv")
    assert len(points) == 12 and {"advantage_mean", "fails", "dummy"} <= set(points)
    assert points["fails"].tolist() == (points["advantage_mean"] <= -0.8).tolist()
    assert 0 < points["fails"].sum() < 12
    for name in ("trajectory.csv", "figures/prim_trajectory.png", "figures/cart_tree.png"):
        assert (out / name).is_file(), name
    report = (out / "report.md").read_text()
    assert "# Where the DMI's advantage over crackdowns fails" in report
    assert "48 runs made by this call" in report
    # the headline calls the box a finding only when its restrictions pass the quasi-p test
    # by which the others were dropped (12 points give little power: either may come out)
    quasi_p = [float(row.split("|")[-2]) for row in report.splitlines() if row.startswith("| `")]
    assert quasi_p
    significant = all(qp < ALPHA for qp in quasi_p)
    assert ("**The DMI's advantage (fewer active sellers) fails when" in report) == significant
    assert ("**No region where the DMI's advantage" in report) == (not significant)
    assert "Stable against seed noise" in report or "Noise, not a finding" in report


def test_the_same_command_again_resumes_and_makes_no_run(
    tiny: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, first = tiny
    space = folder.parent / "tiny_space.toml"
    out = tmp_path / "again"
    args = ["--space", str(space), "--points", "12", "--design-out", str(folder)]
    assert discover(*args, "--threshold", "-0.8", "--out", str(out)) == 0
    assert "none made by this call" in (out / "report.md").read_text()
    assert (out / "points.csv").read_bytes() == (first / "points.csv").read_bytes()


def test_discover_reads_a_design_back(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    """Another outcome of the same design: no run is made, the points are the same."""
    folder, first = tiny
    out = tmp_path / "outdoors"
    assert discover("--design", str(folder), "--outcome", "outdoors", "--out", str(out)) == 0
    report = (out / "report.md").read_text()
    assert "none made by this call" in report and "Advantage (outdoors)" in report
    tests = tmp_path / "holds"
    assert discover("--design", str(folder), "--outcome", "holds", "--out", str(tests)) == 0
    shares = pd.read_csv(tests / "points.csv")[["advantage_seed_0", "advantage_seed_1"]]
    assert shares.isin([0.0, 1.0]).all().all()  # each seed passes every test or not
    first_points = pd.read_csv(first / "points.csv")
    assert pd.read_csv(out / "points.csv")["point"].tolist() == first_points["point"].tolist()


def exit_code(*args: str) -> int:
    """``discover``'s exit code, whether it returned it or argparse raised it."""
    try:
        return discover(*args)
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--design", "no/such/folder"], "no/such/folder: no design.csv"),
        (["--density", "1.5"], "--density: '1.5' is invalid; allowed: a number in (0, 1]"),
        (["--points", "0"], "--points: '0' is invalid"),
        (["--outcome", "arrests"], "--outcome: invalid choice: 'arrests'"),
        (["--space", "no_such_space"], "no_such_space"),
        (["--points", "10", "--design", "x"], "not allowed with argument"),
        (["--threshold", "nan"], "--threshold: 'nan' is invalid; allowed: a finite number"),
        (["--design", "x", "--space", "tiny"], "--space applies to a new design (--points)"),
    ],
)
def test_bad_input_is_refused_in_one_line(
    args: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert exit_code(*args, "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and says in err[0], err
    assert not out.exists()


def test_an_existing_report_folder_is_refused(
    tiny: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, out = tiny
    before = (out / "report.md").read_bytes()
    assert exit_code("--design", str(folder), "--out", str(out)) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "report.md").read_bytes() == before


def test_a_design_without_crackdown_runs_is_refused(
    tiny: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A design folder whose runs do not pair the DMI with a crackdown cannot be analysed."""
    folder, _ = tiny
    points = tmp_path / "design"
    points.mkdir()
    (points / "design.csv").write_bytes((folder / "design.csv").read_bytes())
    (points / "runs").mkdir()
    assert exit_code("--design", str(points), "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "runs unreadable" in err[0]


def _box(*qps: float) -> Box:
    limits = tuple(Limit(f"f{k}", 0.5, None, qp) for k, qp in enumerate(qps))
    return Box(limits, coverage=0.9, density=0.5, mass=0.6, n_points=18, n_failing=9)


def test_a_box_whose_restrictions_fail_the_quasi_p_test_is_not_headlined_as_a_finding() -> None:
    """The rule that drops restrictions (quasi-p >= ALPHA) also judges the ones kept: the
    reviewer's box on one factor at quasi-p 0.054 is not a region where the advantage
    fails."""
    for qps in ((0.054,), (0.001, ALPHA)):
        box = _box(*qps)
        assert not box.significant
        text = box_sentence(box, "fewer sellers", "dummy", 10, 30)
        assert "fails when" not in text
        assert text.startswith("**No region where the DMI's advantage (fewer sellers) fails")
        assert f"`f{len(qps) - 1}` {qps[-1]:.2g}" in text
    box = _box(0.001, 0.049)
    assert box.significant and box_sentence(box, "fewer sellers", "dummy", 10, 30).startswith(
        "**The DMI's advantage (fewer sellers) fails when"
    )
