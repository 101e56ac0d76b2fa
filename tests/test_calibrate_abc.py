"""``run.py calibrate``: ABC-SMC against the validation's targets.

The recovery test makes a synthetic target: A2 (the high-risk share of active sellers)
measured on runs at a known high-risk share of the seller pool, with a band around the
measured value; the posterior over the pool share must then gather round the known value,
away from the prior. The others check
the sampler's promise (the same posterior on the in-process and pool executors), resuming
after the last complete generation, the result folder and bad input. Runs are short (200 or
380 days: A2's window is the 180 days before the intervention on day 365).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dmi_sim.cli import main
from dmi_sim.engine.executors import InlineExecutor, WorkerPool
from dmi_sim.engine.tasks import execute_task
from dmi_sim.studies.validation.abc import DB_NAME, CalibrationError, CalibrationSpec, calibrate
from dmi_sim.studies.validation.abc_results import particles, posterior
from dmi_sim.studies.validation.abc_run import Calibration
from dmi_sim.studies.validation.calibrate import measure_targets, targets_plan
from dmi_sim.studies.validation.plan import Runs
from dmi_sim.studies.validation.priors import load_space
from dmi_sim.studies.validation.targets import BY_ID, Target

SHARE = "sellers.high_risk_share"
#: The known value the recovery test calibrates back to, and its prior (a wide range whose
#: middle, 0.325, is far from it).
KNOWN = 0.2
PRIOR = (0.05, 0.6)
MIXED_SPACE = """
[overrides]
"run.days" = 730

[factors."police.officers"]
low = 2
high = 8
reason = "an integer range"

[factors."crackdown.period_days"]
levels = [60, 90, 120, 180]
reason = "listed levels"

[factors."sellers.watch_risk"]
low = 0.65
high = 2.6
source = "a float range"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_factor_space(tmp_path: Path) -> Path:
    low, high = PRIOR
    return write(
        tmp_path / "space.toml",
        f'[factors."{SHARE}"]\nlow = {low}\nhigh = {high}\nsource = "test"\n',
    )


def synthetic_a2(days: int, half_width: float) -> tuple[float, Target]:
    """A2 measured at the known pool share (4 baseline runs, seeds of root 99), and a
    copy of the target with a band of +- ``half_width`` round that value."""
    a2 = BY_ID["A2"]
    plan = targets_plan([a2], 1, 99, {SHARE: KNOWN}, days)
    outcomes = [execute_task(t) for t in plan.tasks]
    series = pd.concat([o.timeseries.assign(run_id=o.run_id) for o in outcomes])
    value = measure_targets([a2], Runs(plan, series))["A2"].value
    return value, dataclasses.replace(a2, band=(value - half_width, value + half_width))


def test_a_tiny_calibration_recovers_a_known_parameter(tmp_path: Path) -> None:
    value, target = synthetic_a2(days=380, half_width=0.06)
    space = load_space(one_factor_space(tmp_path))
    spec = CalibrationSpec(space, (target,), particles=8, generations=2, reps=1, seed=1, days=380)
    history = calibrate(spec, tmp_path / DB_NAME, InlineExecutor(), 1, progress=False)
    table = particles(history, spec)
    post = posterior(table, spec)
    assert history.n_populations == 2 and len(post) == 8
    assert post["weight"].sum() == pytest.approx(1.0)
    x, w = post[SHARE].to_numpy(), post["weight"].to_numpy()
    mean = np.average(x, weights=w)
    sd = np.sqrt(np.average((x - mean) ** 2, weights=w))
    prior_mean, prior_sd = sum(PRIOR) / 2, (PRIOR[1] - PRIOR[0]) / np.sqrt(12)
    assert abs(mean - KNOWN) < abs(prior_mean - KNOWN) / 2, (mean, sd, value)
    assert sd < 0.6 * prior_sd, (mean, sd, value)
    near = np.abs(x - KNOWN) <= 0.1
    assert w[near].sum() > 0.2 / (PRIOR[1] - PRIOR[0]), (x, w)  # the prior's mass there
    # every accepted particle of the last generation is within its threshold, and the
    # threshold shrank from generation 0's (everything) to a finite one
    eps = history.get_all_populations().query("t >= 0")["epsilon"].to_numpy()
    assert np.isinf(eps[0]) and np.isfinite(eps[1])
    last = table[table["generation"] == 1]
    assert (last["distance"] <= eps[1]).all()


def tiny_spec(tmp_path: Path, generations: int = 2) -> CalibrationSpec:
    space = load_space(write(tmp_path / "mixed.toml", MIXED_SPACE))
    return CalibrationSpec(
        space,
        (BY_ID["A1"], BY_ID["A3"]),  # baseline runs only; A3 is often outside its band here
        particles=3,
        generations=generations,
        reps=1,
        seed=7,
        days=200,
    )


def test_the_posterior_is_the_same_on_every_executor(tmp_path: Path) -> None:
    spec = tiny_spec(tmp_path)
    inline = calibrate(spec, tmp_path / "inline.db", InlineExecutor(), 1, progress=False)
    pool = WorkerPool(2)
    try:
        pooled = calibrate(spec, tmp_path / "pool.db", pool, 2, progress=False)
    finally:
        pool.shutdown()
    a, b = particles(inline, spec), particles(pooled, spec)
    pd.testing.assert_frame_equal(a, b)
    counts = [h.get_all_populations()["samples"].tolist() for h in (inline, pooled)]
    assert counts[0] == counts[1]
    # integers and levels come back as the model's values
    assert set(a["crackdown.period_days"]) <= {60, 90, 120, 180}
    assert a["police.officers"].between(2, 8).all()
    assert (a["police.officers"] == a["police.officers"].round()).all()


def test_a_calibration_continues_after_its_last_complete_generation(tmp_path: Path) -> None:
    spec = tiny_spec(tmp_path)
    straight = calibrate(spec, tmp_path / "straight.db", InlineExecutor(), 1, progress=False)
    # "interrupted" after generation 0: the same database, asked for the full run again
    db = tmp_path / "resumed.db"
    first = calibrate(dataclasses.replace(spec, generations=1), db, InlineExecutor(), 1, False)
    before = first.get_all_populations().query("t == 0")["population_end_time"].iloc[0]
    resumed = calibrate(spec, db, InlineExecutor(), 1, progress=False)
    pops = resumed.get_all_populations().query("t >= 0")
    assert pops["t"].tolist() == [0, 1]
    assert pops["population_end_time"].iloc[0] == before  # generation 0 was not sampled again
    # the continued generation has the threshold and particles of the uninterrupted one
    eps = [h.get_all_populations().query("t >= 0")["epsilon"].tolist() for h in (resumed, straight)]
    assert eps[0] == eps[1] and 0 < eps[0][1] < np.inf
    pd.testing.assert_frame_equal(particles(resumed, spec), particles(straight, spec))


def test_the_command_writes_the_posterior_and_continues_an_interrupted_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space = write(tmp_path / "mixed.toml", MIXED_SPACE)
    out = tmp_path / "results" / "cal"
    argv = ["calibrate", "--space", str(space), "--targets", "A1,A3", "--particles", "3"]
    argv += ["--generations", "2", "--days", "200", "--seed", "7", "--workers", "1"]
    argv += ["--out", str(out), "--no-progress"]
    spec = tiny_spec(tmp_path)
    store = Calibration.prepare(spec, out).store
    first = calibrate(
        dataclasses.replace(spec, generations=1), store / DB_NAME, InlineExecutor(), 1, False
    )
    gen0 = first.get_all_populations().query("t == 0")["wall_time"].iloc[0]
    assert main(argv) == 0
    assert not store.exists()  # moved into the folder
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns) == [
        "police.officers",
        "crackdown.period_days",
        "sellers.watch_risk",
        "weight",
    ]
    assert len(post) == 3 and post["weight"].sum() == pytest.approx(1.0)
    gens = pd.read_csv(out / "generations.csv")
    assert gens["generation"].tolist() == [0, 1]
    assert gens["wall_seconds"].iloc[0] == pytest.approx(gen0)  # continued, not redone
    assert (gens["runs"] == gens["evaluations"] * 4).all()  # 4 baseline runs a particle
    constraints = pd.read_csv(out / "constraints.csv", index_col="target")
    assert list(constraints.index) == ["A1", "A3"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cost"]["evaluations"] == gens["evaluations"].sum()
    assert manifest["space_overrides_not_applied"] == {"run.days": 730}
    for name in ("report.md", "particles.csv", "parameters.csv", "abc/abc.db"):
        assert (out / name).is_file()
    assert {p.name for p in (out / "figures").iterdir()} == {
        "marginals.png",
        "pairs.png",
        "constraints.png",
    }
    assert "posterior:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "space_text", "says"),
    [
        (["--vary", "police.oficers"], MIXED_SPACE, "'police.oficers' is not a parameter key"),
        (["--vary", "police.hours_per_officer"], MIXED_SPACE, "not varied there"),
        ([], '[factors."police.officers"]\nlow = -3\nhigh = 8\n', "police.officers"),
        ([], '[factors."no.such_key"]\nlow = 1\nhigh = 2\n', "unknown factor"),
        (["--targets", "A1,Z9"], MIXED_SPACE, "unknown target 'Z9'"),
        (["--targets", "A8"], MIXED_SPACE, "A8 has no band"),
        (["--particles", "1"], MIXED_SPACE, "--particles"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    space_text: str,
    says: str,
) -> None:
    space = write(tmp_path / "space.toml", space_text)
    out = tmp_path / "results" / "cal"
    try:
        code = main(
            ["calibrate", "--space", str(space), "--out", str(out), "--workers", "1", *extra]
        )
    except SystemExit as exit:  # an option's own type check (argparse) exits from the parser
        code = exit.code
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error:") and "\n" not in err and says in err, err
    assert not (tmp_path / "results").exists()


def test_a_second_command_on_the_same_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    with open(tmp_path / f"{DB_NAME}.lock", "w") as held:  # a command running on it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(CalibrationError, match="another calibrate command is running"):
            calibrate(tiny_spec(tmp_path), db, InlineExecutor(), 1, progress=False)
    assert not db.exists()
