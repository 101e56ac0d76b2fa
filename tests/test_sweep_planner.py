"""What a planner reads in a sweep's ``report.md`` and tables: no "best" point the runs cannot
tell from others, the levers that moved nothing named, every point's outcomes (the shipped
strategies' too), and daily counts in one stated unit. A synthetic summary over a small
blocks design (no runs) in which the DMI's service places change nothing and its
investigators change violence only."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dmi_sim.engine.experiment import experiment_from_dict
from dmi_sim.studies.kit.markdown import num
from dmi_sim.studies.sweep.figures import draw_figures, point_means
from dmi_sim.studies.sweep.report import write_report

REPS = 4
WINDOW = 365  # days 365-729: the policy year of a 730-day run
OUTCOMES = [
    "post_active_sellers",
    "post_violent_incidents",
    "officer_hours_total",
    "cost_total",
]


def _experiment():
    return experiment_from_dict(
        {
            "scenario": "baseline",
            "replications": REPS,
            "days": 730,
            "outcomes": OUTCOMES,
            "design": {"type": "blocks"},
            "blocks": [
                {"scenario": "baseline"},
                {"scenario": "crackdown", "factors": {"crackdown.officers": {"levels": [10, 20]}}},
                {
                    "scenario": "dmi",
                    "factors": {
                        "dmi.officers": {"levels": [1, 3]},
                        "services.slots": {"levels": [0, 10, 30]},
                    },
                },
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
    """Sellers: about 17 at baseline, 14 under crackdowns, 5 under any DMI (seed noise only);
    violence: 0.02 a day with one DMI investigator, 0.10 with three; cost rises with every
    lever, service places included."""
    rng = np.random.default_rng(11)
    rows = []
    for task in experiment.tasks():
        labels = task.labels
        row = {"run_id": task.run_id, **labels}
        scenario = labels["scenario"]
        sellers = {"baseline": 17.0, "crackdown": 14.0, "dmi": 5.0}[scenario]
        row["post_active_sellers"] = sellers + rng.normal(0, 1.0)
        investigators = labels.get("dmi.officers", 0)
        violence = 0.10 if investigators == 3 else 0.02
        row["post_violent_incidents"] = violence + rng.normal(0, 0.002)
        officers = labels.get("crackdown.officers", 0) + investigators
        row["officer_hours_total"] = 10_000 + 500 * officers
        row["cost_total"] = 1e6 + 5e4 * officers + 1e3 * labels.get("services.slots", 0)
        row["cost_total"] += rng.normal(0, 1e3)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory):
    experiment = _experiment()
    summary = _summary(experiment)
    folder = tmp_path_factory.mktemp("sweep")
    draw_figures(experiment, summary, folder)
    text = write_report(experiment, summary, folder).read_text()
    factors = [f.key for f in experiment.factors]
    points = point_means(summary, factors, OUTCOMES).set_index("point")
    return text, points, summary, folder


def _section(text: str, starts: str) -> str:
    heading = next(h for h in re.findall(r"^## .*$", text, flags=re.M) if h.startswith(starts))
    return text.split(heading)[1].split("\n## ")[0]


def _halfwidth(summary: pd.DataFrame, key: str) -> pd.Series:
    """Each point's 95 % t half-width, computed here from the runs."""
    runs = summary.groupby("point")[key]
    return stats.t.ppf(0.975, runs.count() - 1) * runs.std() / np.sqrt(runs.count())


def _told_apart(summary: pd.DataFrame, key: str, a: int, b: int) -> bool:
    means, half = summary.groupby("point")[key].mean(), _halfwidth(summary, key)
    return abs(means[a] - means[b]) > math.hypot(half[a], half[b])


def test_the_report_names_the_cheapest_point_the_runs_cannot_tell_from_the_best(made) -> None:
    text, points, summary, _ = made
    section = _section(text, "## Active sellers")
    against_cost = section.split("Against cost:")[1].split("\n\n")[0]
    best = int(points["post_active_sellers"].idxmin())
    ties = [p for p in points.index if not _told_apart(summary, "post_active_sellers", p, best)]
    assert len(ties) > 1  # every DMI point has 5 sellers, give or take seed noise
    cheapest = min(ties, key=lambda p: points.loc[p, "cost_total"])
    assert "indistinguishable" in against_cost
    assert "The best result" not in against_cost
    assert "The cheapest of them is **dmi** (" in against_cost
    assert f", point {cheapest}):" in against_cost
    assert "replications a point" in against_cost


def test_a_frontier_step_within_noise_is_marked(made) -> None:
    text, _, summary, _ = made
    part = _section(text, "## Active sellers").split("Against cost:")[1].split("\n\n")[1]
    listed = [int(n) for n in re.findall(r"^- point (\d+):", part, flags=re.M)]
    lines = part.splitlines()
    marks = [
        _told_apart(summary, "post_active_sellers", listed[i - 1], listed[i])
        for i in range(1, len(listed))
    ]
    assert not all(marks)  # the DMI points' steps are seed noise
    assert [("within noise" in line) for line in lines[1:]] == [not m for m in marks]
    assert "within noise" not in lines[0]


def test_the_report_says_which_levers_moved_nothing(made) -> None:
    text, *_ = made
    section = _section(text, "## What each lever moved")
    verdict = section.split("Moved no outcome beyond seed noise")[1].split("\n")[0]
    assert "`services.slots` (dmi)" in verdict  # it moved only the cost
    assert "`crackdown.officers` (crackdown)" in verdict  # the same sellers and violence
    assert "dmi.officers" not in verdict
    row = next(line for line in section.splitlines() if line.startswith("| `dmi.officers`"))
    violence = row.split(" | ")[2]  # lever, sellers, violence, ...
    assert violence.startswith("**moved** ")
    gap = float(re.search(r"\*\*moved\*\* ([\d.]+) ", violence).group(1))
    assert gap == pytest.approx(0.08 * WINDOW, rel=0.02)  # 0.10 - 0.02 a day, over a year


def test_every_point_has_its_outcomes_beside_the_figures(made) -> None:
    _, points, _, folder = made
    table = pd.read_csv(folder / "figures" / "points.csv").set_index("point")
    assert sorted(table.index) == sorted(points.index)
    for key, column, factor in (
        ("post_active_sellers", "post_active_sellers", 1),
        ("post_violent_incidents", "post_violent_incidents_a_run", WINDOW),
    ):
        for suffix in ("", "_low", "_high"):
            np.testing.assert_allclose(table[column + suffix], points[key + suffix] * factor)


def test_the_report_gives_every_point_and_the_shipped_ones_their_outcomes(made) -> None:
    text, points, *_ = made
    design = _section(text, "## Design points")
    for point, row in points.iterrows():
        line = next(li for li in design.splitlines() if li.startswith(f"| {point} |"))
        assert f"| {num(row['post_active_sellers'])} (" in line
    shipped = _section(text, "## The shipped strategies")
    # shipped: baseline, the crackdown at 20 officers, the DMI at 3 investigators and 10 places
    rows = re.findall(r"^\| (\d+) \| (\w+) \|", shipped, flags=re.M)
    assert [s for _, s in rows] == ["baseline", "crackdown", "dmi"]
    dmi = points.loc[int(rows[2][0])]
    assert dmi["dmi.officers"] == 3 and dmi["services.slots"] == 10
    assert f"| {num(dmi['post_violent_incidents'] * WINDOW)} (" in shipped


def test_a_daily_count_is_shown_as_a_run_total_with_its_window(made) -> None:
    text, _, _, folder = made
    assert "## Violent incidents (incidents a run, days 365-729)" in text
    assert "## Active sellers (sellers, mean over days 365-729)" in text
    assert "per day" not in text
    frontier = pd.read_csv(folder / "figures" / "frontier_post_violent_incidents.csv")
    assert "post_violent_incidents_a_run" in frontier.columns
    assert "post_violent_incidents" not in frontier.columns
