"""The figures of the validation report: each shows the evidence a target is judged on.

Drawn on bare ``Figure`` objects (Agg), in the comparison figures' colours
(``studies.kit.plots``); bands are 95 % t-intervals over replications unless a caption
says otherwise. Every function has the signature ``(runs, checked, path) -> path``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dmi_sim.studies.kit import derived
from dmi_sim.studies.kit.plots import (
    OKABE_ITO,
    plot_cumulative,
    plot_timeseries,
    save_figure,
    scenario_styles,
)
from dmi_sim.studies.kit.stats import daily_band
from dmi_sim.studies.validation import measures as m
from dmi_sim.studies.validation.plan import FIDELITY_KNOBS, FIDELITY_LEVELS, Runs
from dmi_sim.studies.validation.targets import Checked

BAND_COLOUR = OKABE_ITO["bluish_green"]
STATUS_COLOUR = {
    "PASS": OKABE_ITO["bluish_green"],
    "FAIL": OKABE_ITO["vermillion"],
    "INCONCLUSIVE": OKABE_ITO["orange"],
    "info": OKABE_ITO["black"],
}
Checks = Mapping[str, Checked]


def _shade_band(
    ax: Axes, check: Checked, horizontal: bool = True, scale: float = 1.0, colour: str = BAND_COLOUR
) -> None:
    """The target's band as a span; none for info. Drawn after the data: an open end runs
    to the data's axis limit, a finite one widens the axis to show it."""
    if check.target.info:
        return
    low, high = (scale * b for b in check.target.band)
    span = ax.axhspan if horizontal else ax.axvspan
    limits = ax.get_ylim() if horizontal else ax.get_xlim()
    span(
        max(low, limits[0]) if np.isinf(low) else low,
        min(high, limits[1]) if np.isinf(high) else high,
        color=colour,
        alpha=0.15,
        linewidth=0,
        label=f"{check.target.id} band",
    )


def _aligned(matrix: np.ndarray, anchors: list[int], before: int, after: int) -> np.ndarray:
    """Per replication, the mean over ``anchors`` of days anchor-before .. anchor+after."""
    keep = [a for a in anchors if a - before >= 0 and a + after < matrix.shape[1]]
    if not keep:
        return np.full((matrix.shape[0], before + after + 1), np.nan)
    return np.mean([matrix[:, a - before : a + after + 1] for a in keep], axis=0)


def _band_lines(ax: Axes, curves: Mapping[str, np.ndarray], offset: int, smooth: int = 1) -> None:
    """Mean and 95 % band of replications x days curves, days counted from ``-offset``."""
    styles = scenario_styles(list(curves))
    for name, curve in curves.items():
        reps, days = curve.shape
        frame = pd.DataFrame(
            {
                "scenario": name,
                "replication": np.repeat(np.arange(reps), days),
                "day": np.tile(np.arange(days) - offset, reps),
                "value": curve.ravel(),
            }
        )
        band = daily_band(frame, "value", smooth)
        ax.fill_between(
            band["day"],
            band["low"],
            band["high"],
            color=styles[name]["color"],
            alpha=0.2,
            linewidth=0,
        )
        ax.plot(band["day"], band["mean"], label=name, linewidth=1.4, **styles[name])


def _dots(ax: Axes, x: float, values: np.ndarray, colour: str, rng: np.random.Generator) -> None:
    ax.scatter(
        x + rng.uniform(-0.15, 0.15, values.size),
        values,
        s=10,
        alpha=0.5,
        color=colour,
        linewidth=0,
    )


def plot_anchors(runs: Runs, checked: Checks, path: Path) -> Path:
    """Per-replication values of the measured anchors against their bands."""
    shown = [c for c in checked.values() if c.target.figure == "anchors"]
    fig = Figure(figsize=(3.2 * len(shown), 4.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(shown)))
    rng = np.random.default_rng(0)
    for ax, check in zip(axes, shown, strict=True):
        scale = 100 if check.target.percent else 1
        values = scale * np.asarray(check.result.values, dtype=float)
        _dots(ax, 0, values, OKABE_ITO["black"], rng)
        r = check.result
        ax.errorbar(
            [0.4],
            [scale * r.value],
            yerr=[[scale * (r.value - r.low)], [scale * (r.high - r.value)]],
            fmt="o",
            capsize=4,
            color=STATUS_COLOUR[check.verdict.status],
        )
        _shade_band(ax, check, scale=scale)
        if check.target.id == "A1":
            ax.axhspan(15, 20, color=BAND_COLOUR, alpha=0.3, linewidth=0, label="default 15-20")
        ax.set_xlim(-0.6, 0.9)
        ax.set_xticks([])
        ax.set_title(f"{check.target.id}: {check.target.name}", fontsize=9)
        ax.set_ylabel("%" if check.target.percent else check.target.unit)
        ax.grid(axis="y", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="best")
    fig.suptitle(
        "Calibration anchors at baseline, 180 days before the intervention start\n"
        "dots: replications; point and bar: mean and 95 % interval (green: PASS, red: "
        "FAIL, orange: inconclusive, black: info); shaded: the band",
        fontsize=10,
    )
    return save_figure(fig, path)


def plot_relapse(runs: Runs, checked: Checks, path: Path) -> Path:
    """Share of called-in sellers who dealt again, by days since the call-in."""
    c = m.call_in_day(runs, "dmi")
    called = runs.matrix("dmi", "called_in")[:, c:]
    after = min(180, called.shape[1] - 1)
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.subplots()
    with np.errstate(invalid="ignore", divide="ignore"):
        for column, label, colour in (
            ("relapsed", "dealt again (any time)", "blue"),
            ("relapsed_6wk", "dealt again within 42 days of the call-in", "vermillion"),
        ):
            share = 100 * runs.matrix("dmi", column)[:, c:] / called
            ax.plot(
                np.arange(after + 1),
                np.nanmean(share, axis=0)[: after + 1],
                color=OKABE_ITO[colour],
                label=label,
            )
    _shade_band(ax, checked["A7"], scale=100)
    ax.axvline(m.RELAPSE_DAYS, color="#555555", linestyle=":", label="6 weeks")
    ax.set_xlabel("days since the call-in")
    ax.set_ylabel("% of called-in sellers (mean over replications)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("A7: called-in sellers who deal again")
    return save_figure(fig, path)


def plot_sweeps(runs: Runs, checked: Checks, path: Path) -> Path:
    """Market sellers around a sweep, entrants by record, and recovery times."""
    rec = m.sweep_recovery(runs)
    starts = [s for s, _, _ in rec.sweeps]
    duration = rec.sweeps[0][1] - rec.sweeps[0][0] if rec.sweeps else 0
    before, after = 30, 120
    fig = Figure(figsize=(14, 4.4), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    curves = {
        name: _aligned(runs.matrix(name, "market_sellers"), starts, before, after)
        for name in ("baseline", "crackdown")
    }
    pre = np.nanmean(curves["crackdown"][:, before - derived.PRE_SWEEP_DAYS : before])
    ax1.axvspan(0, duration, color=OKABE_ITO["vermillion"], alpha=0.15, linewidth=0, label="sweep")
    ax1.axvspan(
        duration + 30,
        duration + 90,
        color=BAND_COLOUR,
        alpha=0.15,
        linewidth=0,
        label="1-3 months after withdrawal",
    )
    ax1.axhline(
        derived.REPLACEMENT_SHARE * pre,
        color="#555555",
        linestyle=":",
        label="50 % of the pre-sweep level",
    )
    _band_lines(ax1, curves, before)
    ax1.set_xlabel("days from the start of a sweep")
    ax1.set_ylabel("sellers in the market area")
    ax1.set_title("B1a: sellers around a sweep (mean over sweeps)", fontsize=10)
    ax1.legend(fontsize=7)
    entered = runs.matrix("crackdown", "new_recruits") + np.diff(
        runs.matrix("crackdown", "relapsed"), axis=1, prepend=0
    )
    record = runs.matrix("crackdown", "entrants_with_record")
    ax2.axvspan(0, duration, color=OKABE_ITO["vermillion"], alpha=0.15, linewidth=0)
    for series, label, colour in (
        (entered - record, "no criminal record", "blue"),
        (record, "with a record (returning arrestees)", "orange"),
    ):
        mean = np.nanmean(_aligned(series, starts, before, after), axis=0)
        ax2.plot(
            np.arange(-before, after + 1),
            derived.trailing_mean(mean, derived.SMOOTH_DAYS),
            color=OKABE_ITO[colour],
            label=label,
        )
    ax2.set_xlabel("days from the start of a sweep")
    ax2.set_ylabel("entrants per day (7-day mean)")
    ax2.set_title("B1b: who enters after a sweep", fontsize=10)
    ax2.legend(fontsize=7)
    times = rec.times[~np.isnan(rec.times)]
    gap = min((g - w for _, w, g in rec.sweeps), default=0)
    ax3.hist(
        np.where(np.isinf(times), gap, times),
        bins=np.arange(0, gap + 6, 5),
        color=OKABE_ITO["sky_blue"],
    )
    _shade_band(ax3, checked["B1a"], horizontal=False)
    ax3.axvline(checked["B1a"].result.value, color=OKABE_ITO["black"], label="median")
    ax3.set_xlabel(f"days from withdrawal to 50 % (last bar: not back in {gap} days)")
    ax3.set_ylabel("sweeps")
    ax3.set_title("B1a: recovery times", fontsize=10)
    ax3.legend(fontsize=7)
    n = len(rec.times)
    fig.suptitle(
        f"Replacement after crackdown sweeps ({n} replications x {len(starts)} "
        "sweeps; bands: 95 % intervals over replications)",
        fontsize=11,
    )
    return save_figure(fig, path)


def plot_call_in(runs: Runs, checked: Checks, path: Path) -> Path:
    """Low-risk sellers around the call-in, DMI against the same-seed baseline."""
    c = m.call_in_day(runs, "dmi")
    before, after = 60, 180
    arms = [a for a in ("baseline", "dmi", "dmi_low_fidelity") if a in set(runs.plan.design["arm"])]
    curves = {a: _aligned(runs.matrix(a, "active_sellers_low"), [c], before, after) for a in arms}
    fig = Figure(figsize=(9, 4.4), layout="constrained")
    ax = fig.subplots()
    for (lo, hi), label in (
        (m.CALL_IN_PRE, "before"),
        (m.CALL_IN_WEEK4, "week 4"),
        (m.CALL_IN_MONTH6, "6 months"),
    ):
        ax.axvspan(lo, hi - 1, color="#999999", alpha=0.15, linewidth=0)
        ax.text(
            (lo + hi) / 2, 1.01, label, transform=ax.get_xaxis_transform(), ha="center", fontsize=8
        )
    _band_lines(ax, curves, before)
    pre = np.nanmean(curves["dmi"][:, before + m.CALL_IN_PRE[0] : before])
    ax.axhline(0.5 * pre, color="#555555", linestyle=":", label="half the pre level")
    ax.axvline(0, color="#555555", linewidth=1)
    ax.set_xlabel("days from the call-in")
    ax.set_ylabel("active low-risk sellers")
    ax.set_title(
        "B2: low-risk sellers around the call-in (line: mean; band: 95 % interval)",
        fontsize=10,
        pad=16,
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


FOREST = ("B3a", "B3b", "B3c", "B5a", "B5b", "B5c", "B7", "B9a", "B9b", "B9c")


def plot_effects(runs: Runs, checked: Checks, path: Path) -> Path:
    """Forest plot: every effect target's estimate and interval over its band."""
    shown = [checked[i] for i in FOREST if i in checked]
    fig = Figure(figsize=(9, 0.55 * len(shown) + 1.6), layout="constrained")
    ax = fig.subplots()
    for k, check in enumerate(reversed(shown)):
        low, high = check.target.band
        if not check.target.info:
            ax.fill_betweenx(
                [k - 0.35, k + 0.35],
                100 * max(low, -1),
                100 * min(high, 1),
                color=BAND_COLOUR,
                alpha=0.25,
                linewidth=0,
            )
        r = check.result
        ax.errorbar(
            [100 * r.value],
            [k],
            xerr=[[100 * (r.value - r.low)], [100 * (r.high - r.value)]],
            fmt="o",
            capsize=3,
            color=STATUS_COLOUR[check.verdict.status],
        )
    ax.set_yticks(
        range(len(shown)), [f"{c.target.id} {c.target.name}" for c in reversed(shown)], fontsize=8
    )
    ax.axvline(0, color="#555555", linewidth=1)
    ax.set_xlabel(
        "% (effects: change against the same-seed baseline; B5: ring change as a "
        "share of zone transactions)",
        fontsize=8,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        "Effects with 95 % intervals (green: PASS, red: FAIL, orange: "
        "inconclusive, black: info); shaded: the band",
        fontsize=10,
    )
    return save_figure(fig, path)


def _scenario_runs(
    runs: Runs, arms: tuple[str, ...], columns: list[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    present = [a for a in arms if a in set(runs.plan.design["arm"])]
    long = runs.long({a: (a, None) for a in present}, columns)
    return long, {a: int(runs.params(a)["run.intervention_start"]) for a in present}


def plot_arrests(runs: Runs, checked: Checks, path: Path) -> Path:
    """Cumulative arrests and custody, crackdown against DMI (the comparison figure)."""
    long, starts = _scenario_runs(
        runs,
        ("baseline", "crackdown", "dmi"),
        ["arrests_sellers", "arrests_buyers", "incarcerated"],
    )
    return plot_cumulative(long, starts, path)


def plot_displacement(runs: Runs, checked: Checks, path: Path) -> Path:
    """Transactions in the catchment ring and the market area over time."""
    long, starts = _scenario_runs(
        runs,
        ("baseline", "crackdown", "hotspot", "dmi"),
        ["transactions_catchment", "transactions_market"],
    )
    return plot_timeseries(
        long,
        ["transactions_catchment", "transactions_market"],
        starts,
        path,
        "B5: activity in the catchment ring and the market area",
    )


def plot_deterrence(runs: Runs, checked: Checks, path: Path) -> Path:
    """A crackdown held for months against the same-seed baseline: sellers, arrests, trade
    and entrants."""
    columns = ["active_sellers", "arrests_sellers", "transactions_market", "new_recruits"]
    long = runs.long(
        {"baseline": ("baseline", None), "sustained crackdown": ("long_crackdown", None)}, columns
    )
    start = int(runs.params("long_crackdown")["run.intervention_start"])
    return plot_timeseries(
        long,
        columns,
        {"baseline": start, "sustained crackdown": start},
        path,
        "B8: a crackdown held for 180 days, then withdrawn",
    )


def plot_community(runs: Runs, checked: Checks, path: Path) -> Path:
    """End state against starting fear; trajectories from several starts; the abandoned
    start under baseline, DMI and crackdown."""
    cs = m.community_states(runs)
    fig = Figure(figsize=(15, 4.6), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    rng = np.random.default_rng(0)
    reclaimed = cs.reclaimed(cs.ends)
    for state, colour, label in ((True, "blue", "reclaimed"), (False, "vermillion", "abandoned")):
        pick = reclaimed == state
        ax1.scatter(
            cs.levels[pick] + rng.uniform(-0.02, 0.02, pick.sum()),
            cs.ends[pick],
            s=14,
            alpha=0.7,
            color=OKABE_ITO[colour],
            label=label,
            linewidth=0,
        )
    ax1.axhline(cs.threshold, color="#555555", linestyle=":", label="split between states")
    ax1.set_xlabel("starting fear of market-zone households")
    ax1.set_ylabel("end state: share outdoors (last 90 days)")
    ax1.set_title("B6a: end states by starting point (one dot per run)", fontsize=10)
    ax1.legend(fontsize=7)
    cmap = colormaps["viridis"]
    levels = runs.levels("community")
    for level in levels[::2]:
        for row in runs.matrix("community", "residents_outdoors_market", level):
            ax2.plot(derived.trailing_mean(row, 30), color=cmap(level), alpha=0.5, linewidth=0.8)
        ax2.plot([], [], color=cmap(level), label=f"start {level:.2f}")
    ax2.axhline(cs.threshold, color="#555555", linestyle=":")
    ax2.set_xlabel("day (baseline, no intervention)")
    ax2.set_ylabel("share of market-zone households outdoors (30-day mean)")
    ax2.set_title("B6a: trajectories from several starting fears", fontsize=10)
    ax2.legend(fontsize=7)
    arms = {
        "abandoned_start": ("baseline", OKABE_ITO["black"]),
        "abandoned_crackdown": ("crackdown", OKABE_ITO["vermillion"]),
        "abandoned_dmi": ("dmi", OKABE_ITO["blue"]),
    }
    present = set(runs.plan.design["arm"])
    for arm, (label, colour) in arms.items():
        if arm not in present:
            continue
        curves = runs.matrix(arm, "residents_outdoors_market")
        for row in curves:
            ax3.plot(derived.trailing_mean(row, 30), color=colour, alpha=0.12, linewidth=0.7)
        ax3.plot(
            derived.trailing_mean(curves.mean(axis=0), 30),
            color=colour,
            linewidth=2,
            label=f"{label} (mean of {len(curves)})",
        )
        ax3.axvline(runs.params(arm)["run.intervention_start"], color="#555555", linestyle=":")
    ax3.axhline(cs.threshold, color="#555555", linestyle=":")
    ax3.set_xlabel("day (intervention starts at the dotted line)")
    ax3.set_ylabel("share of market-zone households outdoors (30-day mean)")
    ax3.set_title("B6b-e: from the abandoned start (fear 1)", fontsize=10)
    ax3.legend(fontsize=7)
    fig.suptitle(
        "Two community states: the starting point decides, the DMI can move it", fontsize=11
    )
    return save_figure(fig, path)


def plot_fidelity(runs: Runs, checked: Checks, path: Path) -> Path:
    """DMI effect on violence and on active sellers against fidelity."""
    c = m.call_in_day(runs, "dmi_low_fidelity")
    dmi, low = runs.params("fidelity", 1.0), runs.params("dmi_low_fidelity")
    ratios = np.array([low[k] / dmi[k] for k in FIDELITY_KNOBS if dmi[k]])
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, outcome, title in zip(
        axes,
        ("violent_incidents", "active_sellers"),
        ("violent incidents", "active sellers"),
        strict=True,
    ):
        rows = [m.effect(runs, "fidelity", outcome, c, level) for level in FIDELITY_LEVELS]
        mid = np.array([100 * r["rel_effect"] for r in rows])
        err = np.array(
            [
                [100 * (r["rel_effect"] - r["rel_low"]) for r in rows],
                [100 * (r["rel_high"] - r["rel_effect"]) for r in rows],
            ]
        )
        ax.errorbar(
            FIDELITY_LEVELS,
            mid,
            yerr=err,
            fmt="o-",
            capsize=3,
            color=OKABE_ITO["blue"],
            label="fidelity sweep (f = 1: the dmi scenario)",
        )
        scen = m.effect(runs, "dmi_low_fidelity", outcome, c)
        ax.errorbar(
            [ratios.mean()],
            [100 * scen["rel_effect"]],
            xerr=[[ratios.mean() - ratios.min()], [ratios.max() - ratios.mean()]],
            yerr=[
                [100 * (scen["rel_effect"] - scen["rel_low"])],
                [100 * (scen["rel_high"] - scen["rel_effect"])],
            ],
            fmt="s",
            capsize=3,
            color=OKABE_ITO["vermillion"],
            label="dmi_low_fidelity scenario (x: its knobs' ratios)",
        )
        if outcome == "violent_incidents":
            for tid, colour in (("B7", BAND_COLOUR), ("B3a", OKABE_ITO["sky_blue"])):
                if tid in checked:
                    _shade_band(ax, checked[tid], scale=100, colour=colour)
        ax.axhline(0, color="#555555", linewidth=1)
        ax.set_xlabel("fidelity f (each knob = f x its value in the dmi scenario)")
        ax.set_ylabel("% change against the same-seed baseline")
        ax.set_title(f"Effect on {title}, 12 months after the call-in", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    n = len(runs.ids("fidelity", FIDELITY_LEVELS[0]))
    fig.suptitle(
        f"B7: the DMI effect against fidelity ({n} replications per level; 95 % intervals)",
        fontsize=11,
    )
    return save_figure(fig, path)


#: Figure name (``Target.figure``) -> drawing function.
FIGURES: dict[str, Callable[[Runs, Checks, Path], Path]] = {
    "anchors": plot_anchors,
    "relapse": plot_relapse,
    "sweeps": plot_sweeps,
    "call_in": plot_call_in,
    "effects": plot_effects,
    "arrests": plot_arrests,
    "displacement": plot_displacement,
    "deterrence": plot_deterrence,
    "community": plot_community,
    "fidelity": plot_fidelity,
}
