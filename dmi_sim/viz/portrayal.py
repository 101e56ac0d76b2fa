"""The neighbourhood map: who is where today, on an optional heat map, with its legend.

Drawn from ``snapshot()`` with one matplotlib scatter per kind of person (a few thousand
points in all), not one portrayal call per agent: people live in numpy columns and the
whole map takes a few tens of milliseconds. Colours are Okabe-Ito (colour-blind safe) and
every kind also differs in marker shape, so the map reads on a washed-out projector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colorbar import Colorbar
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from dmi_sim.studies.kit.plots import OKABE_ITO, draw_outline
from dmi_sim.viz.canvas import BlitCanvas

C = OKABE_ITO
_JITTER = 0.3  # cells: spreads people who share a cell so each stays visible


@dataclass(frozen=True)
class Marker:
    """How one kind of person is drawn, and its legend label."""

    label: str
    marker: str
    size: float
    face: str
    edge: str = "none"
    width: float = 0.0
    zorder: int = 3

    def scatter(self, ax: Axes) -> PathCollection:
        """An empty scatter in this style (``set_offsets`` fills it)."""
        return ax.scatter(np.zeros(0), np.zeros(0), marker=self.marker, s=self.size,
                          c=self.face, edgecolors=self.edge, linewidths=self.width,
                          zorder=self.zorder, animated=True)

    def handle(self) -> Line2D:
        """The legend entry."""
        return Line2D([], [], linestyle="", marker=self.marker, markersize=np.sqrt(self.size),
                      markerfacecolor=self.face, markeredgecolor=self.edge,
                      markeredgewidth=self.width, label=self.label)


MARKERS = {
    "indoors": Marker("household indoors", "s", 9, "none", "#B8B8B8", 0.8, 1),
    "outdoors": Marker("household outdoors", "s", 12, C["bluish_green"], zorder=1),
    "buyers": Marker("buyer visiting", "o", 9, C["orange"], zorder=2),
    "officers": Marker("police officer on duty", "s", 55, C["sky_blue"], "black", 0.8, 4),
    "low": Marker("seller, low risk", "o", 60, C["blue"], "white", 0.6, 5),
    "high": Marker("seller, high risk", "D", 55, C["vermillion"], "white", 0.6, 5),
    "recruit": Marker("new recruit (ring)", "o", 190, "none", C["reddish_purple"], 2.2, 6),
    "arrested": Marker("arrested today", "X", 110, "black", "white", 0.8, 7),
}


@dataclass(frozen=True)
class Layer:
    """A heat map the trainer can lay under the people."""

    label: str
    field: str
    cmap: str
    vmax: float
    unit: str
    extend: str = "max"  # values above vmax happen ("neither": vmax is the largest value)


#: Toggle value -> heat map; ``None`` shows the people alone. Fixed colour scales, so a
#: colour means the same on every day; they end where the market area's values do.
LAYERS: dict[str, Layer | None] = {
    "none": None,
    "disorder": Layer("Disorder", "disorder", "YlOrBr", 0.6, "index, 0-1"),
    "dealing": Layer("Dealing", "dealing", "Purples", 20.0, "sales per cell per day"),
    "presence": Layer("Residents out", "residents_outdoors", "Greens", 1.0,
                      "share of nearby households outdoors", extend="neither"),
}


def legend_handles() -> list[Line2D]:
    """Legend entries: every kind of person, then the two zone outlines."""
    zones = [Line2D([], [], color="#333333", linewidth=1.6, label="market area"),
             Line2D([], [], color="#333333", linewidth=1.2, linestyle="--",
                    label="catchment ring")]
    return [m.handle() for m in MARKERS.values()] + zones


def _xy(points: dict[str, Any], mask: np.ndarray | None = None, jitter: bool = True
        ) -> np.ndarray:
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

    def __init__(self, snap: dict[str, Any]) -> None:
        height, width = snap["market_mask"].shape
        self.fig = Figure(figsize=(6.4, 7.4), dpi=100)
        ax = self.fig.add_axes((0.02, 0.215, 0.96, 0.775))
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(-0.5, height - 0.5)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        zone = np.asarray(snap["market_mask"]) | np.asarray(snap["catchment_mask"])
        background = set(ax.collections)
        draw_outline(ax, snap["market_mask"], colors="#333333", linewidths=1.6)
        draw_outline(ax, zone, colors="#333333", linewidths=1.2, linestyles="dashed")
        self.outlines = [c for c in ax.collections if c not in background]
        for outline in self.outlines:  # drawn with the moving artists, above the heat map
            outline.set_animated(True)
            outline.set_zorder(0.5)
        self.people = {name: marker.scatter(ax) for name, marker in MARKERS.items()}
        self.heat: dict[str, tuple[AxesImage, Colorbar]] = {}
        for name, layer in LAYERS.items():
            if layer is None:
                continue
            image = ax.imshow(np.zeros((height, width)), origin="lower", cmap=layer.cmap,
                              vmin=0, vmax=layer.vmax, interpolation="nearest", alpha=0.6,
                              zorder=0, animated=True)
            bar = self.fig.colorbar(image, cax=self.fig.add_axes((0.25, 0.19, 0.5, 0.013)),
                                    orientation="horizontal", extend=layer.extend)
            bar.set_label(f"{layer.label} ({layer.unit})", fontsize=9)
            bar.ax.tick_params(labelsize=8)
            self.heat[name] = (image, bar)
        self.fig.legend(handles=legend_handles(), loc="lower center", ncols=3, fontsize=10,
                        frameon=False, bbox_to_anchor=(0.5, 0.0), handletextpad=0.3,
                        columnspacing=1.0)
        self.canvas = BlitCanvas(self.fig)
        self.layer: str | None = None

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
        for name, xy in positions(snap).items():
            self.people[name].set_offsets(xy)
            moving.append(self.people[name])
        return self.canvas.png(moving)


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
