"""An animated GIF of one run, for trainers: sellers removed by sweeps and replaced.

The run is stepped day by day through ``DrugMarketModel.step()`` and drawn from
``snapshot()``, one frame every few days: active sellers by risk class, new recruits ringed,
sellers arrested since the last frame crossed out, police, the market area and catchment
ring outlined, and a strip chart of active sellers so the dip and the recovery read at a
glance. Frames are blitted (see ``_Frame``) and written with Pillow, the library behind
matplotlib's ``PillowWriter``, as 64-colour palette images: a year of frames is a few MB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from dmi_sim.api import trace
from dmi_sim.params import Params
from dmi_sim.studies.kit.plots import OKABE_ITO, draw_outline

_JITTER = 0.28  # cells: spreads sellers who share a cell so each stays visible


def _xy(points: dict[str, Any], mask: np.ndarray | None = None) -> np.ndarray:
    """(n, 2) array of cell centres, optionally filtered by a boolean mask."""
    xy = np.column_stack([np.asarray(points["x"], float), np.asarray(points["y"], float)])
    return xy if mask is None else xy[np.asarray(mask, bool)]


def _jitter(xy: np.ndarray) -> np.ndarray:
    """Small offsets that are the same for the same drawing order in every frame."""
    return xy + np.random.default_rng(0).uniform(-_JITTER, _JITTER, size=xy.shape)


class _Frame:
    """The figure's artists, created once and updated for every frame.

    Moving artists are ``animated``: each frame restores a saved background and draws only
    them (blitting), about ten times faster than redrawing the figure; the background is
    redrawn only when it changes (a new sweep band, a taller strip chart).
    """

    def __init__(self, snap: dict[str, Any], first_day: int, last_day: int, title: str, dpi: int):
        height, width = snap["market_mask"].shape
        self.fig = Figure(figsize=(6.0, 7.5), dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        grid = self.fig.add_gridspec(2, 1, height_ratios=[4, 1.2])
        ax = self.fig.add_subplot(grid[0])
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(-0.5, height - 0.5)
        ax.set_aspect("equal")
        ax.set_xlabel("x (cells)")
        ax.set_ylabel("y (cells)")
        for mask, style in ((snap["catchment_mask"], "dashed"), (snap["market_mask"], "solid")):
            draw_outline(ax, mask, colors="#555555", linestyles=style, linewidths=1.2)
        c = OKABE_ITO
        self.police = ax.scatter(
            [],
            [],
            marker="s",
            s=28,
            color=c["sky_blue"],
            edgecolors="black",
            linewidths=0.5,
            zorder=2,
        )
        self.low = ax.scatter([], [], marker="o", s=40, color=c["blue"], zorder=3)
        self.high = ax.scatter([], [], marker="D", s=40, color=c["vermillion"], zorder=3)
        self.recruits = ax.scatter(
            [],
            [],
            marker="o",
            s=140,
            facecolors="none",
            edgecolors=c["reddish_purple"],
            linewidths=2,
            zorder=4,
        )
        self.arrested = ax.scatter([], [], marker="X", s=90, color="black", zorder=5)
        self.banner = ax.text(
            0.5,
            0.97,
            "",
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=16,
            fontweight="bold",
            color="white",
            bbox={"facecolor": c["vermillion"], "edgecolor": "none"},
            zorder=6,
        )
        self.clock = ax.text(
            0.02,
            0.02,
            "",
            transform=ax.transAxes,
            fontsize=11,
            bbox={"facecolor": "white", "edgecolor": "#555555"},
            zorder=6,
        )
        ax.legend(
            handles=[
                Line2D([], [], marker="o", linestyle="", color=c["blue"], label="low-risk seller"),
                Line2D(
                    [],
                    [],
                    marker="D",
                    linestyle="",
                    color=c["vermillion"],
                    label="high-risk seller",
                ),
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor="none",
                    markersize=11,
                    markeredgewidth=2,
                    color=c["reddish_purple"],
                    label="new recruit",
                ),
                Line2D(
                    [],
                    [],
                    marker="X",
                    linestyle="",
                    color="black",
                    markersize=9,
                    label="arrested (since last frame)",
                ),
                Line2D(
                    [],
                    [],
                    marker="s",
                    linestyle="",
                    color=c["sky_blue"],
                    markeredgecolor="black",
                    label="police officer",
                ),
                Line2D([], [], color="#555555", label="market area"),
                Line2D([], [], color="#555555", linestyle="--", label="catchment ring"),
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncols=3,
            fontsize=8,
            frameon=False,
        )
        self.fig.suptitle(title, fontsize=10)

        self.strip = self.fig.add_subplot(grid[1])
        self.strip.set_xlim(first_day, last_day)
        self.strip.set_ylim(0, 1.5 * len(snap["sellers"]["x"]) + 2)
        self.strip.set_xlabel("day of simulation")
        self.strip.set_ylabel("active sellers")
        self.strip.grid(alpha=0.3)
        (self.line,) = self.strip.plot([], [], color=c["blue"], linewidth=1.5)
        self.moving = [
            self.police,
            self.low,
            self.high,
            self.recruits,
            self.arrested,
            self.banner,
            self.clock,
            self.line,
        ]
        for artist in self.moving:
            artist.set_animated(True)
        self.days: list[int] = []
        self.counts: list[int] = []
        self.background: Any = None

    def draw(
        self, snap: dict[str, Any], arrested: np.ndarray, events: set[str], sweep_days: list[int]
    ) -> None:
        """Move every artist to the state of ``snap``; shade ``sweep_days`` in the strip."""
        sellers = snap["sellers"]
        high = np.asarray(sellers["high_risk"], bool)
        self.low.set_offsets(_jitter(_xy(sellers, ~high)))
        self.high.set_offsets(_jitter(_xy(sellers, high)))
        self.recruits.set_offsets(_jitter(_xy(sellers, sellers["new_recruit"])))
        self.arrested.set_offsets(arrested)
        self.police.set_offsets(_xy(snap["officers"]))
        self.clock.set_text(f"Day {snap['day']}: {high.size} active sellers")
        self.banner.set_text(" / ".join(sorted(e.replace("_", "-").upper() for e in events)))
        self.banner.set_visible(bool(events))
        self.days.append(snap["day"])
        self.counts.append(high.size)
        self.line.set_data(self.days, self.counts)
        for day in sweep_days:
            self.strip.axvspan(
                day - 0.5, day + 0.5, color=OKABE_ITO["vermillion"], alpha=0.6, linewidth=0
            )  # the banner's colour, still the same hue
            self.background = None
        if high.size > self.strip.get_ylim()[1]:
            self.strip.set_ylim(0, 1.5 * high.size)
            self.background = None

    def render(self) -> Image.Image:
        """The current frame as a palette image (what a GIF stores)."""
        if self.background is None:
            self.canvas.draw()
            self.fig.set_layout_engine("none")  # laid out once; later redraws keep it
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        rgba = Image.frombuffer(
            "RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        )
        return rgba.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE)


def animate_run(
    params: Params,
    seed: int,
    path: Path,
    first_day: int,
    last_day: int,
    every: int = 3,
    dpi: int = 100,
    fps: int = 8,
) -> Path:
    """Run ``params`` with ``seed`` and write a GIF of days ``[first_day, last_day]``.

    One frame every ``every`` days; what happened on the days in between (arrests, sweeps)
    is carried into the next frame so no sweep goes unseen.
    """
    days = trace(params, seed, first_day)
    snap = next(days)
    title = (
        f"Scenario '{params.scenario}', one run\nSweeps remove sellers, recruits "
        "replace them; vermillion bands in the strip: sweep days"
    )
    frame = _Frame(snap, first_day, last_day, title, dpi)
    images = []
    for _ in range(first_day, last_day, every):
        arrested, events, sweep_days = [], set(), []
        for _ in range(every):
            snap = next(days)
            arrested.append(_xy(snap["arrested_today"]))
            events.update(snap["events"])
            if "sweep" in snap["events"]:
                sweep_days.append(snap["day"])
        frame.draw(snap, np.concatenate(arrested), events, sweep_days)
        images.append(frame.render())
    images[0].save(path, save_all=True, append_images=images[1:], duration=1000 // fps, loop=0)
    return path
