"""Mesa agents whose state lives in their population's numpy arrays.

Each person is a real Mesa agent (registered with the model, found through
``model.agents_by_type``), but its attributes are one row of its population's columns, so
the daily decisions of hundreds of people run as a handful of numpy operations instead of
hundreds of Python calls (the overhead PLATFORM.md measures at ~0.4 µs per agent-step plus
neighbourhood scans). Reading ``seller.state`` reads ``model.sellers.state[seller.index]``.
"""

from __future__ import annotations

from typing import Any

from mesa import Agent


def column(name: str, doc: str = "") -> property:
    """A property that reads and writes row ``self.index`` of the population's ``name``."""

    def getter(self: PopulationAgent) -> Any:
        return getattr(self.population, name)[self.index]

    def setter(self: PopulationAgent, value: Any) -> None:
        getattr(self.population, name)[self.index] = value

    return property(getter, setter, doc=doc or name)


class PopulationAgent(Agent):
    """A Mesa agent that is row ``index`` of the population ``model.<population_name>``."""

    population_name: str = ""

    def __init__(self, model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def population(self):
        """The structure-of-arrays this agent is a row of."""
        return getattr(self.model, self.population_name)

    @property
    def cell(self):
        """The grid cell the agent is on today (looked up, not stored)."""
        pop = self.population
        return self.model.space.cell(pop.x[self.index], pop.y[self.index])
