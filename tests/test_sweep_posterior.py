"""``run.py sweep EXPERIMENT --posterior PATH --draws K``: every design point at posterior
draws, the points' means and intervals pooled over the draws."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dmi_sim.cli import main
from dmi_sim.engine.experiment import ExperimentError, experiment_from_dict, with_posterior
from dmi_sim.engine.posterior import load_posterior
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.studies.kit.stats import pool_draws, t_interval, wilson_interval
from dmi_sim.studies.sweep.figures import point_means

DEFINITION = {
    "scenario": "baseline",
    "replications": 2,
    "seed": 4,
    "days": 200,
    "outcomes": ["post_active_sellers", "officer_hours_total", "cost_total"],
    "overrides": {"space.width": 20, "space.height": 20, "run.intervention_start": 100},
    "design": {"type": "blocks"},
    "blocks": [
        {"scenario": "baseline", "factors": {"police.officers": {"levels": [4, 6]}}},
        {"scenario": "hotspot", "factors": {"hotspot.officers": {"levels": [1, 3]}}},
    ],
    "figures": {
        "kind": "frontier",
        "effort": "officer_hours_total",
        "cost": "cost_total",
        "group": "scenario",
    },
}


def _posterior(tmp_path: Path) -> Path:
    path = tmp_path / "posterior.csv"
    path.write_text(
        "sellers.watch_risk,police.officers,weight\n1.3,4,0.5\n3.0,5,0.5\n", encoding="utf-8"
    )
    return path


def test_every_point_runs_at_every_drawn_particle_on_the_same_seeds(tmp_path: Path) -> None:
    experiment = with_posterior(
        experiment_from_dict(DEFINITION, "tiny"), load_posterior(_posterior(tmp_path)), 6
    )
    particles = [draw.particle for draw in experiment.draws]
    assert sum(experiment.draw_counts.values()) == 6 and particles == sorted(set(particles))
    tasks = experiment.tasks()
    assert len(tasks) == experiment.n_runs == 4 * len(particles) * 2
    seeds = replication_seeds(4, 2)
    for task in tasks:
        assert task.seed == seeds[task.labels["replication"]]
        particle = task.labels["particle"]
        assert f"-particle{particle:05d}-" in task.run_id
        drawn = experiment.draws[particles.index(particle)].parameters
        assert task.overrides["sellers.watch_risk"] == drawn["sellers.watch_risk"]
        # the baseline block varies police.officers itself: the lever wins over the draw
        expected = task.labels.get("police.officers", drawn["police.officers"])
        assert task.overrides["police.officers"] == expected
        assert task.overrides["space.width"] == 20


def test_a_posterior_key_the_experiment_fixes_is_refused(tmp_path: Path) -> None:
    fixed = {**DEFINITION, "overrides": {**DEFINITION["overrides"], "sellers.watch_risk": 2.0}}
    with pytest.raises(ExperimentError, match="column sellers.watch_risk is also fixed"):
        with_posterior(experiment_from_dict(fixed, "t"), load_posterior(_posterior(tmp_path)), 3)


def test_point_means_pool_the_draws() -> None:
    rows = []
    values = {(0, 0): [1.0, 3.0], (0, 1): [6.0, 7.0], (1, 0): [2.0, 2.5], (1, 1): [2.0, 2.5]}
    for (point, particle), outcomes in values.items():
        for replication, value in enumerate(outcomes):
            rows.append(
                {"point": point, "particle": particle, "replication": replication, "y": value}
            )
    summary = pd.DataFrame(rows).assign(scenario="baseline")
    means = point_means(summary, ["scenario"], ["y"], {0: 1, 1: 3}).set_index("point")
    at = pool_draws([2.0, 6.5], [1.0, 0.5], [1, 3], df_complete=1)
    assert means.loc[0, "y"] == pytest.approx(at["mean"])
    assert means.loc[0, "y_high"] == pytest.approx(at["high"])
    # no spread between the draws: the t-interval over one draw's replications
    mean, _, high = t_interval([2.0, 2.5])
    assert means.loc[1, "y"] == mean and means.loc[1, "y_high"] == pytest.approx(high)
    assert means.loc[0, "y_high"] - means.loc[0, "y"] > np.ptp([2.0, 6.5]) / 2


def test_a_particle_drawn_often_does_not_count_its_runs_more_than_once() -> None:
    """A time a run can end before, at a posterior: a point's Kaplan-Meier median and share
    count each of its runs once, however many draws fell on the run's particle."""
    rows = [
        {"point": 0, "particle": particle, "replication": r, "rebound_days": days}
        for particle, times in {0: [10.0, 30.0], 1: [20.0, 40.0]}.items()
        for r, days in enumerate(times)
    ]
    summary = pd.DataFrame(rows).assign(scenario="baseline", rebound_censored=[False, True] * 2)
    means = point_means(summary, ["scenario"], ["rebound_days"], {0: 1, 1: 3}).iloc[0]
    assert means["rebound_days_runs"] == 4 and means["rebound_days_events"] == 2
    low, high = wilson_interval(2, 4)
    assert (means["rebound_days_share_low"], means["rebound_days_share_high"]) == (low, high)


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_a_share_of_runs_at_a_posterior_gets_the_wilson_interval(value: float) -> None:
    """``reemerged`` in none (or all) of 9 runs over 3 particles drawn unevenly: the share
    of the distinct runs with Wilson's interval, not a pooled t-interval of width 0."""
    rows = [
        {"point": 0, "particle": particle, "replication": r, "reemerged": value}
        for particle in range(3)
        for r in range(3)
    ]
    summary = pd.DataFrame(rows).assign(scenario="baseline")
    means = point_means(summary, ["scenario"], ["reemerged"], {0: 1, 1: 2, 2: 5}).iloc[0]
    low, high = wilson_interval(int(9 * value), 9)
    assert means["reemerged"] == value
    assert (means["reemerged_low"], means["reemerged_high"]) == (low, high)
    assert high - low > 0


def test_the_command_runs_the_draws_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    lines = [
        'scenario = "baseline"',
        "replications = 2",
        "seed = 4",
        "days = 200",
        'outcomes = ["post_active_sellers", "officer_hours_total", "cost_total"]',
        "[overrides]",
        '"space.width" = 20',
        '"space.height" = 20',
        '"run.intervention_start" = 100',
        "[design]",
        'type = "blocks"',
        "[[blocks]]",
        'scenario = "baseline"',
        '[blocks.factors."police.officers"]',
        "levels = [4, 6]",
        "[figures]",
        'kind = "frontier"',
        'effort = "officer_hours_total"',
        'cost = "cost_total"',
        'group = "scenario"',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["sweep", str(path), "--posterior", str(_posterior(tmp_path)), "--draws", "4"]
    assert main([*argv, "--workers", "1", "--no-progress", "--out", str(out)]) == 0
    meta = json.loads((out / "manifest.json").read_text())["meta"]
    assert sum(meta["draws_by_particle"].values()) == 4
    report = (out / "report.md").read_text()
    assert "each at 4 parameter sets drawn from the posterior" in report
    assert "Rubin's rules" in report
    particles = len(meta["draws_by_particle"])
    assert f"an equal mix of the {particles} distinct particle" in report


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--draws", "3"], "--draws 3 without --posterior"),
        (["--posterior", "{missing}"], "no such file"),
        (["--posterior", "{posterior}", "--draws", "1"], "--draws 1: allowed: at least 2"),
    ],
)
def test_bad_posterior_options_are_refused_in_one_line(
    options: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"posterior": _posterior(tmp_path), "missing": tmp_path / "missing.csv"}
    options = [o.format(**values) for o in options]
    out = tmp_path / "out"
    assert main(["sweep", "tiny", *options, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert not out.exists()
