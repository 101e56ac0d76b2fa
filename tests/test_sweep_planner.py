"""What a planner reads in a sweep's ``report.md`` and tables: no "best" point the runs cannot
tell from others, the levers that moved nothing named, every point's outcomes (the shipped
strategies' too), and daily counts in one stated unit. A synthetic summary over a small
blocks design (no runs) in which the DMI's service places change nothing and its
investigators change violence only."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dmi_sim.engine.experiment import experiment_from_dict
from dmi_sim.studies.kit.markdown import num
from dmi_sim.studies.sweep import noise
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


#: What replication r's seed does to every point's sellers (common random numbers): far more
#: than the DMI's investigators change, so only a comparison run by run sees their effect.
SEED_EFFECT = np.array([-6.0, 3.0, 9.0, -2.0])
#: What 30 service places add to a run's sellers: a wobble of mean -0.0125 (the best mean),
#: well within its own spread.
WOBBLE = np.array([0.1, -0.1, 0.1, -0.15])


def _summary(experiment) -> pd.DataFrame:
    """Sellers: about 17 at baseline, 14 under crackdowns, 5 with one DMI investigator and
    4.5 with three, each plus its replication's ``SEED_EFFECT``; 30 service places add the
    ``WOBBLE``, other service places and the crackdown's officers nothing (their runs on one
    seed are the same). Violence: 0.02 a day with one DMI investigator, 0.10 with three.
    Cost rises with every lever, service places included."""
    rng = np.random.default_rng(11)
    own = {}  # (strategy, investigators) -> what its runs add besides the seed, per replication
    rows = []
    for task in experiment.tasks():
        labels = task.labels
        row = {"run_id": task.run_id, **labels}
        scenario, r = labels["scenario"], labels["replication"]
        investigators = labels.get("dmi.officers", 0)
        sellers, violence = own.setdefault(
            (scenario, investigators), (rng.normal(0, 0.05, REPS), rng.normal(0, 0.001, REPS))
        )
        level = {"baseline": 17.0, "crackdown": 14.0, "dmi": 5.5 - 0.25 * investigators}
        row["post_active_sellers"] = level[scenario] + SEED_EFFECT[r] + sellers[r]
        row["post_active_sellers"] += WOBBLE[r] if labels.get("services.slots") == 30 else 0.0
        row["post_violent_incidents"] = (0.10 if investigators == 3 else 0.02) + violence[r]
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


def _point(points: pd.DataFrame, **levers: float) -> int:
    """The design point at ``levers`` (the DMI's: investigators and service places)."""
    at = points[points["scenario"] == "dmi"]
    for key, level in levers.items():
        at = at[at[key] == level]
    (point,) = at.index
    return int(point)


def test_the_report_names_the_cheapest_point_the_runs_cannot_tell_from_the_best(made) -> None:
    """Three investigators: 0.5 sellers fewer than one on every seed, a gap the seed effect
    hides from each point's own interval; so only their points tie with the best (30 places,
    best by its wobble), and the cheapest of those has no service places."""
    text, points, *_ = made
    section = _section(text, "## Active sellers")
    against_cost = section.split("Against cost:")[1].split("\n\n")[0]
    cheapest = _point(points, **{"dmi.officers": 3, "services.slots": 0})
    best = _point(points, **{"dmi.officers": 3, "services.slots": 30})
    assert int(points["post_active_sellers"].idxmin()) == best
    assert "indistinguishable" in against_cost
    assert "The best result" not in against_cost
    assert "cannot be told from 2 other points" in against_cost
    assert (
        f"The cheapest of them is **dmi** (dmi.officers = 3, services.slots = 0, point {cheapest}):"
        in against_cost
    )
    assert "replications a point" in against_cost


def test_a_frontier_step_within_noise_is_marked(made) -> None:
    """Cheapest first the frontier is baseline, then the DMI with one investigator, with 30
    places, with three investigators, with 30 places: the steps to 30 places are the wobble,
    within noise; the step to three investigators is the same on every seed, so it is not."""
    text, points, *_ = made
    part = _section(text, "## Active sellers").split("Against cost:")[1].split("\n\n")[1]
    listed = [int(n) for n in re.findall(r"^- point (\d+):", part, flags=re.M)]
    steps = [
        {"dmi.officers": 1, "services.slots": 0},
        {"dmi.officers": 1, "services.slots": 30},
        {"dmi.officers": 3, "services.slots": 0},
        {"dmi.officers": 3, "services.slots": 30},
    ]
    assert listed[1:] == [_point(points, **levers) for levers in steps]
    assert [("within noise" in line) for line in part.splitlines()] == [
        False,
        False,
        True,
        False,
        True,
    ]


def test_points_on_the_same_seeds_are_compared_run_by_run() -> None:
    """Two points that share their replications' seed effect and differ by 0.5 on every
    seed are told apart, though each point's own interval is wider than 10."""
    runs = pd.DataFrame(
        {
            "point": np.repeat([0, 1], REPS),
            "replication": np.tile(np.arange(REPS), 2),
            "scenario": "baseline",
            "y": np.r_[10.0 + SEED_EFFECT, 10.5 + SEED_EFFECT + [0.01, -0.01, 0.02, 0.0]],
        }
    )
    points = point_means(runs, ["scenario"], ["y"]).set_index("point", drop=False)
    assert (points["y_high"] - points["y_low"] > 10).all()
    assert noise.told_apart(points.loc[0], points.loc[1], "y", noise.Runs(runs))
    same = runs.assign(y=np.r_[10.0 + SEED_EFFECT, 10.0 + SEED_EFFECT + WOBBLE])
    points = point_means(same, ["scenario"], ["y"]).set_index("point", drop=False)
    assert not noise.told_apart(points.loc[0], points.loc[1], "y", noise.Runs(same))


def test_the_report_says_which_levers_moved_nothing(made) -> None:
    text, *_ = made
    section = _section(text, "## What each lever moved")
    verdict = section.split("Moved no outcome beyond seed noise")[1].split("\n")[0]
    assert "`services.slots` (dmi)" in verdict  # it moved only the cost
    assert "`crackdown.officers` (crackdown)" in verdict  # the same sellers and violence
    assert "dmi.officers" not in verdict
    row = next(line for line in section.splitlines() if line.startswith("| `dmi.officers`"))
    sellers, violence = row.split(" | ")[1:3]  # lever, sellers, violence, ...
    assert sellers.startswith("**moved** ")  # 0.5 on every seed, hidden by the seed effect
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
