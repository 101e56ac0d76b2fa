"""From a parameter space and a method to the engine's run tasks.

Every design point runs each scenario the outcomes need, on ``replications`` seeds. The
seeds are common to every point with the same value of the dummy factor and differ where
the dummy differs: every comparison the estimators make of a real factor (a Morris step,
Sobol's A against AB_i) is then on common random numbers, while the dummy, which the
model never reads, does the one thing every real factor also does to a stochastic model —
redraw the random numbers — and nothing else. Its index is therefore the noise
reference: a factor ranked at or below it is indistinguishable from seed noise. (With the
same seeds everywhere the dummy's index would be exactly zero and measure nothing.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dmi_sim.engine.experiment import paired_tasks
from dmi_sim.engine.seeds import design_rng, dummy_seeds
from dmi_sim.engine.tasks import RunTask
from dmi_sim.studies.sensitivity.methods import Method
from dmi_sim.studies.sensitivity.outcomes import DERIVED
from dmi_sim.studies.sensitivity.space import ParameterSpace


@dataclass(frozen=True)
class Design:
    """A method's design over a space: unit-cube points, their parameters and seeds."""

    space: ParameterSpace
    method: Method
    unit: np.ndarray  # points x factors (``space.names`` order), in [0, 1]

    @property
    def n_points(self) -> int:
        return self.unit.shape[0]

    def seeds(self) -> list[list[int]]:
        """Replication seeds of each point, keyed on the dummy's value."""
        return dummy_seeds(self.space.seed, self.unit[:, -1], self.space.replications)

    def tasks(self, scenarios: Sequence[str]) -> list[RunTask]:
        """One run per (point, replication, scenario); run ids sort in design order.

        Every point's full parameter set is resolved first (``preflight``), so a
        combination the model refuses stops the command before any run.
        """
        return paired_tasks(
            self.space.path,
            scenarios,
            self.space.overrides,
            self.space.values(self.unit),
            self.seeds(),
            f"a {self.method.name} design point",
            DERIVED,
        )


def make_design(space: ParameterSpace, method: Method) -> Design:
    """The method's sample over the space, reproducible from the space's seed."""
    return Design(space, method, method.sample(space.names, design_rng(space.seed)))
