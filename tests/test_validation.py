"""``run.py validate``: the measures on hand-made series, the verdict rule, the plan, the
command's folder and bad input, and a fast directional subset of the behaviour targets.

The directional subset runs the validation itself with few replications and a short
horizon (burn-in 200 days, 560 days in all) and asserts the direction of each behaviour
docs/EVIDENCE.md names, not its band: the full bands are the command's job.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import exit_code

from dmi_sim.cli import main
from dmi_sim.engine import load_results
from dmi_sim.engine.store import ResultStore
from dmi_sim.engine.tasks import execute_task
from dmi_sim.studies.kit import derived
from dmi_sim.studies.validation import ValidationError, ValidationSpec, judge
from dmi_sim.studies.validation import measures as m
from dmi_sim.studies.validation.plan import START_KEY, Runs, build_arms, build_plan
from dmi_sim.studies.validation.targets import BY_ID, TARGETS, Checked, Target
from dmi_sim.studies.validation.validate import Validation, select_targets

# --- measures on hand-made series ----------------------------------------------------


def test_sweeps_stop_where_police_would_leave_after_the_run() -> None:
    plan = derived.sweep_plan(start=365, period=90, duration=14, days=1095)
    assert plan[0] == (365, 379, 455)
    assert plan[-1] == (995, 1009, 1085)  # the sweep on day 1085 would end after day 1094
    assert len(plan) == 8
    assert derived.sweep_plan(start=100, period=90, duration=14, days=150) == [(100, 114, 150)]


def test_replacement_days_is_known_on_a_hand_made_series() -> None:
    series = np.full(200, 20.0)
    series[100:123] = 0.0  # sweep days 100-113, then nine more empty days
    # the 7-day trailing mean reaches 10 (half of 20) once 4 of its 7 days are back: day 126
    assert derived.replacement_days(series, (100, 114, 190)) == 126 - 114
    series[100:] = 0.0
    assert derived.replacement_days(series, (100, 114, 190)) == math.inf  # censored
    assert math.isnan(derived.replacement_days(np.zeros(200), (100, 114, 190)))  # no market before


def test_trailing_mean_uses_the_days_there_are() -> None:
    assert np.allclose(derived.trailing_mean(np.array([2.0, 4.0, 6.0, 8.0]), 2), [2, 3, 5, 7])


def test_censored_median_counts_unrecovered_sweeps_as_never() -> None:
    assert m.censored_median(np.array([5.0, 10.0, math.inf])) == 10.0
    assert m.censored_median(np.array([5.0, math.inf, math.inf])) == math.inf
    assert m.censored_median(np.array([7.0, math.nan])) == 7.0


def test_two_states_leave_the_middle_empty_and_one_state_does_not() -> None:
    rng = np.random.default_rng(1)
    two = np.concatenate([rng.normal(0.5, 0.03, 40), rng.normal(0.95, 0.02, 40)])
    assert 0.6 < m.two_means_split(two) < 0.88
    assert m.between_states(two) == 0.0
    assert m.between_states(rng.normal(0.6, 0.1, 400)) > 0.15  # one state, split in two
    assert m.between_states(rng.uniform(0.4, 1.0, 400)) > 0.15
    lonely = np.concatenate([rng.normal(0.5, 0.03, 60), [1.0]])  # one stray run: no state
    assert math.isnan(m.between_states(lonely))


def test_ratio_and_proportion_intervals_cover_their_estimates() -> None:
    r = m.ratio_measure(np.array([1.0, 2.0, 1.0, 2.0]), np.array([10.0, 10.0, 10.0, 10.0]))
    assert r.value == pytest.approx(0.15)
    assert r.low <= r.value <= r.high
    p = m.proportion_measure(np.array([True] * 20))
    assert p.value == 1.0 and p.high == pytest.approx(1.0) and 0.8 < p.low < 0.9
    assert math.isnan(m.ratio_measure(np.array([1.0]), np.array([0.0])).value)


# --- the verdict rule ----------------------------------------------------------------


def _target(band: tuple[float, float], info: bool = False) -> Target:
    return Target(
        "X1", "test", "", band, "u", "src", ("baseline",), m.measure_sellers, "", info=info
    )


@pytest.mark.parametrize(
    ("band", "value", "low", "high", "status", "inside"),
    [
        ((0, 1), 0.5, 0.4, 0.6, "PASS", True),
        ((0, 1), 0.9, 0.7, 1.1, "PASS", False),  # in band, narrower, not wholly inside
        ((0, 1), 0.5, -0.6, 1.6, "INCONCLUSIVE", False),  # interval wider than the band
        ((0, 1), 1.5, 1.4, 1.6, "FAIL", False),
        ((0, 1), 0.5, math.nan, math.nan, "INCONCLUSIVE", False),  # too few replications
        ((0, 1), math.nan, math.nan, math.nan, "FAIL", False),
        ((0.5, math.inf), 3.0, 0.6, 9.0, "PASS", True),  # one-sided: no width to beat
        ((0, 90), math.inf, 30, math.inf, "FAIL", False),  # a median that never recovers
    ],
)
def test_pass_needs_the_estimate_in_the_band_and_an_interval_narrower_than_it(
    band, value, low, high, status, inside
) -> None:
    verdict = judge(_target(band), m.Measurement(value, low, high, 10))
    assert (verdict.status, verdict.interval_inside) == (status, inside)


def test_info_targets_are_never_passed_or_failed() -> None:
    verdict = judge(_target((-math.inf, math.inf), info=True), m.Measurement(1, 0, 2, 5))
    assert verdict.status == "info"


def test_every_target_is_declared_once_with_a_band_source_and_runs() -> None:
    assert len(BY_ID) == len(TARGETS)
    arms = build_arms(4, {})
    for t in TARGETS:
        assert t.band[0] < t.band[1], t.id
        assert t.source and t.method and t.arms, t.id
        assert set(t.arms) <= set(arms), t.id
        assert t.info == (t.band == (-math.inf, math.inf)), t.id
    assert {t.id[:2] for t in TARGETS} >= {"A1", "A7", "B1", "B2", "B3", "B4", "B5", "B6", "B7"}


def test_targets_are_chosen_by_id_case_insensitively_and_typos_are_named() -> None:
    assert [t.id for t in select_targets(["b3a", "A1"])] == ["A1", "B3a"]
    with pytest.raises(ValidationError, match="did you mean 'B6"):
        select_targets(["B6z"])


def test_a_run_two_arms_need_is_made_once() -> None:
    arms = build_arms(4, {})
    plan = build_plan(arms, seed=0, overrides={})
    design = plan.design
    assert len(plan.tasks) == design["run_id"].nunique()
    dmi = design[design["arm"] == "dmi"].sort_values("replication")["run_id"].tolist()
    full = design[(design["arm"] == "fidelity") & (design["level"] == 1.0)]
    assert full.sort_values("replication")["run_id"].tolist() == dmi[: len(full)]
    top = design[(design["arm"] == "community") & (design["level"] == 1.0)]["run_id"]
    assert set(top) <= set(design[design["arm"] == "abandoned_start"]["run_id"])
    assert plan.params[("abandoned_dmi", 1.0)][START_KEY] == 1.0
    seeds = design.groupby("replication")["seed"].nunique()
    assert (seeds == 1).all()  # replication i runs on one seed in every arm: paired


# --- the command: its folder, resume, bad input ----------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A tiny full-length validation through the command line: two targets, 2 replications."""
    out = tmp_path_factory.mktemp("validate") / "val"
    code = main(
        [
            "validate",
            "--reps",
            "2",
            "--targets",
            "A1,b4c",
            "--workers",
            "1",
            "--no-progress",
            "--seed",
            "3",
            "--out",
            str(out),
        ]
    )
    return out, code


def test_the_folder_holds_the_report_table_figures_and_runs(tiny: tuple[Path, int]) -> None:
    out, code = tiny
    table = pd.read_csv(out / "targets.csv")
    assert list(table["id"]) == ["A1", "B4c"]
    statuses = set(table["status"])
    assert code == (1 if "FAIL" in statuses else 3 if "INCONCLUSIVE" in statuses else 0)
    report = (out / "report.md").read_text()
    for row in table.itertuples():
        assert f"| {row.id} | {row.target} |" in report
        assert f"### {row.id} — {row.target}" in report
    assert "![A1](figures/anchors.png)" in report and "![B4c](figures/arrests.png)" in report
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["anchors.png", "arrests.png"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"].startswith("python run.py validate --reps 2")
    assert manifest["targets"] == ["A1", "B4c"]
    assert manifest["runs"] == 2 * 4 + 2 * 4  # baseline and dmi, each 4 x --reps
    assert manifest["wall_seconds"] > 0 and "start" in manifest["load_average"]
    stored = ResultStore(out / "runs").stored_run_ids()
    assert stored == set(pd.read_csv(out / "design.csv")["run_id"])
    assert not list(out.parent.glob(".validation-runs-*"))  # the store moved into the folder
    assert not list(out.parent.glob(".*partial*"))


def test_an_interrupted_validation_resumes_without_rerunning_stored_runs(tmp_path: Path) -> None:
    spec = ValidationSpec(reps=2, targets=["A1"], days=400)
    validation = Validation.prepare(spec, tmp_path / "val")
    first = validation.plan.tasks[0]
    store = ResultStore(validation.store)  # what an interrupted run leaves behind
    store.open(validation.plan.tasks, save_timeseries=True)
    outcome = execute_task(first)
    outcome.summary["marker"] = 1.0
    store.write_batch([(first, outcome)])
    report, _ = validation.run(["validate"], workers=1, progress=False)
    summary = ResultStore(tmp_path / "val" / "runs").load_summary().set_index("run_id")
    assert summary.loc[first.run_id, "marker"] == 1.0  # kept, not run again
    assert summary["marker"].isna().sum() == len(validation.plan.tasks) - 1
    assert "(resumed: 1 of the runs were stored before)" in report.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--targets", "Z9"], "unknown target 'Z9'"),
        (["--targets", ","], "name at least one target"),
        (["--reps", "1"], "at least 2 replications"),
        (["--seed", "-1"], "non-negative"),
        (["--workers", "0"], "--workers 0"),
        (["--set", "no.such_key=1"], "no.such_key"),
        (["--set", "police.officers=-5"], "police.officers"),
        (["--reps", "many"], "invalid int value"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = exit_code(["validate", "--no-progress", "--out", str(tmp_path / "val"), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error:") and "\n" not in err and message in err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "val").mkdir()
    assert exit_code(["validate", "--targets", "A6", "--out", str(tmp_path / "val")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["val"]


# --- the fast directional subset -----------------------------------------------------

FAST = ("B1a", "B1b", "B2a", "B4a", "B5a", "B5b", "B7", "B8b", "B9b", "B9c", "B10a", "B10b", "B10c")


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Checked], Runs]:
    """The directional subset, run once: 4 replications (x REPS_FACTOR), burn-in 200 days,
    560 days in all."""
    spec = ValidationSpec(
        reps=4, seed=11, targets=FAST, days=560, overrides={"run.intervention_start": 200}
    )
    validation = Validation.prepare(spec, tmp_path_factory.mktemp("fast") / "val")
    _, checked = validation.run(["validate"], workers=2, progress=False)
    return checked, Runs(validation.plan, load_results(validation.out / "runs")[1])


@pytest.mark.slow
def test_sellers_rebound_after_every_sweep_mostly_through_new_people(fast) -> None:
    checked, runs = fast
    recovery = m.sweep_recovery(runs)
    assert len(recovery.sweeps) == 4
    for k, (_, withdrawal, next_sweep) in enumerate(recovery.sweeps):
        # after every sweep the typical run is back to half before the next sweep
        assert m.censored_median(recovery.times[:, k]) < next_sweep - withdrawal
    assert checked["B1a"].result.value <= 90
    assert checked["B1b"].result.value > 0.5  # most entrants have no record


@pytest.mark.slow
def test_low_risk_sellers_fall_abruptly_after_the_call_in(fast) -> None:
    checked, _ = fast
    assert checked["B2a"].result.value > 0.5


@pytest.mark.slow
def test_dmi_arrests_far_below_crackdown_arrests(fast) -> None:
    checked, _ = fast
    assert checked["B4a"].result.value >= 5


@pytest.mark.slow
def test_no_large_displacement_after_either_intervention(fast) -> None:
    checked, _ = fast
    assert checked["B5a"].result.value <= 0.05
    assert checked["B5b"].result.value <= 0.05


@pytest.mark.slow
def test_the_dmi_fails_at_low_fidelity(fast) -> None:
    _, runs = fast
    c = m.call_in_day(runs, "dmi")
    high = m.effect(runs, "dmi", "active_sellers", c)["rel_effect"]
    low = m.effect(runs, "dmi_low_fidelity", "active_sellers", c)["rel_effect"]
    assert high < -0.5
    assert abs(low) < 0.5 * abs(high)


@pytest.mark.slow
def test_a_long_crackdown_deters_a_while_after_it_ends(fast) -> None:
    # Suppression lingers after the police leave. (That it fades while they stay, B8a, is a
    # difference of two suppressions: at 4 replications its interval spans +-40 points, so
    # its direction is tested with paired runs in tests/test_enforcement.py.)
    checked, _ = fast
    assert checked["B8b"].result.value > 0.05


@pytest.mark.slow
def test_hot_spot_presence_cuts_disorder_without_emptying_the_corner(fast) -> None:
    checked, _ = fast
    assert checked["B9b"].result.value < -0.2
    assert checked["B9c"].result.value > -0.8


@pytest.mark.slow
def test_crackdowns_fill_prisons_and_the_dmi_does_not(fast) -> None:
    checked, _ = fast
    # Seller arrests alone, buyers apart: more under crackdowns. (B10a's band, >= 3x over two
    # policy years, is checked by the full validation: 3.66x; this one-year run checks the
    # direction.)
    assert checked["B10a"].result.value > 1
    assert checked["B10b"].result.value > 0  # more distinct people sent to prison
    assert checked["B10c"].result.value > 0  # more custody person-days
