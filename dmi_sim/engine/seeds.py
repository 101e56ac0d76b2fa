"""Seeds fixed at design time, so every executor sees the same numbers.

Replication ``i`` of every design point gets the same seed: comparisons between points are
paired (common random numbers), which shrinks the variance of their differences.
"""

from __future__ import annotations

import numpy as np

#: The most replications of one scenario or point: intervals are as narrow as they get long
#: before this; more is a typo (and a million seeds take a while to draw).
MAX_REPLICATIONS = 10_000
#: Extra entropy word that separates the design sampler's stream from the replication seeds.
_DESIGN_STREAM = 0x5EED_DE51
#: Resolution of a dummy factor's value when it picks the seeds (distinct values, distinct
#: seeds).
DUMMY_STEPS = 2**32


def replication_seeds(root_seed: int, n: int) -> list[int]:
    """Return ``n`` independent seeds (plain non-negative ints below 2**63).

    Children of ``numpy.random.SeedSequence(root_seed)``: the list is prefix-stable, so
    adding replications later keeps the seeds of the existing ones.
    """
    if n < 0:
        raise ValueError(f"number of seeds must be >= 0, got {n}")
    children = np.random.SeedSequence(root_seed).spawn(n)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


def dummy_seeds(root_seed: int, dummy: np.ndarray, replications: int) -> list[list[int]]:
    """Replication seeds of each design point, keyed on its dummy factor's value in [0, 1].

    Points with the same dummy value share their seeds (common random numbers); points
    whose dummy differs get other seeds. A dummy factor, which the model never reads, then
    does what every real factor also does to a stochastic model, redraw the random numbers,
    and nothing else: it is the reference for seed noise in the sensitivity and discovery
    studies.
    """
    codes = np.round(np.asarray(dummy, dtype=float) * (DUMMY_STEPS - 1)).astype(np.int64)
    cache = {
        code: replication_seeds(root_seed * DUMMY_STEPS + code, replications)
        for code in map(int, np.unique(codes))
    }
    return [cache[int(code)] for code in codes]


def replication_problem(reps: int, root_seed: int) -> str | None:
    """Why ``reps`` replications from ``root_seed`` can give no interval (a one-line message
    naming the option), or None when they can."""
    if reps < 2:
        return f"--reps {reps}: at least 2 replications are needed for an interval"
    if reps > MAX_REPLICATIONS:
        return f"--reps {reps}: allowed: at most {MAX_REPLICATIONS:,} replications"
    if root_seed < 0:
        return f"--seed {root_seed}: allowed: a non-negative integer"
    return None


def design_rng(root_seed: int) -> np.random.Generator:
    """Generator for design samplers (LHS), independent of the replication seeds."""
    return np.random.default_rng(np.random.SeedSequence([root_seed, _DESIGN_STREAM]))
