"""A sweep's times to an event a run can end before (``rebound_days``, ``days_to_closure``)
are read as censored data, never as measured times; and its intervals stay within the values
an outcome can take."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from dmi_sim.engine.derived import REBOUND_LEVEL, rebound
from dmi_sim.engine.experiment import experiment_from_dict
from dmi_sim.engine.tasks import RunTask, execute_task
from dmi_sim.studies.kit.censored import summarise_times
from dmi_sim.studies.kit.stats import LEVEL, t_interval, wilson_interval
from dmi_sim.studies.sweep import noise
from dmi_sim.studies.sweep.figures import draw_figures, point_means
from dmi_sim.studies.sweep.report import result, write_report

START, DAYS, SWEEP = 20, 120, 10


def _crackdown_run(after: float) -> SimpleNamespace:
    """A run whose market has 10 sellers before the start, 0 during the one sweep and
    ``after`` sellers from its end on."""
    sellers = np.r_[np.full(START, 10.0), np.zeros(SWEEP), np.full(DAYS - START - SWEEP, after)]
    params = {
        "policy.strategy": "crackdown",
        "run.intervention_start": START,
        "crackdown.period_days": 3650,
        "crackdown.duration_days": SWEEP,
    }
    return SimpleNamespace(
        params=params,
        summary={"pre_market_sellers": 10.0},
        timeseries=pd.DataFrame({"market_sellers": sellers}),
    )


def test_a_market_that_never_comes_back_is_censored_at_the_gap() -> None:
    out = rebound(_crackdown_run(after=2.0))
    assert out == {"rebound_days": DAYS - START - SWEEP, "rebound_censored": True}


def test_a_market_that_comes_back_is_measured() -> None:
    out = rebound(_crackdown_run(after=10.0))
    # the 7-day trailing mean reaches 90 % of 10 once 7 * 0.9 = 6.3 of its days are back
    assert out["rebound_censored"] is False
    assert out["rebound_days"] == np.ceil(7 * REBOUND_LEVEL) - 1
    assert rebound(SimpleNamespace(params={}, summary={}, timeseries=None))["rebound_censored"] is (
        False
    )


def test_the_worker_stores_the_censoring_beside_the_rebound() -> None:
    task = RunTask(
        "r",
        "crackdown",
        {"space.width": 20, "space.height": 20, "run.intervention_start": 60},
        seed=3,
        days=120,
        derived=("rebound_days",),
    )
    summary = execute_task(task, keep_timeseries=False).summary
    assert isinstance(summary["rebound_censored"], bool)
    assert summary["rebound_days"] >= 0


def test_the_median_is_kaplan_meier_not_a_mean_of_bounds() -> None:
    """Two of three back after 10 and 20 days, one followed to 640 without: the median is
    20 (a mean would give 223); none back: no median, only 'more than 640'."""
    some = summarise_times(np.array([10.0, 20.0, 640.0]), np.array([True, True, False]))
    assert some["median"] == 20 and some["share"] == pytest.approx(2 / 3)
    assert 0 <= some["share_low"] < 2 / 3 < some["share_high"] <= 1
    assert some["low"] <= 20 and np.isnan(some["beyond"])
    none = summarise_times(np.full(3, 640.0), np.zeros(3, bool))
    assert np.isnan(none["median"]) and none["beyond"] == 640 and none["share"] == 0


def _experiment(kind: str, replications: int = 3) -> object:
    figures = (
        {"kind": "response", "x": "crackdown.duration_days", "group": "crackdown.officers"}
        if kind == "response"
        else {
            "kind": "frontier",
            "effort": "officer_hours_total",
            "cost": "cost_total",
            "group": "scenario",
        }
    )
    outcomes = ["rebound_days", "days_to_closure", "post_market_sellers", "reemerged"]
    factors = {
        "crackdown.duration_days": {"levels": [30, 90]},
        "crackdown.officers": {"levels": [10, 40]},
    }
    design: dict[str, object] = {"factors": factors}
    if kind == "frontier":  # the planners' shape: strategies in blocks
        outcomes += ["officer_hours_total", "cost_total"]
        design = {
            "design": {"type": "blocks"},
            "blocks": [{"scenario": "crackdown", "factors": factors}],
        }
    return experiment_from_dict(
        {
            "scenario": "crackdown",
            "replications": replications,
            "days": 1095,
            "outcomes": outcomes,
            **design,
            "figures": figures,
        },
        name=f"censored_{kind}",
    )


def _summary(experiment) -> pd.DataFrame:
    """40 officers: the market never comes back (the gap, 640 or 700 days, in every run) and
    closes at once; 10 officers: back in 30-50 days, never closed. Seller counts near 0 with
    one outlier, so a t-interval reaches below 0."""
    rows = []
    for task in experiment.tasks():
        hard = task.labels["crackdown.officers"] == 40
        gap = 730 - task.labels["crackdown.duration_days"]
        r = task.labels["replication"]
        rows.append(
            {
                "run_id": task.run_id,
                **task.labels,
                "rebound_days": float(gap) if hard else 30.0 + 10 * r,
                "rebound_censored": hard,
                "days_to_closure": 1.0 if hard else np.nan,
                "post_market_sellers": [0.0, 0.0, 9.0][r % 3],
                "reemerged": False,
                "officer_hours_total": 1e4 * (4 if hard else 1) + r,
                "cost_total": 1e6 * (4 if hard else 1) + r,
            }
        )
    return pd.DataFrame(rows)


def test_points_summarise_censored_times_and_cut_intervals_at_bounds() -> None:
    experiment = _experiment("response")
    factors = [f.key for f in experiment.factors]
    points = point_means(_summary(experiment), factors, list(experiment.outcomes), None, 730)
    hard = points["crackdown.officers"] == 40
    assert points.loc[hard, "rebound_days"].isna().all()  # not the 640/700 of the bound
    assert list(points.loc[hard, "rebound_days_beyond"]) == [700, 640]
    assert (points.loc[hard, "rebound_days_share"] == 0).all()
    assert (points.loc[~hard, "rebound_days"] == 40).all()
    assert (points.loc[~hard, "rebound_days_share"] == 1).all()
    # never closed: censored at the 730 policy days, not dropped
    assert (points.loc[~hard, "days_to_closure_beyond"] == 730).all()
    assert (points.loc[hard, "days_to_closure"] == 1).all()
    # the t-interval of (0, 0, 9) reaches below 0; the band stops at 0
    assert t_interval([0.0, 0.0, 9.0])[1] < 0
    assert (points["post_market_sellers_low"] == 0).all()
    # re-emerged in none of 3 runs: a share, whose Wilson interval 3 runs leave wide
    assert (points["reemerged_low"] == 0).all()
    assert (points["reemerged_high"] == wilson_interval(0, 3)[1]).all()


def _closure_ties(replications: int) -> tuple[list[int], list[int]]:
    """The points tied with the best on closure, and the points that close."""
    experiment = _experiment("frontier", replications)
    summary = _summary(experiment)
    factors = [f.key for f in experiment.factors]
    points = point_means(summary, factors, list(experiment.outcomes), None, 730)
    ties = noise.ties_with_best(points, "days_to_closure", "cost_total", noise.Runs(summary))
    closing = points.loc[points["crackdown.officers"] == 40, "point"]
    return sorted(ties["point"]), sorted(closing)


def test_a_point_that_never_closes_is_not_tied_with_one_that_closes() -> None:
    """40 officers close the market on day 1 in every run, 10 officers never do: the
    closing points are the best, and 6 seed pairs tell the others from them (exact
    permutation p 2/64)."""
    ties, closing = _closure_ties(6)
    assert ties == closing


def test_three_seed_pairs_cannot_tell_closing_from_never_closing() -> None:
    """The same at 3 replications: the smallest exact p of 3 pairs is 2/8, so every point
    is tied with the best."""
    ties, closing = _closure_ties(3)
    assert len(ties) == 4 and set(closing) <= set(ties)


def test_the_response_table_has_no_bound_as_a_time(tmp_path) -> None:
    experiment = _experiment("response")
    paths = draw_figures(experiment, _summary(experiment), tmp_path)
    table = pd.read_csv(next(p for p in paths if p.suffix == ".csv"))
    assert not table["rebound_days"].isin([640, 700]).any()
    assert not (table.filter(like="_low") < 0).any().any()


def _rebound_section(tmp_path, summary: pd.DataFrame) -> str:
    experiment = _experiment("frontier")
    text = write_report(experiment, summary, tmp_path).read_text()
    assert not re.search(r"interval -\d", text)  # no interval below 0
    return text.split("## Rebound time")[1].split("\n## ")[0]


def test_the_frontier_report_reads_a_bound_only_as_more_than(tmp_path) -> None:
    """The 40-officer points never see the market back: a longer rebound is better, so
    the dearer of them is on the frontier, but their bound (640 or 700 days) is shown only
    as "more than", never as a rebound time."""
    summary = _summary(_experiment("frontier"))
    draw_figures(_experiment("frontier"), summary, tmp_path)
    section = _rebound_section(tmp_path, summary)
    assert "Kaplan-Meier median" in section
    back = summary.loc[~summary["rebound_censored"], "rebound_days"]  # every run seen back
    assert f"median {back.median():.0f} days (95 % interval" in section
    assert "the market came back in 3 of 3 runs" in section
    assert re.search(
        r"^- point \d+: .*: > 700 days \(the market came back in 0 of 3", section, re.M
    )
    assert not re.search(r"(?<!> )\b(640|700)\b", section)


def test_the_frontier_report_reads_a_rebound_never_seen_as_more_than(tmp_path) -> None:
    summary = _summary(_experiment("frontier"))
    summary["rebound_days"] = 730.0 - summary["crackdown.duration_days"]
    summary["rebound_censored"] = True
    section = _rebound_section(tmp_path, summary)
    assert "At no design point the market came back in at least half the runs" in section
    assert section.count("> 700 days (the market came back in 0 of 3 runs") == 2
    assert section.count("> 640 days (the market came back in 0 of 3 runs") == 2


def test_an_end_the_band_leaves_undefined_is_not_reached() -> None:
    """Every run back, the last at 30 days: past it the estimate is 0 and the log-log band
    undefined, so the upper end of the median's interval is open (NaN), not 30."""
    out = summarise_times(np.array([10.0, 20.0, 30.0]), np.ones(3, bool))
    assert out["median"] == 20 and out["low"] <= 20
    assert np.isnan(out["high"])


def test_the_censored_summary_takes_the_project_level() -> None:
    time, happened = np.array([10.0, 20.0, 25.0, 40.0, 640.0]), np.array([1, 1, 1, 1, 0], bool)
    assert summarise_times(time, happened)["share_low"] == wilson_interval(4, 5, LEVEL)[0]
    narrow = summarise_times(time, happened, level=0.5)
    assert (narrow["share_low"], narrow["share_high"]) == wilson_interval(4, 5, 0.5)


def test_a_longer_rebound_is_better_in_the_sweep_report() -> None:
    """A market that stays away longer after a sweep is better for the neighbourhood: the
    frontier keeps a dearer point with a longer rebound, and the best point is the
    longest."""
    from dmi_sim.studies.sweep.noise import best_point
    from dmi_sim.studies.sweep.report import frontier

    points = pd.DataFrame({"cost_total": [1.0, 2.0, 3.0], "rebound_days": [10.0, 50.0, 30.0]})
    assert list(frontier(points, "cost_total", "rebound_days")["rebound_days"]) == [10, 50]
    assert best_point(points, "rebound_days", "cost_total")["rebound_days"] == 50


def test_every_run_on_one_day_gives_that_day_as_the_low_end() -> None:
    """Every run has the event on day 1: the estimate falls to 0 there, so the band's lower
    curve is 0 and the median's low end is day 1; its upper end stays not reached."""
    out = summarise_times(np.ones(9), np.ones(9, bool))
    assert out["median"] == 1 and out["low"] == 1
    assert np.isnan(out["high"])


def test_the_sweep_report_shows_an_open_end_as_beyond_the_follow_up() -> None:
    """An upper end not reached reads '> X' (X the longest follow-up), as in compare's
    report, never 'n/a'."""
    times = summarise_times(np.array([1.0, 1.0, 2.0, 3.0]), np.ones(4, bool))
    point = pd.Series({f"rebound_days_{k}": v for k, v in times.items() if k != "median"})
    point["rebound_days"] = times["median"]
    shown = result("rebound_days", point)
    assert "n/a" not in shown
    assert f"to > {times['followed']:.0f}" in shown


def _times(key: str) -> pd.DataFrame:
    """Three points, the dearest with its median not reached ('> 700 days')."""
    return pd.DataFrame(
        {
            "point": [0, 1, 2],
            "scenario": "crackdown",
            "cost_total": [1.0, 2.0, 3.0],
            key: [10.0, 50.0, np.nan],
            f"{key}_beyond": [np.nan, np.nan, 700.0],
        }
    )


def test_a_rebound_never_seen_is_the_best_not_dropped() -> None:
    """The market never came back at the dearest point: a longer rebound is better, so its
    median not reached ranks beyond every reached one."""
    from dmi_sim.studies.sweep.noise import best_point
    from dmi_sim.studies.sweep.report import best_within, frontier

    points = _times("rebound_days")
    assert best_point(points, "rebound_days", "cost_total")["point"] == 2
    assert list(frontier(points, "cost_total", "rebound_days")["point"]) == [0, 1, 2]
    assert list(best_within(points, "cost_total", 3.0, "rebound_days")["point"]) == [2]


def test_a_market_never_closed_is_the_worst() -> None:
    from dmi_sim.studies.sweep.noise import best_point
    from dmi_sim.studies.sweep.report import best_within, frontier

    points = _times("days_to_closure")
    assert best_point(points, "days_to_closure", "cost_total")["point"] == 0
    assert list(frontier(points, "cost_total", "days_to_closure")["point"]) == [0]
    assert list(best_within(points, "cost_total", 3.0, "days_to_closure")["point"]) == [0]
