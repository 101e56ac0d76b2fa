"""Where the advantage fails: PRIM boxes (EMA Workbench), a CART tree (scikit-learn), and
the check of each box against seed noise.

PRIM (Friedman & Fisher 1999, as EMA Workbench implements it for scenario discovery,
Bryant & Lempert 2010) peels the parameter space down, a few per cent of the points at a
time, towards the points where the advantage fails; each step of the peeling trajectory is
a box with a *coverage* (the share of all failing points inside it) and a *density* (the
share of the points inside it that fail). The box chosen is the one with the most
coverage among those at least ``density`` dense (ties: the denser, then the simpler); when
none is that dense, the densest. Peeling nibbles at many factors on its way; the
restrictions whose quasi-p-value (a one-sided binomial test, Bryant & Lempert 2010) is
``ALPHA`` or more add little beyond chance and are dropped, the least significant first,
so the box reported names only the factors that matter; when even the last restriction
fails that test the box is reported as not significant, not as a finding.

A box is *noise* when it restricts the dummy factor (which the model never reads: it only
picks the seeds) or when it does not come back under other seeds: PRIM is run again on the
first half of each point's seeds alone, and that box must hold significantly more failing
points than the rest of the space under the other half of the seeds (Fisher's exact test,
one-sided, p < ``ALPHA``), which are independent of the first.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from sklearn.tree import DecisionTreeClassifier

with warnings.catch_warnings():
    # EMA Workbench warns on import that ipyparallel, which this study does not use, is
    # missing.
    warnings.simplefilter("ignore", UserWarning)
    from ema_workbench.analysis.prim import Prim, PrimBox

#: Smallest box PRIM may peel to and smallest CART leaf, as a share of the points (EMA
#: Workbench's default).
MASS_MIN = 0.05
#: Density the reported box must reach, unless ``--density`` says otherwise.
DENSITY = 0.8
#: Significance of the re-seeded reproduction test.
ALPHA = 0.05
#: CART's depth: three questions are as many as a planner's sentence holds.
CART_DEPTH = 3
#: Seed of scikit-learn's tree (it only breaks ties between equally good splits).
CART_SEED = 0


@dataclass(frozen=True)
class Limit:
    """One restricted factor of a box: its bounds (None: not restricted on that side) and
    PRIM's quasi-p-value for the restriction (a one-sided binomial test)."""

    factor: str
    low: float | None
    high: float | None
    qp: float


@dataclass(frozen=True)
class Box:
    """A box on PRIM's peeling trajectory, with its statistics."""

    limits: tuple[Limit, ...]
    coverage: float  # share of all failing points inside
    density: float  # share of the points inside that fail
    mass: float  # share of all points inside
    n_points: int  # points inside
    n_failing: int  # failing points inside

    @property
    def factors(self) -> list[str]:
        return [limit.factor for limit in self.limits]

    @property
    def insignificant(self) -> list[Limit]:
        """The restrictions that add little beyond chance (quasi-p ``ALPHA`` or more): the
        test that drops restrictions, applied to the ones kept."""
        return [limit for limit in self.limits if not limit.qp < ALPHA]

    @property
    def significant(self) -> bool:
        """Whether every restriction passes the quasi-p test (a box restricting nothing
        does not)."""
        return bool(self.limits) and not self.insignificant

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Which rows of ``x`` lie inside the box."""
        inside = np.ones(len(x), dtype=bool)
        for limit in self.limits:
            values = x[limit.factor].to_numpy()
            if limit.low is not None:
                inside &= values >= limit.low
            if limit.high is not None:
                inside &= values <= limit.high
        return inside


@dataclass(frozen=True)
class Peeling:
    """PRIM's peeling trajectory, the box chosen from it, and that box once the
    restrictions that add little beyond chance are dropped."""

    trajectory: pd.DataFrame  # per box: coverage, density, mass, res_dim, n, k
    chosen: int  # the step of the trajectory chosen (``_choose``)
    box: Box  # the chosen box without its insignificant restrictions
    dropped: tuple[str, ...]  # the factors whose restriction was dropped, in that order


def _run_prim(x: pd.DataFrame, fails: np.ndarray) -> PrimBox:
    """EMA Workbench's PRIM, one box. Integer factors go in as floats: its pasting writes
    a quantile (6.5) into an integer column's limits, which pandas 3 refuses; as floats
    they are peeled as real numbers, so a limit may fall between two whole numbers."""
    with warnings.catch_warnings():
        # EMA Workbench 3.0 calls DataFrame.drop(inplace=True), deprecated in pandas 3.1.
        warnings.simplefilter("ignore", DeprecationWarning)
        return Prim(x.astype(float), fails.astype(int), mass_min=MASS_MIN).find_box()


def _choose(trajectory: pd.DataFrame, density: float) -> int:
    """The trajectory index of the box to report (see the module's docstring)."""
    dense = trajectory[trajectory["density"] >= density]
    if dense.empty:
        order = trajectory.sort_values(["density", "coverage"], ascending=False, kind="stable")
    else:
        order = dense.sort_values(
            ["coverage", "density", "res_dim"], ascending=[False, False, True], kind="stable"
        )
    return int(order.index[0])


def _box(prim_box: PrimBox, i: int) -> Box:
    limits_i, initial = prim_box.box_lims[i], prim_box.box_lims[0]
    limits = []
    for factor, (qp_low, qp_high) in prim_box.p_values[i].items():
        low, high = limits_i[factor]
        limits.append(
            Limit(
                factor,
                float(low) if low > initial[factor][0] else None,
                float(high) if high < initial[factor][1] else None,
                float(max(qp_low, qp_high)),
            )
        )
    row = prim_box.peeling_trajectory.loc[i]
    return Box(
        limits=tuple(limits),
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        n_points=int(row["n"]),
        n_failing=int(row["k"]),
    )


def _drop_insignificant(prim_box: PrimBox, i: int) -> tuple[int, tuple[str, ...]]:
    """Drop box ``i``'s restrictions whose quasi-p-value is ``ALPHA`` or more, the least
    significant first and one at a time (each drop changes the others' values), keeping at
    least one; returns the trajectory index of the resulting box and the factors dropped.
    The one kept may still fail the test: ``Box.significant`` says so, and the report then
    says the box is not significant. EMA Workbench's ``drop_restriction`` appends each new
    box to the trajectory."""
    dropped: list[str] = []
    while len(prim_box.p_values[i]) > 1:
        qp = {factor: max(values) for factor, values in prim_box.p_values[i].items()}
        worst = max(qp, key=lambda factor: qp[factor])
        if qp[worst] < ALPHA:
            break
        prim_box.drop_restriction(worst, i)
        i = len(prim_box.peeling_trajectory) - 1
        dropped.append(worst)
    return i, tuple(dropped)


def peel(x: pd.DataFrame, fails: np.ndarray, density: float = DENSITY) -> Peeling | None:
    """PRIM on the points ``x`` (one column per factor) with ``fails`` marking where the
    advantage fails; None when it fails nowhere or everywhere (there is no box to find)."""
    if not fails.any() or fails.all():
        return None
    prim_box = _run_prim(x, fails)
    columns = ["coverage", "density", "mass", "res_dim", "n", "k"]
    trajectory = prim_box.peeling_trajectory[columns].copy()
    chosen = _choose(trajectory, density)
    final, dropped = _drop_insignificant(prim_box, chosen)
    return Peeling(trajectory, chosen, _box(prim_box, final), dropped)


@dataclass(frozen=True)
class Stability:
    """A box against seed noise: the dummy, and the box re-found on half of the seeds."""

    dummy: str
    restricts_dummy: bool
    first_half: Box | None  # the box PRIM finds on the first half of the seeds
    second_half_p: float  # Fisher's p of that box under the second half (NaN: no box)

    @property
    def reproduced(self) -> bool:
        return math.isfinite(self.second_half_p) and self.second_half_p < ALPHA

    @property
    def noise(self) -> bool:
        return self.restricts_dummy or not self.reproduced


def reproduction_p(box: Box, x: pd.DataFrame, fails: np.ndarray) -> float:
    """Fisher's exact test, one-sided: do failing points crowd into ``box`` under these
    seeds? (NaN when the box holds every point or none.)"""
    inside = box.contains(x)
    if inside.all() or not inside.any():
        return math.nan
    table = [
        [int((fails & inside).sum()), int((~fails & inside).sum())],
        [int((fails & ~inside).sum()), int((~fails & ~inside).sum())],
    ]
    return float(fisher_exact(table, alternative="greater").pvalue)


def stability(
    box: Box,
    x: pd.DataFrame,
    first_fails: np.ndarray,
    second_fails: np.ndarray,
    dummy: str,
    density: float = DENSITY,
) -> Stability:
    """Check ``box`` (found on every seed) against the dummy, and re-find it on the first
    half of the seeds (``first_fails``) and test that box under the second half."""
    first = peel(x, first_fails, density)
    p = math.nan if first is None else reproduction_p(first.box, x, second_fails)
    return Stability(dummy, dummy in box.factors, None if first is None else first.box, p)


@dataclass(frozen=True)
class Leaf:
    """A CART leaf where the advantage mostly fails: the path to it and its counts."""

    conditions: tuple[tuple[str, str, float], ...]  # (factor, "<=" or ">", threshold)
    n_points: int
    n_failing: int


def cart(x: pd.DataFrame, fails: np.ndarray) -> DecisionTreeClassifier:
    """A classification tree of where the advantage fails, at most ``CART_DEPTH`` deep,
    each leaf at least ``MASS_MIN`` of the points."""
    tree = DecisionTreeClassifier(
        max_depth=CART_DEPTH,
        min_samples_leaf=max(1, int(MASS_MIN * len(x))),
        random_state=CART_SEED,
    )
    return tree.fit(x.to_numpy(), fails.astype(int))


def failing_leaves(
    tree: DecisionTreeClassifier, names: list[str], fails: np.ndarray, x: pd.DataFrame
) -> list[Leaf]:
    """The tree's leaves where most points fail, most failing points first."""
    structure = tree.tree_
    leaf_of = tree.apply(x.to_numpy())
    leaves = []

    def walk(node: int, path: tuple[tuple[str, str, float], ...]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            members = leaf_of == node
            failing = int(fails[members].sum())
            if 2 * failing > members.sum():
                leaves.append(Leaf(path, int(members.sum()), failing))
            return
        name, threshold = names[structure.feature[node]], float(structure.threshold[node])
        walk(left, (*path, (name, "<=", threshold)))
        walk(right, (*path, (name, ">", threshold)))

    walk(0, ())
    return sorted(leaves, key=lambda leaf: -leaf.n_failing)
