"""The live plots: four panels of the run so far, its same-seed baseline dashed, and the
policy's days marked (shaded sweeps and DMI phases, a line at the call-in).

The day axis follows the run: it covers the days run so far with some room ahead, and
grows in round steps (30, 60, 90, 120, 180... days) so the picture is redrawn whole only
now and then. Noisy daily counts are shown as 30-day totals, which is how a trainer would
say them ("12 new recruits in the last month").
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
TITLE_SIZE, TEXT_SIZE, TICK_SIZE = 13, 11, 10  # points, for a projected screen
HEADROOM = 1.25  # a y axis grows to a round number above this times the highest value
#: Right ends the day axis steps through as the run goes (then multiples of a year).
DAY_STEPS = (30, 60, 90, 120, 180, 240, 365, 480, 600, 730, 900, 1095)
YEAR = 365


def day_axis_end(day: int, days: int) -> int:
    """The day axis' right end on ``day`` of a ``days``-long run: the first round step
    with at least a fifth of the days so far still ahead (never past the run's end)."""
    want = day * 1.2
    end = next((step for step in DAY_STEPS if step >= want), None)
    if end is None:
        end = YEAR * int(np.ceil(want / YEAR))
    return int(min(end, days)) if days > 0 else end


def round_up(value: float) -> float:
    """The next 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (> 0)."""
    power = 10.0 ** np.floor(np.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value - 1e-12)


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
    ylim: tuple[float, float] | None = None  # fixed; None: from (0, top), growing
    top: float = 1.0  # where a growing y axis starts (about the values of a burn-in)


PANELS = (
    Panel(
        "Sellers",
        "persons",
        (
            Line("active_sellers", "active sellers", C["blue"]),
            Line(
                "new_recruits",
                f"new recruits, last {WINDOW} days",
                C["reddish_purple"],
                _last_month,
            ),
        ),
        top=40.0,
    ),
    Panel(
        "Arrests, custody",
        "persons",
        (
            Line("arrests_sellers", "seller arrests, total", C["black"], _so_far),
            Line("incarcerated", "in jail or prison", C["vermillion"]),
        ),
        top=25.0,
    ),
    Panel(
        "Residents",
        "share, 0-1",
        (
            Line("residents_outdoors_market", "out, near market", C["bluish_green"]),
            Line("residents_outdoors", "out, all", C["sky_blue"]),
            Line("collective_efficacy", "collective efficacy", C["orange"]),
        ),
        ylim=(0.0, 1.0),
    ),
    Panel(
        "Violence",
        "incidents",
        (
            Line(
                "violent_incidents",
                f"violent incidents, last {WINDOW} days",
                C["vermillion"],
                _last_month,
            ),
        ),
        top=10.0,
    ),
)
#: The marks each strategy can make, so the legend is complete from the start of a run
#: (and never redrawn in the middle of it).
STRATEGY_EVENTS = {
    "baseline": set(),
    "crackdown": {"sweep"},
    "hotspot": {"hotspot"},
    "dmi": {"investigation", "call_in", "maintenance"},
    "crackdown_then_dmi": {"sweep", "investigation", "call_in", "maintenance"},
}

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
    return ax.axvspan(
        span.first, span.last + 1, color=color, alpha=alpha, linewidth=0, zorder=0.5, animated=True
    )


def _marks_legend(events: set[str]) -> list[Artist]:
    """Legend entries for the marks on the plots so far."""
    handles: list[Artist] = [
        Line2D([], [], color="#555555", linestyle=":", label="policy starts"),
        Line2D([], [], color="#777777", linestyle="--", label="same seed, no policy"),
    ]
    handles += [
        Patch(color=color, alpha=min(1.0, 2.5 * alpha), label=label)
        for event, (color, alpha, label) in SHADES.items()
        if event in events
    ]
    if CALL_IN in events:
        handles.append(Line2D([], [], color=C["blue"], linewidth=2.0, label="call-in"))
    return handles


def _style_axes(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", fontweight="bold")
    ax.set_ylabel(ylabel, fontsize=TEXT_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)
    ax.grid(alpha=0.3)


def _panel_legend(ax: Axes, columns: int) -> None:
    ax.legend(
        loc="lower right",
        bbox_to_anchor=(1.0, 0.98),
        fontsize=TEXT_SIZE,
        frameon=False,
        ncols=columns,
        borderaxespad=0.0,
        handlelength=1.0,
        handletextpad=0.3,
        columnspacing=0.8,
    )


class _Axes:
    """What the live figures share: a y axis that grows to round numbers (never shrinks)
    and a day axis that follows the run (``day_axis_end``). Each change of either redraws
    the still part of the figure; between changes only the lines move."""

    def __init__(self, axes: Sequence[Axes], canvas: BlitCanvas, days: int) -> None:
        self.axes, self.canvas, self.days = list(axes), canvas, days

    def follow(self, day: int, highest: Sequence[float], fixed: Sequence[bool]) -> None:
        end = day_axis_end(day, self.days)
        if self.axes[-1].get_xlim()[1] != end:
            self.axes[-1].set_xlim(0, end)
            self.canvas.redraw_all()
        for ax, top, keep in zip(self.axes, highest, fixed, strict=True):
            if not keep and top > ax.get_ylim()[1]:
                ax.set_ylim(0, round_up(HEADROOM * top))
                self.canvas.redraw_all()

    def day_range(self) -> tuple[int, int]:
        """The days shown on the x axis."""
        low, high = self.axes[-1].get_xlim()
        return int(low), int(high)


class LivePlots:
    """The four panels, built once per page and updated in place every day: the lines and
    the policy's marks are redrawn on a saved background (see ``BlitCanvas``), the axes
    only when an axis must grow or the legend gains an entry. ``restart`` readies them
    for a new run (after Reset) without building the figure again.

    Args:
        start: the policy's first day (dotted line).
        days: the run's length (the day axis never goes past it).
    """

    def __init__(self, start: int, days: int, strategy: str | None = None) -> None:
        self.fig = Figure(figsize=(6.4, 7.4), dpi=100)
        self.axes = self.fig.subplots(len(PANELS), 1, sharex=True)
        self.fig.subplots_adjust(left=0.11, right=0.98, top=0.955, bottom=0.15, hspace=0.45)
        self.lines: list[tuple[Panel, Line, Line2D, Line2D]] = []
        self.start_lines = []
        for ax, panel in zip(self.axes, PANELS, strict=True):
            self.start_lines.append(
                ax.axvline(start, color="#555555", linewidth=1.2, linestyle=":")
            )
            for line in panel.lines:
                ghost = ax.plot(
                    [],
                    [],
                    color=line.color,
                    linewidth=1.3,
                    linestyle="--",
                    alpha=0.75,
                    animated=True,
                )[0]
                run = ax.plot(
                    [], [], color=line.color, linewidth=2.2, label=line.label, animated=True
                )[0]
                self.lines.append((panel, line, run, ghost))
            _style_axes(ax, panel.title, panel.ylabel)
            _panel_legend(ax, len(panel.lines))
        self.axes[-1].set_xlabel("day", fontsize=TEXT_SIZE)
        self.marks: list[Artist] = []
        self.legend = self.fig.legend()
        self.legend_events: set[str] | None = None
        self.canvas = BlitCanvas(self.fig)
        self.grow = _Axes(self.axes, self.canvas, days)
        self.expected: set[str] = set()
        self.restart(start, days, strategy)

    def restart(self, start: int, days: int, strategy: str | None = None) -> None:
        """A new run: axes back to their first extent, the policy start moved, the legend
        listing the marks ``strategy`` makes (else marks join it as they appear)."""
        for ax, panel, mark in zip(self.axes, PANELS, self.start_lines, strict=True):
            ax.set_ylim(*(panel.ylim or (0.0, panel.top)))
            mark.set_xdata([start, start])
        self.axes[-1].set_xlim(0, day_axis_end(0, days))
        self.grow.days = days
        self.expected = STRATEGY_EVENTS.get(strategy, set())
        self.canvas.redraw_all()

    def day_range(self) -> tuple[int, int]:
        """The days the x axis shows now."""
        return self.grow.day_range()

    def png(self, run: pd.DataFrame, ghost: pd.DataFrame | None, spans: Sequence[Span]) -> bytes:
        """The run's series so far (``ghost``: the baseline's, dashed) as PNG bytes."""
        highest = dict.fromkeys(PANELS, 1.0)
        for panel, line, run_line, ghost_line in self.lines:
            for frame, artist in ((run, run_line), (ghost, ghost_line)):
                if frame is not None and len(frame):
                    values = line.transform(frame[line.column])
                    artist.set_data(frame["day"] + 1, values)
                    highest[panel] = max(highest[panel], float(np.nanmax(values)))
                else:
                    artist.set_data([], [])
        self.grow.follow(
            len(run),
            [highest[panel] for panel in PANELS],
            [panel.ylim is not None for panel in PANELS],
        )
        for mark in self.marks:
            mark.remove()
        self.marks = [_shade(ax, span) for ax in self.axes for span in spans]
        events = self.expected | {span.event for span in spans}
        if events != self.legend_events:
            self.legend.remove()
            self.legend = self.fig.legend(
                handles=_marks_legend(events),
                loc="lower center",
                bbox_to_anchor=(0.5, 0.0),
                ncols=3,
                fontsize=TEXT_SIZE,
                frameon=False,
            )
            self.legend_events = events
            self.canvas.redraw_all()
        moving = self.marks + [
            artist for *_, run_line, ghost_line in self.lines for artist in (ghost_line, run_line)
        ]
        return self.canvas.png(moving)


#: The fork's panels: what tells a sweep from the DMI (replacement, community's return).
FORK_PANELS = (
    Panel(
        "Sellers on the street",
        "persons",
        (Line("active_sellers", "active sellers", C["black"]),),
        top=40.0,
    ),
    Panel(
        f"New recruits, last {WINDOW} days",
        "persons",
        (Line("new_recruits", "new recruits", C["black"], _last_month),),
        top=40.0,
    ),
    Panel(
        "Near-market households out",
        "share, 0-1",
        (Line("residents_outdoors_market", "outdoors near market", C["black"]),),
        ylim=(0.0, 1.0),
    ),
    Panel(
        "In jail or prison",
        "persons",
        (Line("incarcerated", "in jail or prison", C["black"]),),
        top=25.0,
    ),
)


class ForkPlots:
    """The fork's panels: each branch one colour, the run as it was going (``thin``) a
    thinner line, the fork day a dotted line. Drawn smaller than ``LivePlots`` (it shares
    the screen with two maps) with the same type sizes.

    Args:
        branches: label -> colour, in legend order.
        fork_day: the day the branches part.
        days: the run's length.
        thin: the label drawn thinner (the run as it was going).
    """

    def __init__(
        self, branches: dict[str, str], fork_day: int, days: int, thin: str | None = None
    ) -> None:
        self.fig = Figure(figsize=(4.8, 6.9), dpi=100)
        self.axes = self.fig.subplots(len(FORK_PANELS), 1, sharex=True)
        self.fig.subplots_adjust(left=0.14, right=0.97, top=0.96, bottom=0.16, hspace=0.5)
        self.lines: dict[str, list[Line2D]] = {name: [] for name in branches}
        for ax, panel in zip(self.axes, FORK_PANELS, strict=True):
            ax.axvline(fork_day, color="#333333", linewidth=1.4, linestyle=":")
            for name, color in branches.items():
                style = {"linewidth": 1.6} if name == thin else {"linewidth": 2.6}
                self.lines[name].append(ax.plot([], [], color=color, animated=True, **style)[0])
            _style_axes(ax, panel.title, panel.ylabel)
            ax.set_ylim(*(panel.ylim or (0.0, panel.top)))
        self.axes[-1].set_xlabel("day", fontsize=TEXT_SIZE)
        handles = [
            Line2D([], [], color=color, linewidth=1.6 if name == thin else 2.6, label=name)
            for name, color in branches.items()
        ]
        handles.append(Line2D([], [], color="#333333", linestyle=":", label="fork day"))
        self.fig.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=2,
            fontsize=TEXT_SIZE + 1,
            frameon=False,
            handlelength=1.5,
            columnspacing=1.0,
        )
        self.canvas = BlitCanvas(self.fig)
        self.grow = _Axes(self.axes, self.canvas, days)
        self.axes[-1].set_xlim(0, day_axis_end(fork_day, days))

    def day_range(self) -> tuple[int, int]:
        """The days the x axis shows now."""
        return self.grow.day_range()

    def png(self, frames: dict[str, pd.DataFrame]) -> bytes:
        """Each branch's series so far (``frames``: label -> daily series) as PNG bytes."""
        highest = [1.0] * len(FORK_PANELS)
        day = 0
        for name, frame in frames.items():
            day = max(day, len(frame))
            for i, (panel, artist) in enumerate(zip(FORK_PANELS, self.lines[name], strict=True)):
                line = panel.lines[0]
                values = line.transform(frame[line.column])
                artist.set_data(frame["day"] + 1, values)
                if len(values):
                    highest[i] = max(highest[i], float(np.nanmax(values)))
        self.grow.follow(day, highest, [panel.ylim is not None for panel in FORK_PANELS])
        return self.canvas.png([artist for lines in self.lines.values() for artist in lines])
