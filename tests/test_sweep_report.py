"""The planners' report (``studies.sweep.report``): its frontier statements agree with the
data. A synthetic summary over a small blocks design (no runs) is enough to check them."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from dmi_sim.engine.experiment import experiment_from_dict, load_experiment
from dmi_sim.studies.sweep.figures import point_means
from dmi_sim.studies.sweep.report import write_report

OUTCOMES = [
    "post_active_sellers",
    "post_residents_outdoors_market",
    "officer_hours_total",
    "cost_total",
]


def _experiment():
    return experiment_from_dict(
        {
            "scenario": "baseline",
            "replications": 3,
            "days": 730,
            "outcomes": OUTCOMES,
            "design": {"type": "blocks"},
            "blocks": [
                {"scenario": "baseline"},
                {
                    "scenario": "crackdown",
                    "factors": {
                        "crackdown.officers": {"levels": [10, 20]},
                        "crackdown.duration_days": {"levels": [7, 14]},
                    },
                },
                {"scenario": "hotspot", "factors": {"hotspot.officers": {"levels": [1, 3, 6]}}},
                {"scenario": "dmi", "factors": {"dmi.officers": {"levels": [1, 3]}}},
            ],
            "figures": {
                "kind": "frontier",
                "effort": "officer_hours_total",
                "cost": "cost_total",
                "group": "scenario",
            },
        },
        name="planners",
    )


def _summary(experiment) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for task in experiment.tasks():
        row = {"run_id": task.run_id, **task.labels}
        row["post_active_sellers"] = rng.uniform(1, 12)
        row["post_residents_outdoors_market"] = rng.uniform(0.5, 0.95)
        row["officer_hours_total"] = rng.uniform(1e4, 4e4)
        row["cost_total"] = rng.uniform(1e6, 5e6)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory):
    experiment = _experiment()
    summary = _summary(experiment)
    folder = tmp_path_factory.mktemp("sweep")
    text = write_report(experiment, summary, folder).read_text()
    factors = [f.key for f in experiment.factors]
    return text, point_means(summary, factors, OUTCOMES).set_index("point")


def test_the_blocks_design_varies_each_strategy_own_levers() -> None:
    experiment = _experiment()
    assert len(experiment.points) == 1 + 4 + 3 + 2
    crackdown = [p for p in experiment.points if p["scenario"] == "crackdown"]
    assert all(
        set(p) == {"scenario", "crackdown.officers", "crackdown.duration_days"} for p in crackdown
    )
    shipped = load_experiment("resource_levels")
    varied = {k for p in shipped.points for k in p}
    assert {
        "crackdown.officers",
        "crackdown.duration_days",
        "crackdown.period_days",
        "hotspot.officers",
        "dmi.officers",
        "dmi.buys_per_day",
        "services.slots",
    } <= varied


def _listed(section: str, against: str) -> list[int]:
    part = section.split(f"Against {against}:")[1].split("\n\n", 2)[1]
    return [int(n) for n in re.findall(r"^- point (\d+):", part, flags=re.M)]


@pytest.mark.parametrize("outcome", ["post_active_sellers", "post_residents_outdoors_market"])
@pytest.mark.parametrize(
    ("against", "x"), [("cost", "cost_total"), ("officer-hours", "officer_hours_total")]
)
def test_frontier_statements_agree_with_the_data(made, outcome: str, against: str, x: str) -> None:
    text, points = made
    higher = outcome == "post_residents_outdoors_market"
    heading = next(
        h
        for h in re.findall(r"^## .*$", text, flags=re.M)
        if ("near the market" in h) == higher and "better" in h
    )
    section = text.split(heading)[1].split("\n## ")[0]
    listed = _listed(section, against)
    y = points[outcome] * (-1 if higher else 1)  # lower is better from here on
    cost = points[x]
    # a listed point: no other point is at most as expensive and at least as good
    on_frontier = [
        i
        for i in points.index
        if not any((cost[j] <= cost[i]) and (y[j] <= y[i]) for j in points.index if j != i)
    ]
    assert sorted(listed) == sorted(on_frontier)
    assert listed == sorted(listed, key=lambda i: cost[i])  # cheapest first
    # the best result named in the sentence is the last (most expensive) frontier point
    best = listed[-1]
    assert all(y[best] <= y[i] for i in points.index)
    # the numbers printed for a point are its means
    line = re.search(rf"^- point {listed[0]}: .*$", section, flags=re.M).group(0)
    value = points.loc[listed[0], outcome]
    shown = f"{100 * value:.0f} %" if higher else (f"{value:.2f}" if value < 10 else f"{value:.1f}")
    assert f": {shown} (95 % interval " in line


def test_equal_cost_tables_keep_within_the_budget(made) -> None:
    text, points = made
    for row in re.findall(r"^\| \$([\d.]+) million \(shipped \w+\) \|(.*)$", text, flags=re.M):
        budget = float(row[0]) * 1e6
        for point in re.findall(r"point (\d+)", row[1]):
            assert points.loc[int(point), "cost_total"] <= budget * 1.01


def test_blocks_bad_input_is_one_line() -> None:
    from dmi_sim.engine.experiment import ExperimentError

    base = {
        "scenario": "baseline",
        "replications": 2,
        "outcomes": ["cost_total"],
        "design": {"type": "blocks"},
    }
    with pytest.raises(ExperimentError, match="missing required key 'blocks'"):
        experiment_from_dict(base)
    with pytest.raises(ExperimentError, match="'factors' with design.type = 'blocks'"):
        experiment_from_dict(
            {
                **base,
                "blocks": [{"scenario": "dmi"}],
                "factors": {"police.officers": {"levels": [2]}},
            }
        )
    with pytest.raises(ExperimentError, match="unknown key"):
        experiment_from_dict({**base, "blocks": [{"scenario": "dmi", "levers": {}}]})
    with pytest.raises(ExperimentError, match="dmi.officers"):
        experiment_from_dict(
            {**base, "blocks": [{"scenario": "dmi", "factors": {"dmi.officers": {"levels": [-1]}}}]}
        )


def test_the_report_names_the_windows_of_the_experiment_overrides(tmp_path) -> None:
    """An experiment that moves the policy start and shortens the runs has its own windows
    (the scenario's day 365 would give 'days 365-199')."""
    experiment = dataclasses.replace(
        _experiment(), overrides={"run.intervention_start": 100}, days=200
    )
    text = write_report(experiment, _summary(experiment), tmp_path).read_text()
    assert "count days 100-199" in text and "year from day 100" in text
