"""Replications by precision (``compare --precision W``, ``validate --precision``).

The stopping rule is checked on studies whose interval width is a known function of the
replications: the loop must stop at the first count of its schedule that is narrow enough
(not before, not after) and at the cap otherwise. Then the two commands end to end on tiny
runs: seeds are prefix-stable per arm, an interrupted precision run resumes without running
its stored runs again, the reports and manifests say how many replications each arm or
scenario needed, and bad values are refused in one line with exit code 2.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import exit_code
from scipy import stats

from dmi_sim.cli import main
from dmi_sim.engine import RunTask, run_tasks
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.engine.store import ResultStore
from dmi_sim.studies.compare.pipeline import CompareSpec, build_tasks
from dmi_sim.studies.compare.precision import EffectPrecision, RunsAt, replicate_effects
from dmi_sim.studies.kit.precision import CAPPED, REACHED, Stepping, replicate_until_precise
from dmi_sim.studies.validation.measures import Measure, Measurement
from dmi_sim.studies.validation.plan import Runs, build_arms, build_plan
from dmi_sim.studies.validation.targets import BY_ID
from dmi_sim.studies.validation.validate import Validation, ValidationSpec

SMALL = {"space.width": 20, "space.height": 20}


def schedule(start: int, stepping: Stepping) -> list[int]:
    """The counts the loop may check: start, start + batch, ..., the last cut at the cap."""
    counts = [start]
    while counts[-1] < stepping.max_reps:
        counts.append(min(counts[-1] + stepping.batch, stepping.max_reps))
    return counts


# --- the stopping rule on a study whose width is known -----------------------------------


def test_each_group_stops_at_the_first_count_narrow_enough_or_at_the_cap() -> None:
    """Width 10 / sqrt(n), asked at most 2: 25 replications are enough, so on the schedule
    4, 9, 14, ... the first count that meets it is 29 (24 gives 2.04); a group twice as
    noisy never meets it before the cap of 60."""
    noise = {"quiet": 10.0, "noisy": 20.0, "exact": 0.0}
    asked, start, stepping = 2.0, 4, Stepping(max_reps=60, batch=5)
    checked: list[dict[str, int]] = []

    def check(reps: Mapping[str, int]) -> list[str]:
        checked.append(dict(reps))
        return [g for g, n in reps.items() if noise[g] / math.sqrt(n) > asked]

    stopped = replicate_until_precise(list(noise), start, stepping, check)
    assert stopped.replications == {"quiet": 29, "noisy": 60, "exact": 4}
    assert [stopped.status(g) for g in noise] == [REACHED, CAPPED, REACHED]
    assert not stopped.reached and stopped.too_wide == ["noisy"]
    counts = schedule(start, stepping)
    assert [c["noisy"] for c in checked] == counts  # every count up to the cap, no further
    quiet = [c["quiet"] for c in checked]
    assert quiet == counts[: counts.index(29) + 1] + [29] * (len(counts) - counts.index(29) - 1)
    assert all(c["exact"] == start for c in checked)
    assert [s["replications"] for s in stopped.steps] == checked


def test_a_study_precise_at_the_start_checks_once() -> None:
    calls = []
    stopped = replicate_until_precise(
        ["a", "b"], 8, Stepping(max_reps=8), lambda reps: calls.append(reps) or []
    )
    assert len(calls) == 1 and stopped.reached and stopped.replications == {"a": 8, "b": 8}


@pytest.mark.parametrize(
    ("stepping", "start", "message"),
    [
        (Stepping(max_reps=5), 10, "--max-reps 5: below the starting --reps 10"),
        (Stepping(max_reps=20, batch=0), 10, "--batch 0"),
        (Stepping(max_reps=10**6), 10, "at most 10,000"),
    ],
)
def test_steps_that_cannot_start_are_refused(stepping: Stepping, start: int, message: str) -> None:
    assert message in (stepping.problem(start) or "")
    with pytest.raises(ValueError, match=message.split(":")[0]):
        replicate_until_precise(["a"], start, stepping, lambda reps: [])


# --- compare's rule: effect widths on the report's scale --------------------------------

#: A daily count whose baseline (0.1 a day) is below the floor, so the report gives the
#: absolute change and the width is the absolute interval's divided by the baseline's level.
SMALL_BASE = "transactions_market"
BASE_LEVEL = 0.1


def synthetic_runs(spread: Mapping[str, float]) -> RunsAt:
    """Runs at given replications where each scenario's paired difference is +-spread
    (alternating by replication), so its t-interval width is known in closed form."""

    def runs_at(reps: Mapping[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
        rows = []
        for name, n in reps.items():
            for i in range(n):
                shift = 0.0 if name == "baseline" else spread[name] * (1 if i % 2 == 0 else -1)
                rows += [(name, i, day, BASE_LEVEL + shift) for day in range(20)]
        ts = pd.DataFrame(rows, columns=["scenario", "replication", "day", SMALL_BASE])
        summary = ts[["scenario", "replication"]].drop_duplicates().reset_index(drop=True)
        return summary, ts

    return runs_at


def closed_form_width(spread: float, n: int) -> float:
    """Full width of the 95 % t-interval of n alternating +-spread differences (n even),
    over the baseline's level."""
    sd = spread * math.sqrt(n / (n - 1))
    return 2 * stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) / BASE_LEVEL


def test_compare_stops_each_scenario_at_the_first_count_whose_effects_are_narrow_enough() -> None:
    spread = {"dmi": 0.01, "crackdown": 0.05}
    asked = 0.12  # 12 percentage points of the baseline's level
    stepping = Stepping(max_reps=16, batch=2)
    counts = schedule(4, stepping)
    first = next(n for n in counts if closed_form_width(spread["dmi"], n) <= asked)
    assert first > counts[0]  # the example must need more than the start
    assert closed_form_width(spread["crackdown"], counts[-1]) > asked  # never before the cap
    runs_at = synthetic_runs(spread)
    seen: list[dict[str, int]] = []

    def recording(reps: Mapping[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
        seen.append(dict(reps))
        return runs_at(reps)

    precision = EffectPrecision(asked, (SMALL_BASE,), stepping)
    summary, ts, record = replicate_effects(
        ["baseline", "dmi", "crackdown"],
        4,
        precision,
        5,
        recording,
    )
    assert record["groups"]["dmi"] == {"replications": first, "status": "reached"}
    assert record["groups"]["crackdown"] == {"replications": counts[-1], "status": "cap"}
    assert record["baseline_replications"] == counts[-1]
    assert all(step["baseline"] == max(step["dmi"], step["crackdown"]) for step in seen)
    assert [s["dmi"] for s in seen][: counts.index(first) + 1] == counts[: counts.index(first) + 1]
    assert max(s["dmi"] for s in seen) == first  # not after the first count that met it
    assert record["widths_points"]["dmi"][SMALL_BASE] == pytest.approx(
        100 * closed_form_width(spread["dmi"], first), abs=1e-3
    )
    assert ts.groupby("scenario")["replication"].nunique().to_dict() == {
        "baseline": counts[-1],
        "crackdown": counts[-1],
        "dmi": first,
    }


# --- seeds are prefix-stable per arm ---------------------------------------------------


def test_more_replications_keep_every_run_of_fewer_unchanged() -> None:
    """Every run of a smaller plan is, id, seed and settings, a run of a larger one: adding
    replications only adds runs (validation arms and compare scenarios alike)."""
    assert replication_seeds(5, 30)[:12] == replication_seeds(5, 12)
    small = build_plan(build_arms(3, {}), seed=5, overrides={})
    large = build_plan(build_arms(7, {}), seed=5, overrides={})
    by_id = {t.run_id: t for t in large.tasks}
    assert all(by_id[t.run_id] == t for t in small.tasks)
    assert len(large.tasks) > len(small.tasks)
    spec = CompareSpec(scenarios=("dmi",), reps=3, seed=5)
    resolved = {"baseline": ("baseline", None), "dmi": ("dmi", None)}
    few = build_tasks(resolved, replication_seeds(5, 3), spec)
    more = {t.run_id: t for t in build_tasks(resolved, replication_seeds(5, 9), spec)}
    assert all(more[t.run_id] == t for t in few)


def test_a_store_refuses_a_task_outside_its_plan(tmp_path: Path) -> None:
    planned = [RunTask(f"r{i}", "baseline", SMALL, seed=i, days=30) for i in range(3)]
    stranger = RunTask("r1", "baseline", SMALL, seed=99, days=30)
    with pytest.raises(ValueError, match="not one of the planned tasks"):
        run_tasks([stranger], tmp_path / "s", workers=1, progress=False, planned=planned)


# --- validate --precision end to end ---------------------------------------------------

#: The fake target's interval is WIDTH_RUNS / n wide over n baseline runs, its band 1 wide:
#: narrower from n = 25 on. Baseline runs 4 x --reps, so --reps 2, 4, 6, 8 give n = 8, 16,
#: 24, 32: the first narrow enough is --reps 8 (n = 24 gives exactly the band's width).
WIDTH_RUNS = 24.0


def _fake_measure(runs: Runs) -> Measurement:
    n = len(runs.ids("baseline"))
    return Measurement(0.5, 0.5 - WIDTH_RUNS / n / 2, 0.5 + WIDTH_RUNS / n / 2, n)


def _validation(out: Path, max_reps: int, measure: Measure = _fake_measure) -> Validation:
    spec = ValidationSpec(
        reps=2,
        seed=1,
        targets=["A1"],
        days=60,
        overrides={**SMALL, "run.intervention_start": 30},
        precision=Stepping(max_reps=max_reps, batch=2),
    )
    validation = Validation.prepare(spec, out)
    fake = dataclasses.replace(BY_ID["A1"], band=(0.0, 1.0), measure=measure, figure=None)
    validation.targets = [fake]
    return validation


def test_validate_precision_stops_at_the_first_reps_whose_interval_is_narrower_than_the_band(
    tmp_path: Path,
) -> None:
    validation = _validation(tmp_path / "val", max_reps=12)
    report, checked = validation.run(["validate", "--precision"], workers=1, progress=False)
    assert checked["A1"].verdict.status == "PASS"
    manifest = json.loads((tmp_path / "val" / "manifest.json").read_text())
    record = manifest["precision"]
    assert [s["replications"]["baseline"] for s in record["steps"]] == [2, 4, 6, 8]
    assert record["groups"]["baseline"] == {
        "replications": 8,
        "status": "reached",
        "runs_per_level": 32,
    }
    assert record["reached"] and manifest["arm_replications"] == {"baseline": 32}
    design = pd.read_csv(tmp_path / "val" / "design.csv")
    assert len(design) == 32 and manifest["runs"] == 32
    text = report.read_text()
    assert "## Replications by precision" in text and "| baseline | 8 | 32 | reached |" in text


def test_validate_precision_stops_at_the_cap_and_says_so(tmp_path: Path) -> None:
    validation = _validation(tmp_path / "val", max_reps=5)
    report, checked = validation.run(["validate", "--precision"], workers=1, progress=False)
    assert checked["A1"].verdict.status == "INCONCLUSIVE"
    record = json.loads((tmp_path / "val" / "manifest.json").read_text())["precision"]
    assert [s["replications"]["baseline"] for s in record["steps"]] == [2, 4, 5]
    assert record["groups"]["baseline"]["status"] == "cap" and not record["reached"]
    assert record["targets_too_wide"] == ["A1"]
    text = report.read_text()
    assert "**The cap stopped it**: still too wide: A1." in text
    assert "baseline 2 (too wide: A1, interval 3 wide, band 1); baseline 4" in text  # 24 / 8


def test_an_interrupted_precision_run_resumes_without_running_stored_runs_again(
    tmp_path: Path,
) -> None:
    """Stopped in its third step (after the runs of --reps 6 were stored), the same
    validation runs only the runs of --reps 8 when started again."""

    def interrupted(runs: Runs) -> Measurement:
        if len(runs.ids("baseline")) == 24:
            raise KeyboardInterrupt
        return _fake_measure(runs)

    first = _validation(tmp_path / "val", max_reps=12, measure=interrupted)
    with pytest.raises(KeyboardInterrupt):
        first.run(["validate", "--precision"], workers=1, progress=False)
    store = ResultStore(first.store)
    stored = store.stored_run_ids()
    assert len(stored) == 24 and not (tmp_path / "val").exists()

    again = _validation(tmp_path / "val", max_reps=12)
    assert again.store == first.store
    again.run(["validate", "--precision"], workers=1, progress=False)
    manifest = json.loads((tmp_path / "val" / "manifest.json").read_text())
    assert manifest["runs_already_stored"] == 24 and manifest["runs"] == 32
    parts = ResultStore(tmp_path / "val" / "runs").load_summary()
    assert parts["run_id"].is_unique and stored < set(parts["run_id"])
    assert (
        "(resumed: 24 of the runs were stored before)"
        in (tmp_path / "val" / "report.md").read_text()
    )


# --- compare --precision end to end, and bad values ------------------------------------

#: compare dmi on a 20x20 grid for 150 days, the policy from day 60, in-process.
TINY_COMPARE = ["compare", "dmi", "--workers", "1", "--no-progress", "--days", "150"] + [
    arg
    for setting in ("space.width=20", "space.height=20", "run.intervention_start=60")
    for arg in ("--set", setting)
]


def test_compare_precision_reports_replications_and_the_cap(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    argv = [
        *TINY_COMPARE,
        "--reps",
        "2",
        "--precision",
        "0.001",
        "--precision-outcomes",
        "active_sellers",
        "--batch",
        "1",
        "--max-reps",
        "3",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    record = manifest["precision"]
    assert record["groups"] == {"dmi": {"replications": 3, "status": "cap"}}
    assert [s["replications"] for s in record["steps"]] == [{"dmi": 2}, {"dmi": 3}]
    assert record["outcomes"] == ["active_sellers"]
    assert record["width_points"] == pytest.approx(0.001)
    summary = pd.read_csv(out / "summary.csv")
    assert summary.groupby("scenario")["replication"].nunique().to_dict() == {
        "baseline": 3,
        "dmi": 3,
    }
    effects = pd.read_csv(out / "effects.csv").set_index(["scenario", "outcome"])
    width = effects.loc[("dmi", "active_sellers")]
    measured = 100 * (width["ratio_high"] - width["ratio_low"])
    assert record["widths_points"]["dmi"]["active_sellers"] == pytest.approx(measured, abs=1e-3)
    report = (out / "report.md").read_text()
    assert "## Replications by precision" in report and "| `dmi` | 3 | **cap** |" in report
    assert "were each run 3 times" in report
    assert not list(tmp_path.glob(".compare-runs-*"))


def test_an_interrupted_compare_precision_resumes_from_its_stored_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped at its second check, after the runs of 3 replications were stored, the same
    command finds them all and runs none again."""
    import dmi_sim.studies.compare.precision as precision

    real, calls = precision.paired_effects, []

    def stop_at_the_second_check(*args: object, **kwargs: object) -> pd.DataFrame:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    out = tmp_path / "cmp"
    argv = [*TINY_COMPARE, "--reps", "2", "--precision", "0.001", "--batch", "1"]
    argv += ["--max-reps", "3", "--precision-outcomes", "active_sellers", "--out", str(out)]
    monkeypatch.setattr(precision, "paired_effects", stop_at_the_second_check)
    assert main(argv) == 130
    (store,) = tmp_path.glob(".compare-runs-*")
    assert len(ResultStore(store).stored_run_ids()) == 2 * 3 and not out.exists()
    monkeypatch.setattr(precision, "paired_effects", real)
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs_already_stored"] == 2 * 3 and manifest["runs"] == 2 * 3
    assert not store.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "dmi", "--precision", "0"], "--precision 0: allowed: a number"),
        (["compare", "dmi", "--precision", "-5"], "--precision -5: allowed"),
        (["compare", "dmi", "--precision", "nan"], "--precision nan: allowed"),
        (["compare", "dmi", "--precision", "5", "--max-reps", "10"], "--max-reps 10: below"),
        (["compare", "dmi", "--precision", "5", "--batch", "0"], "--batch: '0' is invalid"),
        (["compare", "dmi", "--max-reps", "50"], "--max-reps 50: allowed only with --precision"),
        (
            ["compare", "dmi", "--precision", "5", "--precision-outcomes", "active_seller"],
            "unknown outcome 'active_seller' (did you mean 'active_sellers'?)",
        ),
        (
            ["compare", "dmi", "--precision-outcomes", "active_sellers"],
            "allowed only with --precision",
        ),
        (["validate", "--precision", "--reps", "20", "--max-reps", "10"], "--max-reps 10: below"),
        (["validate", "--batch", "5"], "--batch 5: allowed only with --precision"),
    ],
)
def test_bad_precision_values_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    out = tmp_path / "out"
    assert exit_code([*argv, "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert list(tmp_path.iterdir()) == []


def test_width_on_the_report_scale_uses_the_ratio_interval_above_the_floor() -> None:
    from dmi_sim.studies.compare.precision import effect_width

    row = {
        "window_start": 0,
        "window_end": 365,
        "counterfactual_mean": 12.0,
        "abs_low": -9.0,
        "abs_high": -7.0,
        "ratio_effect": -0.7,
        "ratio_low": -0.74,
        "ratio_high": -0.66,
    }
    assert effect_width("active_sellers", row) == pytest.approx(0.08)
    small = {**row, "counterfactual_mean": 0.5}  # fewer than one seller: absolute
    assert effect_width("active_sellers", small) == pytest.approx(2.0 / 0.5)
    assert effect_width("active_sellers", {**small, "counterfactual_mean": 0.0}) == math.inf
    assert np.isinf(effect_width("active_sellers", {**small, "abs_low": math.nan}))


def test_a_width_just_above_the_precision_asked_is_shown_above_it() -> None:
    """40.04 points against 'at most 40' printed as 40.0 (too wide) read as a contradiction."""
    from dmi_sim.studies.compare.report import precision_section

    record = {
        "width_points": 40.0,
        "outcomes": ["active_sellers"],
        "groups": {"dmi": {"replications": 8, "status": "cap"}},
        "widths_points": {"dmi": {"active_sellers": 40.04}},
        "batch": 2,
        "start": 2,
        "max_reps": 8,
        "baseline_replications": 8,
        "reached": False,
        "steps": [],
    }
    text = "\n".join(precision_section(record))
    assert "40.04 (too wide)" in text
