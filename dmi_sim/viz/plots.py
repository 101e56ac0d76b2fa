"""The live plots: four panels of the run so far, its same-seed baseline dashed, and the
policy's days marked (shaded sweeps and DMI phases, a line at the call-in).

The x axis spans the whole run from the start, so the picture fills in as the run goes
instead of rescaling at every step. Noisy daily counts are shown as 30-day totals, which
is how a trainer would say them ("12 new recruits in the last month").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from dmi_sim.studies.kit.plots import OKABE_ITO
from dmi_sim.viz.canvas import BlitCanvas
from dmi_sim.viz.phases import Span

C = OKABE_ITO
WINDOW = 30  # days in the running totals
HEADROOM = 1.25  # a y axis grows to this times the highest value, so it grows rarely


def _daily(values: pd.Series) -> np.ndarray:
    return values.to_numpy(float)


def _last_month(values: pd.Series) -> np.ndarray:
    return values.rolling(WINDOW, min_periods=1).sum().to_numpy(float)


def _so_far(values: pd.Series) -> np.ndarray:
    return values.cumsum().to_numpy(float)


@dataclass(frozen=True)
class Line:
    """One plotted series: a column of the daily series, transformed, labelled, coloured."""

    column: str
    label: str
    color: str
    transform: Callable[[pd.Series], np.ndarray] = _daily


@dataclass(frozen=True)
class Panel:
    """One axes: its title, y label and lines."""

    title: str
    ylabel: str
    lines: tuple[Line, ...]
    ylim: tuple[float, float] | None = None


PANELS = (
    Panel("Sellers", "persons", (
        Line("active_sellers", "active sellers", C["blue"]),
        Line("new_recruits", f"new recruits, last {WINDOW} days", C["reddish_purple"],
             _last_month),
    )),
    Panel("Arrests and incarceration", "persons", (
        Line("arrests_sellers", "seller arrests, total", C["black"], _so_far),
        Line("incarcerated", "in jail or prison", C["vermillion"]),
    )),
    Panel("Residents", "share, 0-1", (
        Line("residents_outdoors_market", "outdoors near market", C["bluish_green"]),
        Line("residents_outdoors", "outdoors, all", C["sky_blue"]),
        Line("collective_efficacy", "collective efficacy", C["orange"]),
    ), ylim=(0.0, 1.0)),
    Panel("Violence", "incidents", (
        Line("violent_incidents", f"violent incidents, last {WINDOW} days", C["vermillion"],
             _last_month),
    )),
)

#: How each policy event is marked: (colour, transparency, legend label).
SHADES = {
    "sweep": (C["vermillion"], 0.22, "crackdown sweep"),
    "hotspot": (C["orange"], 0.10, "hot-spot patrol"),
    "investigation": (C["sky_blue"], 0.18, "DMI investigation"),
    "maintenance": (C["sky_blue"], 0.07, "DMI maintenance"),
}
CALL_IN = "call_in"


def _shade(ax: Axes, span: Span) -> Artist:
    """A span's mark: a shaded band, or a line for the one-day call-in.

    Day ``d`` is the interval [d, d + 1): a series value recorded at the end of day ``d``
    is plotted at ``d + 1``.
    """
    if span.event == CALL_IN:
        return ax.axvline(span.first + 0.5, color=C["blue"], linewidth=2.0, animated=True)
    color, alpha, _ = SHADES.get(span.event, ("#999999", 0.1, span.event))
    return ax.axvspan(span.first, span.last + 1, color=color, alpha=alpha, linewidth=0,
                      zorder=0.5, animated=True)


def _marks_legend(events: set[str]) -> list[Artist]:
    """Legend entries for the marks on the plots so far."""
    handles: list[Artist] = [
        Line2D([], [], color="#555555", linestyle=":", label="policy starts"),
        Line2D([], [], color="#777777", linestyle="--", label="same seed, no policy"),
    ]
    handles += [Patch(color=color, alpha=min(1.0, 2.5 * alpha), label=label)
                for event, (color, alpha, label) in SHADES.items() if event in events]
    if CALL_IN in events:
        handles.append(Line2D([], [], color=C["blue"], linewidth=2.0, label="call-in"))
    return handles


class LivePlots:
    """The four panels, built once per model and updated in place every day: the lines and
    the policy's marks are redrawn on a saved background (see ``BlitCanvas``), the axes
    only when a y axis must grow or the legend gains an entry.

    Args:
        start: the policy's first day (dotted line).
        days: the run's length (the x axis).
    """

    def __init__(self, start: int, days: int) -> None:
        self.fig = Figure(figsize=(6.4, 7.4), dpi=100)
        self.axes = self.fig.subplots(len(PANELS), 1, sharex=True)
        self.fig.subplots_adjust(left=0.1, right=0.98, top=0.96, bottom=0.14, hspace=0.38)
        self.lines: list[tuple[Panel, Line, Line2D, Line2D]] = []
        for ax, panel in zip(self.axes, PANELS, strict=True):
            ax.axvline(start, color="#555555", linewidth=1.0, linestyle=":")
            for line in panel.lines:
                ghost = ax.plot([], [], color=line.color, linewidth=1.1, linestyle="--",
                                alpha=0.7, animated=True)[0]
                run = ax.plot([], [], color=line.color, linewidth=1.8, label=line.label,
                              animated=True)[0]
                self.lines.append((panel, line, run, ghost))
            ax.set_title(panel.title, fontsize=11, loc="left", fontweight="bold")
            ax.set_ylabel(panel.ylabel, fontsize=10)
            ax.set_ylim(*(panel.ylim or (0.0, 1.0)))
            ax.tick_params(labelsize=9)
            ax.grid(alpha=0.3)
            ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.98), fontsize=9, frameon=False,
                      ncols=len(panel.lines), borderaxespad=0.0, handlelength=1.2,
                      handletextpad=0.4, columnspacing=1.0)
        self.axes[-1].set_xlim(0, days)
        self.axes[-1].set_xlabel("day", fontsize=10)
        self.marks: list[Artist] = []
        self.legend = self.fig.legend()
        self.legend_events: set[str] | None = None
        self.canvas = BlitCanvas(self.fig)

    def png(self, run: pd.DataFrame, ghost: pd.DataFrame | None, spans: Sequence[Span]
            ) -> bytes:
        """The run's series so far (``ghost``: the baseline's, dashed) as PNG bytes."""
        highest = dict.fromkeys(PANELS, 1.0)
        for panel, line, run_line, ghost_line in self.lines:
            for frame, artist in ((run, run_line), (ghost, ghost_line)):
                if frame is not None and len(frame):
                    values = line.transform(frame[line.column])
                    artist.set_data(frame["day"] + 1, values)
                    highest[panel] = max(highest[panel], float(np.nanmax(values)))
        for ax, panel in zip(self.axes, PANELS, strict=True):
            if panel.ylim is None and highest[panel] > ax.get_ylim()[1]:
                ax.set_ylim(0, HEADROOM * highest[panel])  # grows in steps, never shrinks
                self.canvas.redraw_all()
        for mark in self.marks:
            mark.remove()
        self.marks = [_shade(ax, span) for ax in self.axes for span in spans]
        events = {span.event for span in spans}
        if events != self.legend_events:
            self.legend.remove()
            self.legend = self.fig.legend(handles=_marks_legend(events), loc="lower center",
                                          bbox_to_anchor=(0.5, 0.0), ncols=3, fontsize=9,
                                          frameon=False)
            self.legend_events = events
            self.canvas.redraw_all()
        moving = self.marks + [artist for *_, run_line, ghost_line in self.lines
                               for artist in (ghost_line, run_line)]
        return self.canvas.png(moving)
