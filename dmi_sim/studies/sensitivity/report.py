"""``report.md`` of a sensitivity analysis: tables, figures and sentences from the numbers.

Every ranking sentence is built from the indices and says how far the ranking can be
trusted: the factors a sentence names are compared with the dummy, whose index is what
seed noise alone produces.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.engine.provenance import write_atomic
from dmi_sim.studies.kit import markdown as md
from dmi_sim.studies.kit.advantage import ARREST_RATIO
from dmi_sim.studies.kit.stats import LEVEL
from dmi_sim.studies.sensitivity.analyse import (
    Analysis,
    advantage_by_factor,
    advantage_share,
    clear_of_noise,
    survivors,
)
from dmi_sim.studies.sensitivity.design import Design
from dmi_sim.studies.sensitivity.methods import RESAMPLES, Morris
from dmi_sim.studies.sensitivity.outcomes import OUTCOMES

#: Factors named in a ranking sentence, and rows of each outcome's table.
NAMED = 3
TABLE_ROWS = 10
#: Sums of first-order indices read as "mostly additive" and as "imprecise" (above 1).
ADDITIVE_SUM = 0.8
IMPRECISE_SUM = 1.1
#: Difference in the advantage's share between the halves of a range worth a sentence.
DEPENDENCE = 0.1
#: Factors in the advantage-by-factor table.
ADVANTAGE_ROWS = 8


@dataclass(frozen=True)
class Cost:
    """What the runs cost: for the README's figures and the next person's planning."""

    command: str
    runs: int
    sessions: list[dict[str, Any]]  # per call: finished, runs, elapsed_s, workers, load_average
    screened_from: str | None = None

    def describe(self) -> str:
        """Runs and wall time of every call, with the machine's load when each ended."""
        parts = [
            f"{s['runs']} runs in {md.num(s['elapsed_s'] / 60)} min on {s['workers']} workers "
            f"(load average {', '.join(f'{x:.2f}' for x in s['load_average'])} over 1, 5 "
            f"and 15 min at the end)"
            for s in self.sessions
            if s["runs"]
        ]
        total = sum(s["elapsed_s"] for s in self.sessions if s["runs"]) / 60
        text = "; ".join(parts) or "all runs were stored before"
        if len(parts) > 1:
            text += f"; {md.num(total)} min in all"
        commits = {_commit(s.get("git")) for s in self.sessions if s["runs"]}
        return text + f". Runs made at commit {', '.join(sorted(commits)) or 'unknown'}."


def _commit(git: dict[str, Any] | None) -> str:
    """A commit as ``abc1234`` (plus "with local changes" when the tree differed)."""
    if not git:
        return "unknown"
    return git["commit"][:7] + (" with local changes" if git["dirty"] else "")


def _scaled(outcome: str, value: float) -> str:
    """An index in the outcome's unit: percentage points for relative changes and shares."""
    meta = OUTCOMES[outcome]
    if meta.percent:
        return f"{md.num(100 * value)} percentage points"
    return f"{md.num(value)} {meta.unit.split(' (')[0].split(' in ')[0]}"


def _share(x: float) -> str:
    """A share in percent, or n/a when undefined."""
    return md.pct(x, False) if math.isfinite(x) else "n/a"


def _noise(x: float) -> str:
    """A seed-noise share: above 1 the means spread no more than seed noise predicts (the
    estimate of the rest of the variance is negative), shown as ≥ 100 %."""
    return "≥ 100 %" if math.isfinite(x) and x >= 1.0 else _share(x)


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def morris_sentence(rows: pd.DataFrame, outcome: str, dummy: str) -> str:
    """What drives one outcome, from its Morris rows, and how far to trust the ranking.

    Named: the largest μ* above the dummy's interval (the noise level). Clear of noise: the
    factor's whole μ* interval is above the dummy's.
    """
    rows = rows.sort_values("mu_star", ascending=False)
    label = OUTCOMES[outcome].label
    if not (rows["mu_star"] > 0).any():
        return f"{label} did not change anywhere in the space."
    noise = rows[rows["factor"] == dummy].iloc[0]
    ceiling = noise["mu_star"] + noise["mu_star_conf"]
    named = rows[(rows["factor"] != dummy) & (rows["mu_star"] > ceiling)].head(NAMED)
    if named.empty:
        return (
            f"{label}: no factor's μ* exceeds the dummy's ({_scaled(outcome, ceiling)} at "
            "the top of its interval): seed noise dominates; the ranking below is not "
            "to be trusted."
        )
    parts = [f"**{r.factor}** (μ* {_scaled(outcome, r.mu_star)})" for r in named.itertuples()]
    n_clear = int(clear_of_noise(rows, dummy).sum())
    verb = "is" if n_clear == 1 else "are"
    trust = (
        f"{n_clear} of {len(rows) - 1} factors {verb} clear of seed noise (the whole "
        "interval above the dummy's)"
        if n_clear
        else "None is clear of seed noise with this many trajectories (their intervals reach "
        "down to the dummy's)"
    )
    return (
        f"{label} is driven most by {_and(parts)}. {trust}; the dummy ranks "
        f"{int(noise['rank'])} of {len(rows)}."
    )


def sobol_sentence(rows: pd.DataFrame, outcome: str, dummy: str) -> str:
    """What drives one outcome, from its Sobol rows at the larger N."""
    label = OUTCOMES[outcome].label
    if rows["ST"].isna().all():
        return f"{label} did not change anywhere in the design: it has no indices."
    rows = rows.sort_values("ST", ascending=False)
    floor = float(rows.loc[rows["factor"] == dummy, "ST"].iloc[0])
    named = rows[(rows["factor"] != dummy) & (rows["ST"] - rows["ST_conf"] > floor)].head(NAMED)
    if named.empty:
        return (
            f"{label}: no factor's total index clears the dummy's ({md.num(floor)}); "
            "seed noise dominates."
        )
    parts = [f"**{r.factor}** (ST {md.num(r.ST)}, S1 {md.num(r.S1)})" for r in named.itertuples()]
    first_sum = float(rows.loc[rows["factor"] != dummy, "S1"].clip(lower=0).sum())
    interplay = (
        "more than 1, so the estimates are still imprecise at this N"
        if first_sum > IMPRECISE_SUM
        else "factors act mostly alone"
        if first_sum >= ADDITIVE_SUM
        else "a large share of the variance comes from interactions"
    )
    return (
        f"{label} is driven most by {_and(parts)}. The dummy's ST is "
        f"{md.num(floor)} (the noise floor). First-order indices sum to {md.num(first_sum)}: "
        f"{interplay}."
    )


def _morris_table(rows: pd.DataFrame, outcome: str, dummy: str) -> str:
    rows = rows.sort_values("mu_star", ascending=False)
    shown = pd.concat([rows.head(TABLE_ROWS), rows[rows["factor"] == dummy]]).drop_duplicates(
        "factor"
    )
    scale = 100.0 if OUTCOMES[outcome].percent else 1.0
    body = [
        [
            str(r.rank),
            f"`{r.factor}`",
            md.num(scale * r.mu_star),
            f"± {md.num(scale * r.mu_star_conf)}",
            md.num(scale * r.mu),
            md.num(scale * r.sigma),
        ]
        for r in shown.itertuples()
    ]
    return md.table(["rank", "factor", "μ*", f"{LEVEL * 100:.0f} % interval", "μ", "σ"], body)


def _sobol_table(rows: pd.DataFrame, n: int) -> str:
    """Indices at N and 2N side by side: the convergence check."""
    small = rows[rows["n"] == n].set_index("factor")
    big = rows[rows["n"] == 2 * n].set_index("factor").sort_values("ST", ascending=False)

    def cell(frame: pd.DataFrame, factor: str, key: str) -> str:
        value, conf = frame.at[factor, key], frame.at[factor, f"{key}_conf"]
        return "n/a" if not math.isfinite(value) else f"{md.num(value)} ± {md.num(conf)}"

    body = [
        [
            f"`{f}`",
            cell(small, f, "S1"),
            cell(big, f, "S1"),
            cell(small, f, "ST"),
            cell(big, f, "ST"),
        ]
        for f in big.index
    ]
    return md.table(
        ["factor", f"S1 (N={n})", f"S1 (N={2 * n})", f"ST (N={n})", f"ST (N={2 * n})"], body
    )


def convergence_sentence(rows: pd.DataFrame, n: int) -> str:
    """The largest change of a total index from N to 2N."""
    small = rows[rows["n"] == n].set_index("factor")["ST"]
    big = rows[rows["n"] == 2 * n].set_index("factor")["ST"]
    change = (big - small).abs().dropna()
    if change.empty:
        return "No indices to compare."
    factor = change.idxmax()
    return (
        f"Largest change of a total index from N = {n} to {2 * n}: {md.num(change[factor])} "
        f"(`{factor}`)."
    )


def _advantage_section(
    design: Design, analysis: Analysis, figure: Path | None, folder: Path
) -> list[str]:
    if analysis.advantage is None or figure is None:
        return [
            "The outcomes asked for do not include all three scenarios, so the DMI's "
            "advantage over crackdowns was not assessed.",
            "",
        ]
    share = advantage_share(design, analysis.advantage)
    table = advantage_by_factor(design, analysis.advantage)
    dummy = design.space.dummy
    noise = abs(float(table.loc[table["factor"] == dummy, "gap"].iloc[0]))
    shown = pd.concat([table.head(ADVANTAGE_ROWS), table[table["factor"] == dummy]])
    lines = [
        f"**The DMI's advantage over crackdowns holds on {md.pct(share['all'], False)} of the "
        "space** (design points x seeds). It holds at a point and seed when, against the "
        "same-seed baseline, the DMI cuts active sellers at least as much as crackdowns do, "
        "cuts violent incidents at least as much, and makes at most "
        f"{ARREST_RATIO * 100:.0f} % of the crackdowns' arrests. Each test alone: sellers "
        f"{md.pct(share['sellers'], False)}, violence {md.pct(share['violence'], False)}, arrests "
        f"{md.pct(share['arrests'], False)}.",
        "",
        _dependence(table, noise),
        "",
        md.table(
            [
                "factor",
                "lower half",
                "upper half",
                "difference",
                f"excess over the dummy's ({LEVEL * 100:.0f} % interval)",
                "beyond chance",
            ],
            [
                [
                    f"`{r.factor}`",
                    _share(r.share_low_half),
                    _share(r.share_high_half),
                    _points(r.gap),
                    "(the reference)" if r.factor == dummy else _excess(r),
                    "" if r.factor == dummy else "yes" if r.driver else "no",
                ]
                for r in shown.drop_duplicates("factor").itertuples()
            ],
        ),
        "",
        _beyond_noise(table, dummy, noise, _units(design)),
        "",
        f"![Where the advantage holds]({figure.relative_to(folder)})",
        "",
    ]
    if isinstance(design.method, Morris):
        lines += [
            f"Morris' points lie on a grid of {design.method.levels} levels per factor, "
            "so these shares are those of the grid.",
            "",
        ]
    elif design.space.not_varied:
        lines += [
            'Sobol varies only the factors listed under "Parameter space"; the others '
            "are held at their scenario values, so these shares hold for them there. The "
            "Morris screening's share covers every factor.",
            "",
        ]
    return lines


def _points(gap: float, signed: bool = True) -> str:
    """A difference of two shares in percentage points."""
    return "n/a" if not math.isfinite(gap) else f"{100 * gap:{'+' if signed else ''}.0f} points"


def _excess(row: Any) -> str:
    """A factor's excess over the dummy's difference, as its interval in points."""
    if not math.isfinite(row.excess_low):
        return "n/a"
    return f"{_points(row.excess_low)} to {_points(row.excess_high)}"


def _drivers(table: pd.DataFrame) -> pd.DataFrame:
    """The factors whose difference between the halves of their range exceeds the dummy's
    beyond chance (``advantage_by_factor``'s ``driver``), largest difference first."""
    return table[table["driver"]]


def _dependence(table: pd.DataFrame, noise: float) -> str:
    """Which factor the advantage depends on most, if any moves it much and beyond chance."""
    drivers = _drivers(table)
    if drivers.empty:
        return (
            "No factor moves it beyond chance: the dummy, which the model never reads, "
            f"differs by {_points(noise, False)} between the halves of its range, and no "
            "factor's difference exceeds that by more than the noise of both."
        )
    top = drivers.iloc[0]
    low, high = _share(top["share_low_half"]), _share(top["share_high_half"])
    if abs(top["gap"]) < DEPENDENCE:
        return (
            f"No single factor moves it much: the largest difference beyond chance between "
            f"the lower and upper half of a range is for `{top['factor']}` ({low} against "
            f"{high})."
        )
    return (
        f"It depends most on `{top['factor']}`: it holds on {low} of the lower half of "
        f"its range and {high} of the upper half."
    )


def _units(design: Design) -> str:
    """What the advantage's bootstrap resamples (``resampling_units``), in words."""
    return "trajectories" if isinstance(design.method, Morris) else "design points"


def _beyond_noise(table: pd.DataFrame, dummy: str, noise: float, units: str) -> str:
    """Which factors' differences exceed the dummy's beyond chance, and which do not."""
    drivers = _drivers(table)["factor"].tolist()
    others = [f for f in table["factor"] if f != dummy and f not in drivers]
    named = ", ".join(f"`{f}`" for f in drivers) or "none"
    return (
        f"The dummy factor, which the model never reads, differs by {_points(noise, False)} "
        "between its halves: what chance gives (the seeds, and the other factors that vary "
        "between the points of each half). A factor moves the advantage beyond chance when "
        "its difference exceeds the dummy's in size by more than that noise: the whole "
        f"{LEVEL * 100:.0f} % bootstrap interval of the excess ({RESAMPLES} resamples of "
        f"the {units}) is above 0. Beyond chance: {named}"
        + (
            f"; the others ({', '.join(f'`{f}`' for f in others)}) cannot be told from the "
            "dummy, so their differences may be chance."
            if others
            else "."
        )
    )


def _noise_table(noise: pd.DataFrame) -> str:
    body = [
        [
            OUTCOMES[o].label,
            _noise(r.noise_share_runs),
            _noise(r.noise_share_means),
            str(int(r.undefined_points)),
        ]
        for o, r in noise.iterrows()
    ]
    return md.table(
        [
            "outcome",
            "share of single-run variance",
            "share of seed-mean variance",
            "points undefined (counted 0)",
        ],
        body,
    )


def _space_table(design: Design) -> str:
    space = design.space
    body = []
    for factor in space.factors:
        if factor.is_range:
            show = str if factor.kind == "int" else md.num
            values = f"{show(factor.low)} to {show(factor.high)}"  # type: ignore[arg-type]
            mapping = "whole numbers, equally likely" if factor.kind == "int" else "linear"
        else:
            values = ", ".join(str(v) for v in factor.values)
            mapping = "categorical, equally likely"
        body.append([f"`{factor.key}`", values, mapping, space.sources[factor.key]])
    body.append([f"`{space.dummy}`", "0 to 1", "picks the seeds only", "noise reference"])
    return md.table(["factor", "range", "mapping", "source or reason"], body)


def write_report(
    path: Path,
    design: Design,
    analysis: Analysis,
    outcomes: Sequence[str],
    cost: Cost,
    figures: Mapping[str, Path],
) -> Path:
    """Write ``report.md`` beside the tables and figures it links to."""
    folder = path.parent
    space, method = design.space, design.method
    dummy = space.dummy
    runs_per_point = cost.runs // design.n_points
    title = "Morris screening" if isinstance(method, Morris) else "Sobol' indices"
    text = [
        f"# Global sensitivity analysis: {title}",
        "",
        f"Command: `{cost.command}`  ",
        f"Space: `{space.path.name}`, {len(space.factors)} factors and the dummy `{dummy}`"
        + (
            f" (the survivors of the screening in `{cost.screened_from}`)"
            if cost.screened_from
            else ""
        )
        + ".",
        "",
        f"Design: {method} — {design.n_points} points x {space.replications} seeds x "
        f"{runs_per_point // space.replications} scenarios = {cost.runs} runs of "
        f"{space.overrides.get('run.days', 'the scenario default')} days. Seeds are common to "
        "every point with the same dummy value, so each comparison the estimators make is on "
        "common random numbers; the dummy, which the model never reads, only redraws the "
        "seeds, so its index is what seed noise alone produces. Outcomes are averaged over the "
        f"seeds of each point before the analysis; intervals are {LEVEL * 100:.0f} % "
        f"bootstrap intervals ({RESAMPLES} resamples).",
        "",
        f"Cost: {cost.describe()} Calls interrupted before their end are not counted.",
        "",
        "## Is the DMI's advantage robust?",
        "",
        *_advantage_section(design, analysis, figures.get("advantage"), folder),
        "## What drives each outcome",
        "",
    ]
    by_outcome = dict(tuple(analysis.indices.groupby("outcome")))
    if isinstance(method, Morris):
        text += [f"- {morris_sentence(by_outcome[o], o, dummy)}" for o in outcomes]
        text += ["", f"![Screening overview]({figures['overview'].relative_to(folder)})", ""]
        kept = survivors(analysis.indices, dummy, space.sobol_max_factors)
        text += [
            f"Factors that survive screening (clear of noise for at least one outcome, at "
            f"most {space.sobol_max_factors}), for `run.py sensitivity sobol`: "
            + (", ".join(f"`{k}`" for k in kept) or "none")
            + ".",
            "",
        ]
    else:
        big = analysis.indices[analysis.indices["n"] == 2 * method.n]
        text += [f"- {sobol_sentence(big[big['outcome'] == o], o, dummy)}" for o in outcomes]
        text += [""]
    text += [
        "## Seed noise",
        "",
        "Share of each outcome's variance that is between seeds within a design point: of "
        "single runs, and of the seed means the indices are computed from (the noise shrinks "
        f"with the {space.replications} seeds averaged). Where an outcome was undefined (no "
        "sellers before the intervention, or no market for a sweep to empty) the point counts "
        "as 0. Each share is an estimate (mean within-point variance over the variance "
        "observed); ≥ 100 % means the outcome varies across the design no more than seed "
        "noise alone predicts: the factors do not move it.",
        "",
        _noise_table(analysis.noise),
        "",
        "## Indices per outcome",
        "",
    ]
    for o in outcomes:
        meta = OUTCOMES[o]
        unit = "percentage points" if meta.percent else meta.unit
        noise = analysis.noise.loc[o]
        text += [
            f"### {meta.label}",
            "",
            f"Seed noise: {_noise(noise['noise_share_runs'])} of the variance of single "
            f"runs, {_noise(noise['noise_share_means'])} of the variance of the seed "
            "means analysed.",
            "",
        ]
        if isinstance(method, Morris):
            text += [
                f"μ*, μ and σ in {unit} per full range of the factor.",
                "",
                _morris_table(by_outcome[o], o, dummy),
                "",
            ]
        else:
            text += [
                convergence_sentence(by_outcome[o], method.n),
                "",
                _sobol_table(by_outcome[o], method.n),
                "",
            ]
        text += [f"![{meta.label}]({figures[o].relative_to(folder)})", ""]
    text += [
        "## Parameter space",
        "",
        _space_table(design),
        "",
        f"{len(space.not_varied)} other parameters are held at their scenario values; "
        f"`{space.path.name}` gives the reason for each.",
        "",
        "## Files",
        "",
        "`indices.csv` (every index of every outcome), `outcomes.csv` (outcomes per design "
        "point, seed means), `seed_noise.csv`, `design.csv` (each point's unit coordinates "
        "and parameter values), `advantage.csv` (per point, the share of seeds passing each "
        "test), `runs/` (every run's summary, readable with `dmi_sim.engine.load_results`).",
        "",
    ]
    data = "\n".join(text).encode("utf-8")
    write_atomic(path, lambda fh: fh.write(data))
    return path
