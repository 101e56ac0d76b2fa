"""The neighbourhood map: who is where today, on an optional heat map, with its legend.

Drawn from ``snapshot()`` with one matplotlib scatter per kind of person (a few thousand
points in all), not one portrayal call per agent: people live in numpy columns and the
whole map takes a few tens of milliseconds. Colours are Okabe-Ito (colour-blind safe) and
every kind also differs in marker shape, so the map reads on a washed-out projector.

The map shows the market area, its catchment ring and a margin around them (where the
trade, the policing and the withdrawal happen), not the whole grid. Each household is a
tile on its home cell, green when it is outdoors and grey when it stays in, so residents
withdrawing and coming back out show as the tiles around the market changing colour;
buyers and sellers are drawn on top of the tiles, never under them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colorbar import Colorbar
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from dmi_sim.studies.kit.plots import OKABE_ITO, draw_outline
from dmi_sim.viz.canvas import BlitCanvas

C = OKABE_ITO
_JITTER = 0.3  # cells: spreads people who share a cell so each stays visible
MARGIN = 3  # cells shown around the catchment ring
LEGEND_SIZE = 15  # points: legible from the back of a room


@dataclass(frozen=True)
class Marker:
    """How one kind of person is drawn, and its legend label."""

    label: str
    marker: str
    size: float  # the marker's width as a share of a cell's
    face: str
    edge: str = "none"
    width: float = 0.0
    zorder: int = 3

    def scatter(self, ax: Axes, cell_points: float) -> PathCollection:
        """An empty scatter in this style (``set_offsets`` fills it); ``cell_points`` is a
        cell's width on the figure, in points."""
        return ax.scatter(
            np.zeros(0),
            np.zeros(0),
            marker=self.marker,
            s=(self.size * cell_points) ** 2,
            c=self.face,
            edgecolors=self.edge,
            linewidths=self.width,
            zorder=self.zorder,
            animated=True,
        )

    def handle(self) -> Line2D:
        """The legend entry."""
        return Line2D(
            [],
            [],
            linestyle="",
            marker=self.marker,
            markersize=min(16.0, 24 * self.size),
            markerfacecolor=self.face,
            markeredgecolor=self.edge,
            markeredgewidth=self.width,
            label=self.label,
        )


MARKERS = {
    "indoors": Marker("household indoors", "s", 0.62, "#A0A0A0", "white", 0.6, 1),
    "outdoors": Marker("household outdoors", "s", 0.62, C["bluish_green"], "white", 0.6, 1),
    "buyers": Marker("buyer visiting", "o", 0.28, C["orange"], "black", 0.4, 2),
    "officers": Marker("police officer on duty", "s", 0.55, C["sky_blue"], "black", 1.0, 4),
    "low": Marker("seller, low risk", "o", 0.6, C["blue"], "white", 0.8, 5),
    "high": Marker("seller, high risk", "D", 0.55, C["vermillion"], "white", 0.8, 5),
    "recruit": Marker("new recruit (ring)", "o", 1.0, "none", C["reddish_purple"], 2.6, 6),
    "arrested": Marker("arrested today", "X", 0.75, "black", "white", 1.0, 7),
}


#: The many small markers (household tiles, buyers) go translucent over a heat map, so a
#: crowd of buyers on the corner does not hide the dealing it is there for.
CROWD = ("indoors", "outdoors", "buyers")
UNDER_HEAT_ALPHA = 0.35


@dataclass(frozen=True)
class Layer:
    """A heat map the trainer can lay under the people."""

    label: str
    field: str
    cmap: str
    vmax: float
    unit: str
    extend: str = "max"  # values above vmax happen ("neither": vmax is the largest value)
    gamma: float = 1.0  # < 1 makes low values show (dealing is thin away from its centre)


#: Toggle value -> heat map; ``None`` shows the people alone. Fixed colour scales, so a
#: colour means the same on every day; they end where the market area's values do.
LAYERS: dict[str, Layer | None] = {
    "none": None,
    "disorder": Layer("Disorder", "disorder", "YlOrBr", 0.6, "index, 0-1"),
    "dealing": Layer("Dealing", "dealing", "Purples", 20.0, "sales per cell per day", gamma=0.5),
    "presence": Layer(
        "Residents out",
        "residents_outdoors",
        "magma",
        1.0,
        "share of nearby households outdoors",
        extend="neither",
    ),
}


def legend_handles() -> list[Line2D]:
    """Legend entries: every kind of person, then the two zone outlines."""
    zones = [
        Line2D([], [], color="#333333", linewidth=1.6, label="market area"),
        Line2D([], [], color="#333333", linewidth=1.2, linestyle="--", label="catchment ring"),
    ]
    return [m.handle() for m in MARKERS.values()] + zones


def view(snap: dict[str, Any], margin: int = MARGIN) -> tuple[slice, slice]:
    """The cells the map shows, as ``[y, x]`` slices: the market area and its catchment
    ring with ``margin`` cells around them, inside the grid."""
    zone = np.asarray(snap["market_mask"]) | np.asarray(snap["catchment_mask"])
    ys, xs = np.nonzero(zone)
    height, width = zone.shape
    return (
        slice(max(0, ys.min() - margin), min(height, ys.max() + margin + 1)),
        slice(max(0, xs.min() - margin), min(width, xs.max() + margin + 1)),
    )


def _xy(points: dict[str, Any], mask: np.ndarray | None = None, jitter: bool = True) -> np.ndarray:
    """(n, 2) cell centres, optionally filtered, spread a little within their cell."""
    xy = np.column_stack([np.asarray(points["x"], float), np.asarray(points["y"], float)])
    if mask is not None:
        xy = xy[np.asarray(mask, bool)]
    if jitter:
        xy = xy + np.random.default_rng(0).uniform(-_JITTER, _JITTER, size=xy.shape)
    return xy


class LiveMap:
    """The map's figure, built once per model and updated in place every day.

    The axes, zone outlines, colour bars and legend are made and drawn once; a redraw
    moves the scatters and repaints the visible heat map on that background.
    """

    def __init__(self, snap: dict[str, Any], legend: bool = True) -> None:
        height, width = snap["market_mask"].shape
        rows, cols = view(snap)
        self.fig = Figure(figsize=(6.4, 8.3 if legend else 6.8), dpi=100)
        bottom = 0.335 if legend else 0.14
        ax = self.fig.add_axes((0.02, bottom, 0.96, 0.985 - bottom))
        ax.set_xlim(cols.start - 0.5, cols.stop - 0.5)
        ax.set_ylim(rows.start - 0.5, rows.stop - 0.5)
        ax.set_aspect("equal")
        ax.set_facecolor("white")
        ax.set_xticks([])
        ax.set_yticks([])
        zone = np.asarray(snap["market_mask"]) | np.asarray(snap["catchment_mask"])
        background = set(ax.collections)
        draw_outline(ax, snap["market_mask"], colors="#333333", linewidths=1.6)
        draw_outline(ax, zone, colors="#333333", linewidths=1.2, linestyles="dashed")
        self.outlines = [c for c in ax.collections if c not in background]
        for outline in self.outlines:  # drawn with the moving artists, above the tiles
            outline.set_animated(True)
            outline.set_zorder(1.5)
        box = ax.get_position()  # the axes' box; aspect "equal" keeps the smaller side
        cell_points = 72 * min(
            box.width * self.fig.get_figwidth() / (cols.stop - cols.start),
            box.height * self.fig.get_figheight() / (rows.stop - rows.start),
        )
        self.people = {name: marker.scatter(ax, cell_points) for name, marker in MARKERS.items()}
        self.heat: dict[str, tuple[AxesImage, Colorbar]] = {}
        for name, layer in LAYERS.items():
            if layer is None:
                continue
            image = ax.imshow(
                np.zeros((height, width)),
                origin="lower",
                cmap=layer.cmap,
                norm=PowerNorm(layer.gamma, vmin=0, vmax=layer.vmax),
                interpolation="nearest",
                alpha=0.9,
                zorder=0,
                animated=True,
            )
            bar = self.fig.colorbar(
                image,
                cax=self.fig.add_axes((0.2, bottom - 0.05, 0.6, 0.016)),
                orientation="horizontal",
                extend=layer.extend,
            )
            bar.set_label(f"{layer.label} ({layer.unit})", fontsize=LEGEND_SIZE - 1)
            bar.ax.tick_params(labelsize=LEGEND_SIZE - 2)
            self.heat[name] = (image, bar)
        if legend:
            self.fig.legend(
                handles=legend_handles(),
                loc="lower center",
                ncols=2,
                fontsize=LEGEND_SIZE,
                frameon=False,
                bbox_to_anchor=(0.5, 0.0),
                handletextpad=0.3,
                columnspacing=1.2,
                labelspacing=0.35,
            )
        self.canvas = BlitCanvas(self.fig)
        self.layer: str | None = None
        self.shape = np.asarray(snap["market_mask"]).shape  # the grid it was made for

    def png(self, snap: dict[str, Any], layer: str = "none") -> bytes:
        """Today's map as PNG bytes, over the ``layer`` heat map (a ``LAYERS`` key)."""
        if layer != self.layer:  # another colour bar: the still part changes
            for name, (_, bar) in self.heat.items():
                bar.ax.set_visible(name == layer)
            self.canvas.redraw_all()
            self.layer = layer
        moving: list[Artist] = list(self.outlines)
        if layer in self.heat:
            image = self.heat[layer][0]
            image.set_data(snap["fields"][LAYERS[layer].field])
            moving.append(image)
        veiled = layer in self.heat
        for name, xy in positions(snap).items():
            self.people[name].set_offsets(xy)
            self.people[name].set_alpha(UNDER_HEAT_ALPHA if veiled and name in CROWD else None)
            moving.append(self.people[name])
        return self.canvas.png(moving)


@cache
def legend_png() -> bytes:
    """The map's legend alone, as PNG bytes, wide and short (under the fork's two maps,
    which have none of their own)."""
    fig = Figure(figsize=(7.6, 1.35), dpi=100)
    fig.legend(
        handles=legend_handles(),
        loc="center",
        ncols=3,
        fontsize=LEGEND_SIZE - 1,
        frameon=False,
        handletextpad=0.3,
        columnspacing=1.2,
        labelspacing=0.3,
    )
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def positions(snap: dict[str, Any]) -> dict[str, np.ndarray]:
    """Where each kind of person in ``MARKERS`` is drawn today: (n, 2) arrays."""
    res, sellers = snap["residents"], snap["sellers"]
    out = np.asarray(res["outdoors"], bool)
    high = np.asarray(sellers["high_risk"], bool)
    seller_xy = _xy(sellers)
    return {
        "indoors": _xy(res, ~out, jitter=False),
        "outdoors": _xy(res, out, jitter=False),
        "buyers": _xy(snap["buyers"]),
        "officers": _xy(snap["officers"]),
        "low": seller_xy[~high],
        "high": seller_xy[high],
        "recruit": seller_xy[np.asarray(sellers["new_recruit"], bool)],
        "arrested": _xy(snap["arrested_today"]),
    }
