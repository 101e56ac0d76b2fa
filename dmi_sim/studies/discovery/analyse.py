"""From a design's runs to the regions where the DMI's advantage fails.

The advantage is measured per point and seed (``advantage``), the points where its seed
mean is at or below the threshold fail, and PRIM, the stability check and CART
(``boxes``) look for where those points lie. The stability check splits each point's seeds
in two halves (the first ceil(k/2) seeds and the rest) and repeats the classification on
each half alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from dmi_sim.studies.discovery.advantage import advantage_table
from dmi_sim.studies.discovery.boxes import (
    DENSITY,
    Leaf,
    Peeling,
    Stability,
    cart,
    failing_leaves,
    peel,
    stability,
)
from dmi_sim.studies.discovery.design import DesignRuns


@dataclass(frozen=True)
class Discovery:
    """Everything the report shows."""

    outcome: str
    threshold: float
    density: float
    dummy: str
    x: pd.DataFrame  # the points analysed (advantage defined on every seed)
    advantage: pd.DataFrame  # per point analysed: one column per seed
    undefined: int  # points left out: nothing to compare before the intervention
    fails: np.ndarray  # per point analysed: the seed mean is at or below the threshold
    peeling: Peeling | None  # None when the advantage fails nowhere or everywhere
    stability: Stability | None  # None also when the box restricts nothing
    tree: DecisionTreeClassifier | None
    leaves: list[Leaf]

    @property
    def seeds(self) -> int:
        """Replication seeds per point."""
        return self.advantage.shape[1]


def fails_at(advantage: pd.DataFrame, threshold: float) -> np.ndarray:
    """Where the advantage, averaged over the given seeds (columns), is at or below
    ``threshold``."""
    return (advantage.mean(axis=1) <= threshold).to_numpy()


def analyse(
    runs: DesignRuns, outcome: str, threshold: float = 0.0, density: float = DENSITY
) -> Discovery:
    """PRIM's box, its stability and the CART tree of where ``outcome``'s advantage fails."""
    advantage = advantage_table(runs.summary, outcome).reindex(runs.x.index)
    defined = advantage.notna().all(axis=1)
    advantage, x = advantage[defined], runs.x[defined]
    fails = fails_at(advantage, threshold)
    half = math.ceil(advantage.shape[1] / 2)
    peeling = peel(x, fails, density)
    checked = None
    if peeling is not None and peeling.box.limits:
        checked = stability(
            peeling.box,
            x,
            fails_at(advantage.iloc[:, :half], threshold),
            fails_at(advantage.iloc[:, half:], threshold),
            runs.dummy,
            density,
        )
    tree = None if peeling is None else cart(x, fails)
    leaves = [] if tree is None else failing_leaves(tree, list(x.columns), fails, x)
    return Discovery(
        outcome=outcome,
        threshold=threshold,
        density=density,
        dummy=runs.dummy,
        x=x,
        advantage=advantage,
        undefined=int((~defined).sum()),
        fails=fails,
        peeling=peeling,
        stability=checked,
        tree=tree,
        leaves=leaves,
    )
