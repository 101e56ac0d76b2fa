"""``report.md`` of a discovery: the boxes in words a planner can act on, with their
coverage, density, number of points and stability against seed noise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from dmi_sim.engine.provenance import write_atomic
from dmi_sim.params import PARAMETERS
from dmi_sim.studies.discovery.advantage import ADVANTAGES
from dmi_sim.studies.discovery.analyse import Discovery
from dmi_sim.studies.discovery.boxes import ALPHA, MASS_MIN, Box, Leaf, Limit, Stability
from dmi_sim.studies.discovery.design import Source
from dmi_sim.studies.kit.markdown import num, pct, table


def factor_words(factor: str, dummy: str) -> str:
    """A factor as a sentence names it: what it is (the limits table gives its key)."""
    if factor == dummy:
        return "the dummy factor (it only picks the seeds)"
    return PARAMETERS[factor].doc if factor in PARAMETERS else f"`{factor}`"


def value_words(value: float) -> str:
    """A limit: whole numbers (days, officers, levels) as integers, the rest as ``num``."""
    return str(int(value)) if float(value).is_integer() else num(value)


def limit_words(limit: Limit, dummy: str) -> str:
    """``<factor> is below x``, ``is above x`` or ``is between x and y``."""
    name = factor_words(limit.factor, dummy)
    if limit.low is None:
        return f"{name} is below {value_words(limit.high or 0.0)}"
    if limit.high is None:
        return f"{name} is above {value_words(limit.low)}"
    return f"{name} is between {value_words(limit.low)} and {value_words(limit.high)}"


def box_sentence(box: Box, label: str, dummy: str, n_failing: int, n_points: int) -> str:
    """The box as one sentence and its statistics as a second. A box whose restrictions
    do not all pass the quasi-p test (``Box.significant``) is headlined as not significant,
    by the same rule that dropped the restrictions left out of it."""
    parts = [limit_words(limit, dummy) for limit in box.limits]
    where = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]
    stats = (
        f"{box.n_failing} of the {box.n_points} design points in this region fail "
        f"(density {pct(box.density, signed=False)}); they are "
        f"{pct(box.coverage, signed=False)} of all {n_failing} failing points (coverage); "
        f"the region holds {pct(box.mass, signed=False)} of the {n_points} points."
    )
    if box.significant:
        return f"**The DMI's advantage ({label}) fails when {where}.** {stats}"
    weak = ", ".join(f"`{limit.factor}` {limit.qp:.2g}" for limit in box.insignificant)
    return (
        f"**No region where the DMI's advantage ({label}) fails stands out beyond chance.** "
        f"PRIM's best box, where {where}, rests on restrictions that add little beyond "
        f"chance (quasi-p {weak}: {ALPHA} or more, the rule that drops restrictions from "
        f"every box). {stats}"
    )


def stability_words(check: Stability, replications: int) -> str:
    """The verdict on seed noise and how it was reached."""
    half = -(-replications // 2)
    reasons = []
    if check.restricts_dummy:
        reasons.append("it restricts the dummy factor, which the model never reads")
    if check.first_half is None:
        reasons.append(f"on the first {half} seed(s) of each point alone PRIM finds no box")
    elif not check.reproduced:
        p = "n/a" if check.second_half_p != check.second_half_p else f"{check.second_half_p:.2g}"
        reasons.append(
            f"the box PRIM finds on the first {half} seed(s) of each point alone does not "
            f"hold significantly more failing points under the other seeds (p = {p})"
        )
    if reasons:
        return "**Noise, not a finding:** " + "; and ".join(reasons) + "."
    factors = ", ".join(f"`{f}`" for f in check.first_half.factors) if check.first_half else ""
    return (
        "**Stable against seed noise:** it does not restrict the dummy factor, and the box "
        f"PRIM finds on the first {half} seed(s) of each point alone (restricting {factors}) "
        "holds significantly more failing points under the other seeds "
        f"(Fisher's exact test, one-sided, p = {check.second_half_p:.2g})."
    )


def leaf_words(leaf: Leaf, dummy: str) -> str:
    """A CART leaf as a condition and its counts."""
    parts = [
        f"{factor_words(f, dummy)} {'≤' if op == '<=' else '>'} {value_words(value)}"
        for f, op, value in leaf.conditions
    ]
    return f"{' and '.join(parts) or 'everywhere'}: {leaf.n_failing} of {leaf.n_points} points fail"


def _limits_table(box: Box, discovery: Discovery) -> str:
    rows = []
    for limit in box.limits:
        values = discovery.x[limit.factor]
        rows.append(
            [
                f"`{limit.factor}`",
                factor_words(limit.factor, discovery.dummy),
                f"{value_words(values.min())} to {value_words(values.max())}",
                "" if limit.low is None else value_words(limit.low),
                "" if limit.high is None else value_words(limit.high),
                f"{limit.qp:.2g}",
            ]
        )
    header = ["factor", "what it is", "range in the design", "box from", "box to", "quasi-p"]
    return table(header, rows)


def _box_section(discovery: Discovery, figures: Mapping[str, str]) -> list[str]:
    label = ADVANTAGES[discovery.outcome].label
    n_failing, n_points = int(discovery.fails.sum()), len(discovery.fails)
    if discovery.peeling is None:
        where = "nowhere" if n_failing == 0 else "everywhere"
        return [f"The DMI's advantage ({label}) fails {where} in this design: no box to find.", ""]
    box = discovery.peeling.box
    if discovery.stability is None:  # the densest box with the most coverage is the space
        return [
            f"The DMI's advantage ({label}) fails across the whole design: {n_failing} of "
            f"{n_points} points ({pct(box.density, signed=False)}, at least the density "
            f"target {discovery.density:g}); no region to single out.",
            "",
        ]
    peeling = discovery.peeling
    reached = peeling.trajectory.loc[peeling.chosen, "density"] >= discovery.density
    dropped = ", ".join(f"`{factor}`" for factor in peeling.dropped)
    return [
        box_sentence(box, label, discovery.dummy, n_failing, n_points),
        "",
        stability_words(discovery.stability, discovery.seeds),
        "",
        *(
            []
            if reached
            else [
                f"No box on the trajectory reaches the density target {discovery.density:g}; "
                "the densest one was chosen.",
                "",
            ]
        ),
        *(
            [
                f"The box chosen on the trajectory (step {peeling.chosen}) also restricted "
                f"{dropped}; those restrictions add little beyond chance (quasi-p ≥ {ALPHA}) "
                "and were dropped, the least significant first.",
                "",
            ]
            if peeling.dropped
            else []
        ),
        _limits_table(box, discovery),
        "",
        "Quasi-p: PRIM's one-sided binomial test of each restriction (Bryant & Lempert "
        "2010); above 0.05 the restriction adds little beyond chance.",
        "",
        f"![PRIM peeling trajectory]({figures['trajectory']})",
        "",
        "Every box on the trajectory (coverage against density) is in `trajectory.csv`; "
        "`--density` picks another.",
        "",
    ]


def _cart_section(discovery: Discovery, figures: Mapping[str, str]) -> list[str]:
    if discovery.tree is None:
        return []
    leaves = [f"- {leaf_words(leaf, discovery.dummy)}" for leaf in discovery.leaves]
    return [
        "## Second view: a classification tree (CART)",
        "",
        "The leaves where most points fail:" if leaves else "No leaf where most points fail.",
        "",
        *leaves,
        "",
        f"![CART tree]({figures['tree']})",
        "",
    ]


def write_report(
    path: Path,
    discovery: Discovery,
    source: Source,
    figures: Mapping[str, str],
    files: Sequence[str],
) -> Path:
    """Write ``report.md``; ``figures`` maps trajectory and tree to relative paths."""
    meta = ADVANTAGES[discovery.outcome]
    n_points = len(discovery.fails)
    n_failing = int(discovery.fails.sum())
    made = (
        f"{source.runs_made:,} runs made by this call in {source.elapsed_s / 60:.1f} min on "
        f"{source.workers} worker(s)"
        if source.runs_made
        else "runs read back, none made by this call"
    )
    threshold = pct(discovery.threshold, signed=False) if meta.percent else num(discovery.threshold)
    text = [
        "# Where the DMI's advantage over crackdowns fails",
        "",
        f"Command: `{source.command}`",
        "",
        f"Design: `{source.folder}`, {n_points} points analysed "
        f"({discovery.undefined} left out: no market before the intervention on some seed), "
        f"{len(discovery.x.columns) - 1} factors and the dummy, {discovery.seeds} seeds per "
        f"point, the DMI and a crackdown on the same seeds at every point; {made}.",
        "",
        f"Advantage ({discovery.outcome}): {meta.unit}; positive when the DMI does better. "
        f"It fails at a point when its mean over the point's seeds is at most {threshold}: "
        f"{n_failing} of {n_points} points ({pct(n_failing / max(n_points, 1), signed=False)}).",
        "",
        "## Where it fails (PRIM)",
        "",
        *_box_section(discovery, figures),
        *_cart_section(discovery, figures),
        "## How the boxes are found and checked",
        "",
        "PRIM (EMA Workbench) peels the space towards the failing points; the box reported "
        f"has the most coverage among the boxes at least {discovery.density:g} dense. A box "
        "is noise when it restricts the dummy factor (a column the model never reads; its "
        "value only picks the point's seeds) or when it does not come back under other "
        "seeds: PRIM is run again on the first half of each point's seeds alone, and that "
        "box must hold significantly more failing points than the rest of the space under "
        f"the other half (Fisher's exact test, one-sided, p < {ALPHA}). CART: scikit-learn's "
        f"tree, at most 3 questions deep, each leaf at least {pct(MASS_MIN, signed=False)} "
        "of the points.",
        "",
        "## Files",
        "",
        ", ".join(f"`{name}`" for name in files) + ".",
        "",
    ]
    data = "\n".join(text).encode("utf-8")
    write_atomic(path, lambda fh: fh.write(data))
    return path
