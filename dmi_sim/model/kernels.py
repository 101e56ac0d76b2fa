"""Compiled inner loops of the daily submodels (numba, compiled once and cached on disk).

Every kernel does what the numpy code it replaced did, element by element and in the same
order of operations, so a seed gives the same run: random draws stay with the model's numpy
generator, and so do ``exp`` and ``log`` (numpy's vectorised ``exp`` is not the C library's
to the last bit) and the float reductions that feed the daily series (numpy sums pairwise).
What moves here is the glue between them: gathers, masks, counts per cell, box sums and the
elementwise updates, each submodel in a few calls instead of dozens of small numpy ones.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def box_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum of ``values`` over the (2r+1)^2 square around every cell, zero outside the grid.

    Separable: a running window along x, then along y, each cell's terms added in order of
    position (O(r) per cell, so linear in the number of cells for a given radius).
    """
    w, h = values.shape
    along_x = np.zeros((w, h))
    for i in range(w):
        for k in range(max(0, i - radius), min(w, i + radius + 1)):
            for j in range(h):
                along_x[i, j] += values[k, j]
    out = np.empty((w, h))
    for i in range(w):
        for j in range(h):
            total = 0.0
            for k in range(max(0, j - radius), min(h, j + radius + 1)):
                total += along_x[i, k]
            out[i, j] = total
    return out
