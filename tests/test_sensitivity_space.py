"""The parameter space file: the shipped one against the registry, and bad files refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dmi_sim.cli import main
from dmi_sim.engine.experiment import ExperimentError, experiment_names
from dmi_sim.params import PARAMETERS
from dmi_sim.studies.sensitivity.space import load_space

GOOD = """
seed = 1
replications = 2
dummy = "dummy"
[overrides]
"run.days" = 120
[factors."police.officers"]
low = 1
high = 4
reason = "test"
[factors."crackdown.period_days"]
levels = [30, 60, 90]
source = "test"
[factors."sellers.margin"]
low = 0.3
high = 0.7
reason = "test"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "space.toml"
    path.write_text(text)
    return path


def test_shipped_space_matches_the_registry() -> None:
    """Drift guard: every registered parameter is a factor, an override or listed as not
    varied with a reason, and every factor's range holds the model's default."""
    space = load_space()
    assert len(space.factors) >= 15
    assert space.unclassified() == [], "place new parameters in experiments/parameter_space.toml"
    assert space.defaults_outside() == [], "a recalibrated default left its factor's range"
    assert space.dummy not in PARAMETERS
    assert all(space.sources[f.key] for f in space.factors)
    assert space.replications >= 2
    assert space.sobol.n & (space.sobol.n - 1) == 0
    assert space.name not in experiment_names()  # a space, not a sweep experiment


def test_units_map_explicitly_to_integers_and_levels(tmp_path: Path) -> None:
    space = load_space(write(tmp_path, GOOD))
    assert space.names == ["police.officers", "crackdown.period_days", "sellers.margin", "dummy"]
    u = np.linspace(0, 1, 12, endpoint=False)
    unit = np.column_stack([u, u, u, u])
    values = space.values(unit)
    assert [v["police.officers"] for v in values] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert [v["crackdown.period_days"] for v in values] == [30] * 4 + [60] * 4 + [90] * 4
    assert values[0]["sellers.margin"] == pytest.approx(0.3)
    assert all("dummy" not in v for v in values)
    top = space.values(np.ones((1, 4)))[0]  # Morris' grid reaches the upper bound
    assert (top["police.officers"], top["crackdown.period_days"]) == (4, 90)
    assert top["sellers.margin"] == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"police.officers"', '"police.oficers"'), "did you mean 'police.officers'"),
        (("high = 4", "high = 900"), "police.officers"),
        (('reason = "test"\n[factors."crackdown', '[factors."crackdown'), "needs one 'source'"),
        (('dummy = "dummy"', 'dummy = "sellers.margin"'), "dummy"),
        (("replications = 2", "replications = 1"), "replications"),
        (("", "[sobol]\nn = 100"), "power of two"),
        (("", "[morris]\nlevels = 3"), "even"),
        (
            ("", '[not_varied.x]\nreason = "r"\nkeys = ["police.officers"]'),
            "each parameter in one place",
        ),
        (
            ("", '[not_varied.x]\nreason = "r"\nkeys = ["sellers.marjin"]'),
            "did you mean 'sellers.margin'",
        ),
        (('"run.days" = 120', '"police.officers" = 3'), "both a factor and an override"),
        (("seed = 1", "seed = 1\nsamples = 3"), "unknown key 'samples'"),
    ],
)
def test_bad_space_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, change: tuple[str, str], message: str
) -> None:
    old, new = change  # no old text: append a table at the end
    path = write(tmp_path, GOOD.replace(old, new, 1) if old else GOOD + new + "\n")
    with pytest.raises(ExperimentError, match=message.replace("(", r"\(")):
        load_space(path)
    out = tmp_path / "out"
    code = main(
        [
            "sensitivity",
            "morris",
            "--space",
            str(path),
            "--out",
            str(out),
            "--workers",
            "1",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and str(path) in err[0]
    assert not out.exists()
