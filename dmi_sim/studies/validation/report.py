"""``report.md`` of a validation: the summary table, then one section per target.

Every number comes from the measurements; the verdict sentence is the rule in
``targets.judge``, so the report cannot say more than the runs show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.studies.validation.measures import fmt
from dmi_sim.studies.validation.targets import BY_ID, Checked

RULE = (
    "**PASS** = the estimate lies in the band **and** its 95 % interval is narrower than the "
    "band (docs/EVIDENCE.md asks for enough replications for that). **INCONCLUSIVE** = the "
    "estimate lies in the band but its interval is too wide to tell (more replications "
    "needed; nothing is shown wrong). **FAIL** = the estimate lies outside the band or could "
    "not be measured. A one-sided band (≥ x) sets no width. *Interval inside* says whether "
    "the whole interval lies in the band (a stricter reading, reported, not required). **info**: "
    "docs/EVIDENCE.md gives no figure to test against; measured and shown, never passed or "
    "failed. Effects are paired: replication *i* of an intervention and of the baseline run "
    "on the same seed; the relative change is averaged over replications."
)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _is_parameter(c: Checked) -> bool:
    return c.result.n == 0 and c.result.low == c.result.high == c.result.value


def _interval(c: Checked) -> str:
    r, t = c.result, c.target
    return "exact (parameter)" if _is_parameter(c) else f"{t.show(r.low)} to {t.show(r.high)}"


def _inside(c: Checked) -> str:
    return "—" if c.target.info else "yes" if c.verdict.interval_inside else "no"


def _status(c: Checked) -> str:
    return f"**{c.verdict.status}**" if c.verdict.status != "info" else "info"


def table_rows(checked: Mapping[str, Checked]) -> pd.DataFrame:
    """The summary table as data (also written as ``targets.csv``)."""
    rows = []
    for c in checked.values():
        t, r = c.target, c.result
        rows.append(
            {
                "id": t.id,
                "target": t.name,
                "value": r.value,
                "low": r.low,
                "high": r.high,
                "n": r.n,
                "band_low": t.band[0],
                "band_high": t.band[1],
                "unit": t.unit,
                "status": c.verdict.status,
                "reason": c.verdict.reason,
                "interval_inside_band": c.verdict.interval_inside,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def precision_table(checked: Mapping[str, Checked]) -> str:
    """Interval width beside band width: whether the replications were enough."""
    rows = []
    for c in checked.values():
        low, high = c.target.band
        if c.verdict.status == "info" or math.isinf(high - low) or c.result.n == 0:
            continue
        width = c.result.high - c.result.low
        rows.append(
            [
                c.target.id,
                str(c.result.n),
                c.target.show(width),
                c.target.show(high - low),
                "yes" if width < high - low else "**no**",
            ]
        )
    return _table(["id", "n", "95 % CI width", "band width", "narrower"], rows)


def summary_table(checked: Mapping[str, Checked]) -> str:
    """The report's table of targets: value, interval, band, verdict and source per row."""
    rows = [
        [
            c.target.id,
            c.target.name,
            c.target.show(c.result.value),
            _interval(c),
            c.target.band_text(),
            _inside(c),
            c.target.source,
            _status(c),
        ]
        for c in checked.values()
    ]
    return _table(
        ["id", "target", "measured", "95 % CI", "band", "interval inside", "source", "status"], rows
    )


def _section(c: Checked, figures: Mapping[str, str], drawn: set[str]) -> list[str]:
    t, r, v = c.target, c.result, c.verdict
    unit = "" if t.percent else f" {t.unit}"
    spread = "a parameter" if _is_parameter(c) else f"95 % CI {_interval(c)}; n = {r.n}"
    lines = [
        f"### {t.id} — {t.name}",
        "",
        f"*Evidence:* {t.evidence} ({t.source}).",
        "",
        f"- **{v.status}**: {v.reason}.",
        f"- measured: **{t.show(r.value)}**{unit} ({spread})",
        f"- band: {t.band_text()}{'' if t.info else unit}; whole interval inside the "
        f"band: {_inside(c)}",
        f"- method: {t.method}",
    ]
    lines += [f"- {key}: {value}" for key, value in r.details.items()]
    if r.note:
        lines.append(f"- note: {r.note}")
    if t.figure in figures:
        path = figures[t.figure]
        if t.figure in drawn:
            lines.append(f"- figure: [{path}]({path}) (above)")
        else:
            lines += ["", f"![{t.id}]({path})"]
            drawn.add(t.figure)
    return lines + [""]


def _precision_note(record: Mapping[str, Any] | None) -> str:
    if not record:
        return ""
    if record["reached"]:
        return "; by precision: every interval narrow enough (section at the end)"
    return "; by precision: **the cap stopped it** (section at the end)"


def _resumed(manifest: Mapping[str, Any]) -> str:
    stored = manifest.get("runs_already_stored", 0)
    return f" (resumed: {stored} of the runs were stored before)" if stored else ""


def _too_wide(target_id: str, widths: Mapping[str, float | None]) -> str:
    """'B9a, interval 17 % wide, band 15 %' (a one-sided band: not wholly inside)."""
    show = BY_ID[target_id].show
    interval, band = widths["interval"], widths["band"]
    if interval is None:
        return f"{target_id}, no interval yet"
    if band is None or interval < band:
        return f"{target_id}, interval {show(interval)} wide, not wholly inside its band"
    return f"{target_id}, interval {show(interval)} wide, band {show(band)}"


def precision_lines(record: Mapping[str, Any] | None) -> list[str]:
    """'Replications by precision' (``validate --precision``): how many each arm needed and
    whether every interval became narrow enough or the cap stopped it."""
    if not record:
        return []
    rows = [
        [
            arm,
            str(g["replications"]),
            str(g["runs_per_level"]),
            "reached" if g["status"] == "reached" else "**cap**",
        ]
        for arm, g in record["groups"].items()
    ]
    wide = record["targets_too_wide"]
    steps = "; ".join(
        ", ".join(f"{arm} {n}" for arm, n in step["replications"].items())
        + " (too wide: "
        + (", ".join(_too_wide(i, w) for i, w in step["targets_too_wide"].items()) or "none")
        + ")"
        for step in record["steps"]
    )
    return [
        "## Replications by precision",
        "",
        f"`--precision`: replications were added to the arms of every graded target whose "
        f"95 % interval was not yet narrower than its band (or, where the target asks for "
        f"it, not wholly inside it), {record['batch']} at a time in `--reps` units from "
        f"{record['start']} up to at most {record['max_reps']} (`--max-reps`); each arm "
        "stopped at the first count at which none of its targets needed more, or at the cap. "
        + (
            "**Every graded target's interval became narrow enough.**"
            if record["reached"]
            else f"**The cap stopped it**: still too wide: {', '.join(wide)}."
        ),
        "",
        _table(["arm", "--reps", "replications (per level)", "precision"], rows),
        "",
        f"`--reps` of each arm at each check: {steps}.",
        "",
    ]


def write_report(
    path: Path,
    checked: Mapping[str, Checked],
    figures: Mapping[str, str],
    manifest: Mapping[str, Any],
) -> Path:
    """Write ``report.md``: settings, the verdict count, the table, one section a target."""
    graded = [c for c in checked.values() if c.verdict.status != "info"]
    failed = [c.target.id for c in graded if c.verdict.status == "FAIL"]
    unsure = [c.target.id for c in graded if c.verdict.status == "INCONCLUSIVE"]
    overrides = manifest.get("overrides") or {}
    load = manifest.get("load_average", {})
    lines = [
        "# Validation report",
        "",
        f"`{manifest['command']}`, started {manifest['started_at']}; commit "
        f"{(manifest.get('git') or {}).get('commit', 'unknown')}"
        f"{' (work tree modified)' if (manifest.get('git') or {}).get('dirty') else ''}.",
        "",
        f"**{len(graded) - len(failed) - len(unsure)} of {len(graded)} targets pass**"
        + (f"; failing: {', '.join(failed)}" if failed else "")
        + (
            f"; inconclusive (in the band, interval too wide): {', '.join(unsure)}"
            if unsure
            else ""
        )
        + "."
        + f" {len(checked) - len(graded)} measured for information.",
        "",
        "- replications: "
        + ", ".join(f"{arm} {n}" for arm, n in manifest["arm_replications"].items())
        + f" (per level of a sweep); root seed {manifest['root_seed']}"
        + _precision_note(manifest.get("precision")),
        f"- runs: {manifest['runs']} (each run once, shared by every target that reads it)",
        f"- wall time: {fmt(manifest['wall_seconds'] / 60)} min on {manifest['workers']} "
        f"workers{_resumed(manifest)}; load average (1, 5, 15 min) {load.get('start', 'n/a')} "
        f"at the start, {load.get('end', 'n/a')} at the end",
        "- parameters: "
        + (
            ", ".join(f"`{k} = {v}`" for k, v in overrides.items()) + " — **not the defaults**"
            if overrides
            else "the defaults"
        ),
        "",
        "## How to read it",
        "",
        RULE,
        "",
        "## Summary",
        "",
        summary_table(checked),
        "",
        "## Targets",
        "",
    ]
    drawn: set[str] = set()
    for c in checked.values():
        lines += _section(c, figures, drawn)
    lines += [
        "## Replications",
        "",
        f"`--reps {manifest['replications']}`"
        + (" (where `--precision` started; below)" if manifest.get("precision") else "")
        + ". docs/EVIDENCE.md asks for enough replications "
        "that each 95 % interval is narrower than its band; the arms with narrow bands "
        "for their noise run more often (`plan.REPS_FACTOR`). Interval width against band "
        "width, for every graded target with a two-sided band:",
        "",
        precision_table(checked),
        "",
    ]
    lines += precision_lines(manifest.get("precision"))
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
