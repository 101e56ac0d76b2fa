"""Experiment files, designs and seeds: everything decided before the first run."""

from __future__ import annotations

import textwrap
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from dmi_sim.engine import ExperimentError, load_experiment
from dmi_sim.engine.designs import Factor, factorial, latin_hypercube
from dmi_sim.engine.experiment import experiment_names
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.params import PARAMETERS

GOOD = """
scenario = "{scenario}"
replications = 3
seed = 7
days = 60
outcomes = ["cost_total"]

[overrides]
space.width = 20
space.height = 20
run.intervention_start = 30

[factors."police.officers"]
levels = [2, 4, 8]

[factors.dmi.buys_per_day]
levels = [0.5, 1.0]
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A scenario file of defaults, so these tests need no shipped scenario."""
    path = tmp_path / "defaults.toml"
    path.write_text("")
    return path


def write(tmp_path: Path, text: str, scenario: Path) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(text).replace("{scenario}", str(scenario)))
    return path


def test_replication_seeds_are_plain_distinct_and_prefix_stable() -> None:
    seeds = replication_seeds(42, 50)
    assert all(type(s) is int and 0 <= s < 2**63 for s in seeds)
    assert len(set(seeds)) == 50
    assert replication_seeds(42, 10) == seeds[:10]
    assert replication_seeds(43, 10) != seeds[:10]


def test_factorial_crosses_levels_last_factor_fastest() -> None:
    points = factorial([Factor("a", (1, 2)), Factor("b", ("x", "y", "z"))])
    assert points[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"}]
    assert len(points) == 6


def test_latin_hypercube_stratifies_and_maps_kinds() -> None:
    factors = [
        Factor("f", low=0.0, high=10.0, kind="float"),
        Factor("i", low=1, high=4, kind="int"),
        Factor("c", ("a", "b")),
    ]
    points = latin_hypercube(factors, 40, seed=3)
    floats = np.array([p["f"] for p in points])
    # one draw in each of the 40 equal slices of [0, 10)
    assert sorted(np.floor(floats / 10 * 40).astype(int)) == list(range(40))
    assert Counter(p["i"] for p in points) == {1: 10, 2: 10, 3: 10, 4: 10}
    assert all(type(p["i"]) is int for p in points)
    assert Counter(p["c"] for p in points) == {"a": 20, "b": 20}
    assert latin_hypercube(factors, 40, seed=3) == points
    assert latin_hypercube(factors, 40, seed=4) != points


def test_experiment_expands_to_paired_tasks(tmp_path: Path, scenario: Path) -> None:
    exp = load_experiment(write(tmp_path, GOOD, scenario))
    tasks = exp.tasks()
    assert exp.n_runs == len(tasks) == 3 * 2 * 3
    assert tasks[0].run_id == "p00000-r000" and tasks[-1].run_id == "p00005-r002"
    assert len({t.run_id for t in tasks}) == len(tasks)
    by_rep: dict[int, set[int]] = {}
    for task in tasks:
        by_rep.setdefault(task.labels["replication"], set()).add(task.seed)
    assert all(len(seeds) == 1 for seeds in by_rep.values())  # common seeds across points
    first = tasks[0]
    assert first.days == 60
    assert first.overrides == {
        "space.width": 20,
        "space.height": 20,
        "run.intervention_start": 30,
        "police.officers": 2,
        "dmi.buys_per_day": 0.5,
    }
    assert first.labels == {
        "scenario": str(scenario),
        "point": 0,
        "replication": 0,
        "police.officers": 2,
        "dmi.buys_per_day": 0.5,
    }


def test_lhs_experiment_draws_whole_numbers_for_integer_parameters(
    tmp_path: Path, scenario: Path
) -> None:
    text = GOOD.replace(
        '[factors."police.officers"]\nlevels = [2, 4, 8]',
        '[design]\ntype = "lhs"\nsamples = 8\n\n[factors."police.officers"]\nlow = 2\nhigh = 40',
    )
    exp = load_experiment(write(tmp_path, text, scenario))
    assert exp.design == "lhs" and len(exp.points) == 8 and exp.n_runs == 24
    officers = [p["police.officers"] for p in exp.points]
    assert all(type(v) is int and 2 <= v <= 40 for v in officers)
    assert {p["dmi.buys_per_day"] for p in exp.points} == {0.5, 1.0}
    assert load_experiment(write(tmp_path, text, scenario)).points == exp.points


def test_scenario_can_be_a_factor(tmp_path: Path, scenario: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text("[police]\nofficers = 6\n")
    text = GOOD.split("[factors.")[0] + f'[factors.scenario]\nchoices = ["{scenario}", "{other}"]\n'
    tasks = load_experiment(write(tmp_path, text, scenario)).tasks()
    assert [t.scenario for t in tasks[::3]] == [str(scenario), str(other)]
    assert "scenario" not in tasks[0].overrides


def test_shipped_experiments_are_valid() -> None:
    names = experiment_names()
    assert {"resource_levels", "replacement"} <= set(names)
    for name in names:
        exp = load_experiment(name)
        assert exp.n_runs > 0
        for factor in exp.factors:
            assert factor.key == "scenario" or factor.key in PARAMETERS


BAD = [
    # (what to change in GOOD, text expected in the one-line message)
    (("replications = 3", "replications = 'three'"), "replications = 'three' is invalid"),
    (("replications = 3", "replications = 3\nreplicatons = 4"), "did you mean 'replications'"),
    (("levels = [2, 4, 8]", "levels = [2, 4, 800]"), "police.officers.levels = 800"),
    (("levels = [2, 4, 8]", "level = [2, 4, 8]"), "unknown key 'factors.police.officers.level'"),
    (('[factors."police.officers"]', '[factors."police.oficers"]'), "did you mean 'police.of"),
    (("space.width = 20", "space.widht = 20"), "did you mean 'space.width'"),
    (("levels = [2, 4, 8]", "low = 2\nhigh = 8"), "factorial' cannot enumerate"),
    (("levels = [2, 4, 8]", "levels = [2, 4, 8]\nlow = 1"), "exactly one of levels"),
    (("days = 60", "days = 60.5"), "days = 60.5 is invalid"),
    (('outcomes = ["cost_total"]', "outcomes = []"), "outcomes = [] is invalid"),
    (("[overrides]", "[design]\ntype = 'lhs'\n[overrides]"), "needs design.samples"),
    (("[overrides]", "[design]\ntype = 'sobol'\n[overrides]"), "design.type = 'sobol' is inva"),
    (("space.height = 20", 'space.height = 20\n"police.officers" = 3'), "both a factor and"),
    (("space.width = 20", "space.width = 12"), "does not fit"),
    (
        ("days = 60", "days = 30"),
        "defaults.toml: run.intervention_start = 30 is not before the end of the run "
        "(run.days = 30), so the policy never starts; allowed: run.days above 30 or "
        "run.intervention_start below 30",
    ),
    (("space.width = 20", "space.width = 20\nrun.days = 90"), "days = 60 and overrides.run.days"),
    (
        ("levels = [0.5, 1.0]", "levels = [0.5, 1.0]\n[factors.run.days]\nlevels = [90, 30]"),
        "days = 60 and the factor run.days both set the length of the run; allowed: one of them",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BAD, ids=[b[1][:30] for b in BAD])
def test_bad_experiment_files_give_one_clear_line(
    tmp_path: Path, scenario: Path, change: tuple[str, str], expected: str
) -> None:
    assert change[0] in GOOD
    path = write(tmp_path, GOOD.replace(change[0], change[1], 1), scenario)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_a_design_point_that_ends_before_the_policy_starts_is_named(
    tmp_path: Path, scenario: Path
) -> None:
    text = GOOD.replace("days = 60\n", "").replace(
        "levels = [0.5, 1.0]", "levels = [0.5, 1.0]\n[factors.run.days]\nlevels = [90, 30]"
    )
    path = write(tmp_path, text, scenario)
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert str(info.value) == (
        f"{path}: design point 1 {{'police.officers': 2, 'dmi.buys_per_day': 0.5, "
        "'run.days': 30}: run.intervention_start = 30 is not before the end of the run "
        "(run.days = 30), so the policy never starts; allowed: run.days above 30 or "
        "run.intervention_start below 30"
    )


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="not found"):
        load_experiment(tmp_path / "nope.toml")
    with pytest.raises(ExperimentError, match="unknown experiment 'resource_level'.*did you mean"):
        load_experiment("resource_level")
    broken = tmp_path / "broken.toml"
    broken.write_text("scenario = \n")
    with pytest.raises(ExperimentError, match="invalid TOML"):
        load_experiment(broken)


def test_a_non_utf8_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('description = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert str(info.value) == (
        f"{path}: not UTF-8 text (byte 18 is 0xe9); allowed: a TOML file, which is UTF-8"
    )


@pytest.mark.parametrize(
    ("factors", "design"),
    [
        # 6 factors x 100 levels: 10^12 points, which would take terabytes to list
        (
            "".join(
                f'[factors."{k}"]\nlevels = {list(range(1, 101))}\n'
                for k in (
                    "police.officers",
                    "crackdown.officers",
                    "hotspot.officers",
                    "dmi.officers",
                    "services.slots",
                    "dmi.call_in_capacity",
                )
            ),
            "",
        ),
        (
            '[factors."police.officers"]\nlow = 1\nhigh = 40\n',
            "[design]\ntype = 'lhs'\nsamples = 100000000\n",
        ),
    ],
)
def test_a_huge_design_is_refused_before_it_is_built(
    tmp_path: Path, scenario: Path, factors: str, design: str
) -> None:
    head = GOOD[: GOOD.index('[factors."police.officers"]')].replace(
        "[overrides]", design + "[overrides]"
    )
    path = write(tmp_path, head + factors, scenario)
    started = time.perf_counter()
    with pytest.raises(ExperimentError) as info:
        load_experiment(path)
    assert time.perf_counter() - started < 5.0  # "under a second", with room for a busy CI
    assert f"{path}: the design has " in str(info.value)
    assert "allowed: at most 1,000,000 runs" in str(info.value)


def test_an_unknown_outcome_is_refused_with_a_suggestion(tmp_path: Path, scenario: Path) -> None:
    path = write(tmp_path, GOOD.replace('"cost_total"', '"cost_totl"'), scenario)
    with pytest.raises(
        ExperimentError,
        match=r"outcomes: unknown outcome 'cost_totl' \(did you "
        r"mean 'cost_total'\?\); allowed: pre_active_sellers, ",
    ):
        load_experiment(path)
