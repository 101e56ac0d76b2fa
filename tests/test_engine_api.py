"""Experiments from Python: defined from a dict or ``Factor`` objects, checked as files are,
run on any executor, read back as DataFrames, with the provenance of a command-line sweep."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from dmi_sim import Factor, experiment_from_dict, run_experiment
from dmi_sim.cli import main
from dmi_sim.engine import ExperimentError
from dmi_sim.engine.executors import InlineExecutor
from dmi_sim.engine.provenance import git_commit

DEFINITION = {
    "scenario": "baseline",
    "replications": 2,
    "seed": 3,
    "days": 40,
    "save_timeseries": True,
    "outcomes": ["cost_total", "post_active_sellers"],
    "overrides": {"space": {"width": 20, "height": 20}, "run": {"intervention_start": 20}},
    "factors": {"police.officers": {"levels": [2, 6]}},
}
#: The same experiment as a file, for ``run.py sweep``.
FILE = """
scenario = "baseline"
replications = 2
seed = 3
days = 40
save_timeseries = true
outcomes = ["cost_total", "post_active_sellers"]
[overrides]
space.width = 20
space.height = 20
run.intervention_start = 20
[factors."police.officers"]
levels = [2, 6]
"""


def test_a_dict_and_factor_objects_define_the_same_experiment() -> None:
    from_dict = experiment_from_dict(DEFINITION, name="officers")
    objects = experiment_from_dict(
        {**DEFINITION, "factors": [Factor("police.officers", (2, 6))]}, name="officers"
    )
    assert from_dict.name == "officers" and from_dict.path is None
    assert from_dict.tasks() == objects.tasks()
    assert from_dict.n_runs == 4


def test_a_bad_definition_is_one_line_naming_it() -> None:
    with pytest.raises(ExperimentError) as info:
        experiment_from_dict({**DEFINITION, "replications": 0}, name="officers")
    assert str(info.value) == ("<officers>: replications = 0 is invalid; allowed: an integer >= 1")


def test_a_sweep_from_python_matches_the_command_and_records_its_provenance(tmp_path: Path) -> None:
    experiment = experiment_from_dict(DEFINITION, name="officers")
    sweep = run_experiment(experiment, tmp_path / "api", executor=InlineExecutor(), workers=1)
    assert sweep.report.n_done == 4
    assert isinstance(sweep.summary, pd.DataFrame) and len(sweep.summary) == 4
    assert sorted(sweep.summary["police.officers"]) == [2, 2, 6, 6]
    assert isinstance(sweep.timeseries, pd.DataFrame) and len(sweep.timeseries) == 4 * 40

    path = tmp_path / "officers.toml"
    path.write_text(FILE)
    assert (
        main(
            ["sweep", str(path), "--out", str(tmp_path / "cli"), "--workers", "1", "--no-progress"]
        )
        == 0
    )
    command = json.loads((tmp_path / "cli" / "manifest.json").read_text())["meta"]
    cli = run_experiment(experiment, tmp_path / "cli", workers=1)  # resumes: nothing to run
    assert cli.report.n_skipped == 4
    pd.testing.assert_frame_equal(sweep.summary, cli.summary)
    pd.testing.assert_frame_equal(sweep.timeseries, cli.timeseries)

    api = json.loads((tmp_path / "api" / "manifest.json").read_text())["meta"]
    assert api["provenance"]["command"] is None
    assert api["provenance"]["api"] == "dmi_sim.run_experiment"
    assert command["provenance"]["command"].startswith("python run.py sweep ")
    for key in ("git", "versions"):
        assert api["provenance"][key] == command["provenance"][key]
    assert {"SALib", "dask", "distributed", "mesa"} <= set(api["provenance"]["versions"])
    assert api["factors"] == command["factors"] == ["police.officers"]


def test_a_manifest_names_the_commit_of_the_checkout_it_ran_from() -> None:
    """From a git checkout, the provenance holds its HEAD (not None: the folder it looks in
    must be the checkout's root, wherever the module sits in the package)."""
    repo = Path(__file__).resolve().parents[1]
    if not (repo / ".git").exists():
        pytest.skip("not run from a git checkout")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    recorded = git_commit()
    assert recorded is not None and recorded["commit"] == head
