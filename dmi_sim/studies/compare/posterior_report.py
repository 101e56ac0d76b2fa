"""``report.md`` of a comparison over posterior draws: the verdict on the DMI's advantage,
the effects with intervals that hold seed noise and parameter uncertainty, and how much of
each interval each gives. Every sentence is built from the measured numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.engine.posterior import DEFAULT_DRAWS
from dmi_sim.engine.provenance import now
from dmi_sim.studies.compare.report import (
    HEADLINE,
    absolute_change,
    absolute_only,
    change_phrase,
    effects_table,
)
from dmi_sim.studies.kit.advantage import TESTS
from dmi_sim.studies.kit.markdown import counted, num, pct, table
from dmi_sim.studies.kit.stats import COUNTERFACTUAL, FLOOR_RULE

#: Parameter columns listed one by one in the draws table; more are summarised.
MAX_LISTED_DRAWS = 20
#: Fewest distinct parameter sets (particles) the draws must fall on before the report
#: says anything about parameter uncertainty. With one, every draw runs the same
#: parameters: the between-draw variance is zero by construction, so the advantage's
#: verdict and the parameters' share of each interval say nothing about the posterior.
#: Two are the least that can differ; how little two or three show is in the Wilson
#: interval printed with the verdict.
MIN_DISTINCT_PARTICLES = 2

METHOD = (
    "At each draw of the parameters every scenario and the baseline ran on the same seeds "
    "(replication *i* on seed *i*, at every draw), so each draw gives the ordinary paired "
    "effect with its seed-noise standard error. The draws are combined with Rubin's rules "
    "(Rubin 1987, *Multiple Imputation for Nonresponse in Surveys*; the same split of "
    "variance between and within parameter draws as Zouaoui and Wilson 2003, *IIE "
    "Transactions* 35:781-792): the estimate is the mean over draws; its variance is the "
    "seed noise within draws plus (1 + 1/K) times the variance between the draws' "
    "estimates (parameter uncertainty); the interval is a Student-t one with Rubin's "
    "degrees of freedom, capped at the n - 1 of one draw's replications (Barnard and Rubin "
    "1999, *Biometrika* 86:948-955). The seed noise is that of the noisiest draw, not "
    "Rubin's average, since parameters change the noise too: so the interval is never "
    "narrower than the single-point interval at any draw (a conservative choice). With no "
    "spread between draws an absolute change's interval is the ordinary comparison's "
    "t-interval. Relative changes (ratio of means) are pooled the same way on the log "
    "scale, each draw's standard error by the delta method, and turned back into a change, "
    "so they never fall below -100 %. That is not the ordinary comparison's Fieller "
    "interval, which has no standard error for Rubin's rules to pool: even with no spread "
    "between draws the two differ a little, and near no change a relative change can be "
    "called clear here where its absolute change is not, or the other way round. The "
    "*parameters' share* is the share of the interval's variance that is "
    "between draws; the rest is seed noise, which more replications shrink, while only a "
    "narrower posterior shrinks the parameters' share. With few draws the degrees of "
    "freedom are few and the interval wide: the spread of the posterior is itself "
    "estimated from the draws."
)


def _share(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.0f} %"


def _between(outcome: str, row: pd.Series) -> float:
    """The parameters' share of the variance on the scale the report gives the effect."""
    return row["abs_between_share" if absolute_only(outcome, row) else "ratio_between_share"]


def _cell(outcome: str, row: pd.Series) -> str:
    """The pooled change and interval, and the parameters' share of its variance."""
    if absolute_only(outcome, row):
        return absolute_change(
            outcome, row, note=f"absolute; parameters {_share(row['abs_between_share'])}"
        )
    return (
        f"{pct(row['ratio_effect'])} ({pct(row['ratio_low'])} to {pct(row['ratio_high'])}; "
        f"parameters {_share(row['ratio_between_share'])})"
    )


def _particles(n: int) -> str:
    return counted(n, "distinct particle")


def advantage_lines(
    share: pd.DataFrame | None, distinct: int, particles_in_posterior: int
) -> list[str]:
    """The plain verdict on the DMI's advantage over crackdowns, and its tests.

    ``distinct``: the particles the draws fell on; below ``MIN_DISTINCT_PARTICLES`` the
    verdict says the parameter uncertainty was not tested, whatever the draws show.
    """
    if share is None:
        return [
            "Not assessed: the comparison needs both `dmi` and `crackdown` (e.g. `compare "
            "crackdown dmi --posterior ...`)."
        ]
    holds = share.loc["holds"]
    draws, passed = int(holds["draws"]), int(holds["passed"])
    interval = f"95 % Wilson interval {pct(holds['low'], False)} to {pct(holds['high'], False)}"
    if distinct < MIN_DISTINCT_PARTICLES:
        remedy = (
            "the posterior has a single particle: one with more is needed"
            if particles_in_posterior < MIN_DISTINCT_PARTICLES
            else f"draw more (`--draws {DEFAULT_DRAWS}` or more) to test it"
        )
        at_it = "holds" if passed == draws else "does not hold" if passed == 0 else "is mixed"
        verdict = (
            f"**The parameter uncertainty was not tested: the {draws} draws fell on "
            f"{_particles(distinct)}, so every run used the same parameters** (at least "
            f"{MIN_DISTINCT_PARTICLES} are needed for the draws to differ at all); {remedy}. "
            f"At that one parameter set the DMI's advantage over crackdowns {at_it} "
            f"({passed} of {draws} draws), which says nothing about the rest of the "
            "posterior."
        )
    elif passed == draws:
        verdict = (
            f"**It survives the parameter uncertainty: the DMI's advantage over crackdowns "
            f"holds in all {draws} posterior draws** ({interval} for the share of the "
            f"posterior where it holds; {_particles(distinct)})."
        )
    elif passed == 0:
        verdict = (
            f"**It does not survive: the DMI's advantage over crackdowns holds in none of the "
            f"{draws} posterior draws** ({interval}; {_particles(distinct)})."
        )
    else:
        verdict = (
            f"**It does not survive in full: the DMI's advantage over crackdowns holds in "
            f"{passed} of {draws} posterior draws ({pct(holds['share'], False)})** "
            f"({interval}; {_particles(distinct)})."
        )
    rows = [
        [
            TESTS[key],
            f"{int(share.loc[key, 'passed'])} of {draws}",
            pct(share.loc[key, "share"], False),
        ]
        for key in TESTS
    ]
    return [
        verdict,
        "",
        "The advantage holds at a draw when, over the effect window and on the mean of that "
        "draw's replications, the DMI passes all three tests against crackdowns:",
        "",
        table(["test", "draws passed", "share"], rows),
        "",
        "A draw's verdict rests on its replications' means, so seed noise can tip a draw "
        "that sits near a line; `advantage.csv` has every draw's levels.",
    ]


def _draws_section(draws: pd.DataFrame) -> list[str]:
    """The parameter sets the runs used."""
    keys = [c for c in draws.columns if c not in ("particle", "draws", "weight")]
    if len(draws) <= MAX_LISTED_DRAWS:
        rows = [
            [str(int(r["particle"])), str(int(r["draws"])), f"{r['weight']:.3g}"]
            + [num(r[k]) if isinstance(r[k], int | float) else str(r[k]) for k in keys]
            for _, r in draws.iterrows()
        ]
        return [table(["particle", "draws", "weight", *keys], rows)]
    rows = [
        [key, num(draws[key].min()), num(draws[key].median()), num(draws[key].max())]
        for key in keys
    ]
    return [
        f"{_particles(len(draws))} (every one in `draws.csv`); their range:",
        "",
        table(["parameter", "min", "median", "max"], rows),
    ]


def write_posterior_report(
    path: Path,
    manifest: Mapping[str, Any],
    pooled: pd.DataFrame,
    draws: pd.DataFrame,
    share: pd.DataFrame | None,
    overridden: Mapping[str, list[str]],
) -> Path:
    """Write ``report.md`` of a posterior comparison."""
    k, reps = manifest["draws"], manifest["replications"]
    first = int(pooled["window_start"].min())
    last = int(pooled["window_end"].max()) - 1
    scenarios = ", ".join(f"`{s}`" for s in manifest["scenarios"])
    rows = pooled[pooled["scenario"] != COUNTERFACTUAL].set_index(["scenario", "outcome"])
    findings = [
        f"Under **{name}**: "
        + "; ".join(
            change_phrase(o, rows.loc[(name, o)])
            + f", parameters {_share(_between(o, rows.loc[(name, o)]))} of the variance"
            for o in HEADLINE
            if (name, o) in rows.index
        )
        + "."
        for name in dict.fromkeys(rows.index.get_level_values("scenario"))
    ]
    replaced = [
        f"`{label}`: " + ", ".join(f"`{key}`" for key in keys)
        for label, keys in overridden.items()
        if keys
    ]
    text = [
        "# Crackdowns and the DMI compared over the parameter posterior",
        "",
        f"Command: `{manifest['command'] or manifest['api'] + '(...)'}`  ",
        f"Run from {manifest['started_at']} to {now()}.",
        "",
        f"{k} parameter sets were drawn from the posterior `{manifest['posterior']}` "
        f"({manifest['particles_in_posterior']} particles, resampled by weight; the draws "
        f"fell on {_particles(len(draws))}, each run once). At each draw, scenarios "
        f"{scenarios} ran {reps} times on the same seeds as the same-seed `{COUNTERFACTUAL}` "
        f"(root seed {manifest['root_seed']}): {manifest['runs']} runs. Effects are measured "
        f"over days {first}-{last}; each interval holds the seed noise and the parameter "
        "uncertainty (method below).",
        "",
        "## Does the DMI's advantage over crackdowns survive the uncertainty?",
        "",
        *advantage_lines(share, len(draws), manifest["particles_in_posterior"]),
        "",
        "## Effects with parameter uncertainty",
        "",
        *[f"- {line}" for line in findings],
        "",
        FLOOR_RULE,
        "",
        "Change against the same-seed baseline pooled over the draws (95 % interval), and the "
        "share of the interval's variance that comes from the parameters (the rest is seed "
        "noise):",
        "",
        effects_table(pooled, _cell),
        "",
        "## The parameter draws",
        "",
        *_draws_section(draws),
        "",
        *(
            [
                "The posterior's values replaced these scenarios' own settings (as `--set` "
                "would): " + "; ".join(replaced) + ".",
                "",
            ]
            if replaced
            else []
        ),
        "## Method and files",
        "",
        METHOD,
        "",
        "`effects.csv`: the pooled effects (`abs_*` absolute, `ratio_*` relative, "
        "`*_between_share` the parameters' share, `abs_df` the interval's degrees of "
        "freedom); `effects_by_draw.csv`: the ordinary paired effects at each particle; "
        "`advantage.csv`: the DMI's and the crackdowns' levels and the tests at each "
        "particle (`draws`: how often it was drawn); `draws.csv`: the parameters; "
        "`summary.csv` and `timeseries.parquet`: every run; `manifest.json`: the command, "
        "seeds, draws, versions and commit.",
        "",
    ]
    path.write_text("\n".join(text), encoding="utf-8")
    return path
