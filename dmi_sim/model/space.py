"""The neighbourhood: grid, zones (market area, catchment ring, residential) and fields.

Fields are Mesa ``PropertyLayer`` objects on the grid, indexed ``[x, y]``, and are only
ever updated as whole numpy arrays. Neighbourhood sums ("how many sellers within r cells")
are box filters over the whole grid, so an agent looks its value up instead of scanning.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer

from dmi_sim.model import kernels
from dmi_sim.params import Params

FIELDS = ("disorder", "reputation", "police", "guardianship", "dealing", "violence")


def box_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum of ``values`` over the (2r+1)^2 square around every cell (zero outside the grid).

    A box filter is separable: a window sum along x, then along y, each O(r) per cell
    (``dmi_sim.model.kernels.box_sum``); the result is a new float array.
    """
    values = np.asarray(values, dtype=float)
    if radius <= 0:
        return values.copy()
    return kernels.box_sum(values, int(radius))


def zones(width: int, height: int, market_size: int, ring: int) -> tuple[np.ndarray, np.ndarray]:
    """Square market area at the centre; the ring of cells within ``ring`` of it ([x, y])."""
    x0 = (width - market_size) // 2
    y0 = (height - market_size) // 2
    market = np.zeros((width, height), dtype=bool)
    market[x0 : x0 + market_size, y0 : y0 + market_size] = True
    outer = np.zeros_like(market)
    outer[x0 - ring : x0 + market_size + ring, y0 - ring : y0 + market_size + ring] = True
    return market, outer & ~market


class Neighbourhood:
    """Grid of street cells with zones and per-cell fields."""

    def __init__(self, params: Params, rng: np.random.Generator, random) -> None:
        sp = params.section("space")
        self.width, self.height = sp["width"], sp["height"]
        self.shape = (self.width, self.height)
        self._random = random
        self.layers = {name: PropertyLayer(name, self.shape, default_value=0.0) for name in FIELDS}
        # A layer keeps its array for life (its ``data`` setter copies into it): look the
        # arrays up once, not through the property ~30 times a day.
        self._arrays = {name: layer.data for name, layer in self.layers.items()}
        self.market, self.catchment = zones(
            self.width, self.height, sp["market_size"], sp["catchment_width"]
        )
        # the zones' cells as flat indices (ascending): sums over a zone without its mask
        self.market_cells = np.flatnonzero(self.market)
        self.catchment_cells = np.flatnonzero(self.catchment)
        self.residential = rng.random((self.width, self.height)) < sp["residential_share"]
        settled = params["market.start"] == "settled"
        self.layers["reputation"].data[self.market] = (
            1.0 if settled else params["market.nascent_reputation"]
        )

    @cached_property
    def grid(self) -> OrthogonalMooreGrid:
        """The Mesa grid of cells, with the fields as its property layers; built when first
        asked for (the model itself only reads the fields, and connecting 1,600 cells is
        about 35 ms, 7 % of a default run)."""
        grid = OrthogonalMooreGrid(self.shape, torus=False, random=self._random)
        for layer in self.layers.values():
            grid.add_property_layer(layer)
        return grid

    def mean(self, values: np.ndarray) -> float:
        """``values.mean()`` over a whole field, to the last bit (numpy's pairwise sum,
        compiled: ``kernels.mean``)."""
        return kernels.mean(values)

    def market_mean(self, values: np.ndarray) -> float:
        """``values[market].mean()`` to the last bit, in one compiled pass (no gathered
        copy, no Python wrapper)."""
        return kernels.cells_mean(values, self.market_cells)

    def field(self, name: str) -> np.ndarray:
        """The numpy array behind a property layer (update it in place)."""
        return self._arrays[name]

    def counts(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None):
        """How many (or how much weight) of the given positions fall on each cell."""
        flat = np.bincount(x * self.height + y, weights=weights, minlength=self.width * self.height)
        return flat.reshape(self.width, self.height).astype(float)

    def zone_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Boolean arrays: position in the market area, position in the catchment ring."""
        return self.market[x, y], self.catchment[x, y]

    def clip(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keep positions on the grid."""
        return np.clip(x, 0, self.width - 1), np.clip(y, 0, self.height - 1)

    def cell(self, x: int, y: int):
        """The Mesa cell at ``(x, y)``."""
        return self.grid[(int(x), int(y))]

    def place_on_market_cells(
        self, rng: np.random.Generator, mask: np.ndarray, n: int, x: np.ndarray, y: np.ndarray
    ) -> None:
        """Cells where buyers go, for the ``n`` rows where ``mask`` holds, written into ``x``
        and ``y`` in place: P(cell) proportional to reputation squared (+1e-9; buyers head
        for the spots they are surest of), by inverse CDF in one compiled pass."""
        kernels.place(
            kernels.market_cdf(self.field("reputation")), rng.random(n), self.height, mask, x, y
        )
