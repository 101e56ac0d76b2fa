"""A calibration's result folder: the posterior, the acceptance history, what constrains what.

Read from pyabc's database (every generation's accepted particles, their parameters in
pyabc's coordinates, distances and measured targets) and written as:

* ``posterior.csv`` -- the interface ``compare --posterior`` reads: one row per accepted
  particle of the last generation, one column per parameter under its registry key (the
  model's values: whole numbers and levels decoded), and ``weight`` (summing to 1);
* ``particles.csv`` -- every stored particle of every generation with its distance and each
  target's simulated value;
* ``generations.csv`` -- per generation: threshold epsilon, particles, evaluations,
  acceptance rate, model runs, wall seconds;
* ``parameters.csv`` -- per parameter: prior range, posterior mean and 90 % interval, and
  the contraction ``1 - posterior variance / prior variance`` (0: the evidence taught
  nothing; 1: pinned down);
* ``constraints.csv`` -- per target and parameter, Spearman's rank correlation between the
  parameter and the target's simulated value over all particles of all generations (a
  generation-0 particle is a prior draw): which targets move with, and so constrain,
  which parameters;
* ``figures/`` -- posterior marginals over the prior ranges, the pairwise posterior of the
  most contracted parameters, the constraint map; ``report.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from matplotlib.figure import Figure
from scipy.stats import spearmanr

from dmi_sim.studies.kit.markdown import num, table
from dmi_sim.studies.kit.plots import OKABE_ITO, save_figure
from dmi_sim.studies.validation.abc import FAILED_RUNS, CalibrationSpec

#: Parameters in the pairwise figure: the most contracted ones (a 35 x 35 grid is unreadable).
PAIRS_MAX = 6
#: The posterior interval reported per parameter.
INTERVAL = (0.05, 0.95)


def particles(history: pyabc.History, spec: CalibrationSpec) -> pd.DataFrame:
    """Every stored particle: generation, weight, parameters (model values), distance,
    targets' simulated values, failed runs."""
    ids = [t.id for t in spec.targets]
    rows = []
    for t in range(history.max_t + 1):
        for p in history.get_population(t).particles:
            rows.append(
                {
                    "generation": t,
                    "weight": p.weight,
                    **spec.space.decode(p.parameter),
                    "distance": p.distance,
                    **{k: float(np.asarray(p.sum_stat[k])) for k in (*ids, FAILED_RUNS)},
                }
            )
    return pd.DataFrame(rows)


def posterior(table_: pd.DataFrame, spec: CalibrationSpec) -> pd.DataFrame:
    """The last generation: one column per parameter and ``weight``, summing to 1."""
    last = table_[table_["generation"] == table_["generation"].max()]
    out = last[[*spec.space.keys, "weight"]].reset_index(drop=True)
    out["weight"] = out["weight"] / out["weight"].sum()
    return out


def generations(history: pyabc.History, runs_per_particle: int) -> pd.DataFrame:
    """The acceptance history, one row per generation."""
    pops = history.get_all_populations().query("t >= 0")
    return pd.DataFrame(
        {
            "generation": pops["t"].astype(int),
            "epsilon": pops["epsilon"],
            "particles": pops["particles"].astype(int),
            "evaluations": pops["samples"].astype(int),
            "acceptance_rate": pops["particles"] / pops["samples"],
            "runs": pops["samples"].astype(int) * runs_per_particle,
            "wall_seconds": pops["wall_time"],
        }
    ).reset_index(drop=True)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of a weighted sample (the inverse of its weighted CDF)."""
    order = np.argsort(values)
    cdf = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cdf, q), len(values) - 1)])


def parameters(post: pd.DataFrame, spec: CalibrationSpec) -> pd.DataFrame:
    """Per parameter: prior, posterior mean and interval, contraction."""
    w = post["weight"].to_numpy()
    rows = []
    for prior in spec.space.priors:
        x = post[prior.key].to_numpy(dtype=float)
        mean = float(np.average(x, weights=w))
        var = float(np.average((x - mean) ** 2, weights=w))
        f = prior.factor
        rows.append(
            {
                "parameter": prior.key,
                "prior": f"{f.low} to {f.high}" if f.is_range else " / ".join(map(str, f.values)),
                "mean": mean,
                "low": weighted_quantile(x, w, INTERVAL[0]),
                "high": weighted_quantile(x, w, INTERVAL[1]),
                "contraction": 1 - var / prior.prior_variance(),
            }
        )
    return pd.DataFrame(rows)


def constraints(table_: pd.DataFrame, spec: CalibrationSpec) -> pd.DataFrame:
    """Spearman's rho of each target's simulated value with each parameter, over every
    stored particle (NaN where either does not vary)."""
    rows = []
    for tid in (t.id for t in spec.targets):
        row: dict[str, Any] = {"target": tid}
        for key in spec.space.keys:
            pair = table_[[key, tid]].dropna()
            varies = len(pair) > 2 and pair[key].nunique() > 1 and pair[tid].nunique() > 1
            row[key] = float(spearmanr(pair[key], pair[tid]).statistic) if varies else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("target")


def plot_marginals(post: pd.DataFrame, spec: CalibrationSpec, path: Path) -> Path:
    """One weighted histogram per parameter over its whole prior range."""
    priors = spec.space.priors
    cols = min(4, len(priors))
    rows = -(-len(priors) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows))
    fig.subplots_adjust(hspace=0.55, wspace=0.3)  # fixed spacing: a layout engine over 36
    # axes costs a minute on a busy core
    for i, prior in enumerate(priors):
        ax = fig.add_subplot(rows, cols, i + 1)
        f = prior.factor
        x = post[prior.key].to_numpy(dtype=float)
        if f.is_range:
            ax.hist(
                x, bins=12, range=(f.low, f.high), weights=post["weight"], color=OKABE_ITO["blue"]
            )
            ax.set_xlim(f.low, f.high)
        else:
            mass = [post["weight"][x == float(v)].sum() for v in f.values]
            ax.bar([str(v) for v in f.values], mass, color=OKABE_ITO["blue"])
        ax.axhline(0, color="black", linewidth=0.5)
        ax.set_title(prior.key, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Posterior marginals (weighted), over each parameter's prior range")
    return save_figure(fig, path)


def plot_pairs(post: pd.DataFrame, keys: Sequence[str], spec: CalibrationSpec, path: Path) -> Path:
    """Pairwise scatter of the posterior, point area by weight, axes over the prior ranges."""
    factors = {p.key: p.factor for p in spec.space.priors}
    n = len(keys)
    fig = Figure(figsize=(2.2 * n + 0.5, 2.2 * n + 0.5))
    fig.subplots_adjust(hspace=0.3, wspace=0.3)
    size = 400 * post["weight"].to_numpy()
    for i, yk in enumerate(keys):
        for j, xk in enumerate(keys):
            ax = fig.add_subplot(n, n, i * n + j + 1)
            if i == j:
                f = factors[xk]
                ax.hist(
                    post[xk].astype(float),
                    bins=12,
                    range=(f.low, f.high) if f.is_range else None,
                    weights=post["weight"],
                    color=OKABE_ITO["blue"],
                )
            else:
                ax.scatter(
                    post[xk].astype(float),
                    post[yk].astype(float),
                    s=size,
                    alpha=0.5,
                    color=OKABE_ITO["blue"],
                )
                _prior_limits(ax.set_ylim, factors[yk])
            _prior_limits(ax.set_xlim, factors[xk])
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(xk, fontsize=7)
            if j == 0:
                ax.set_ylabel(yk, fontsize=7)
    fig.suptitle("Posterior, pairwise (the most contracted parameters)")
    return save_figure(fig, path)


def _prior_limits(set_limits: Any, factor: Any) -> None:
    if factor.is_range:
        set_limits(factor.low, factor.high)


def plot_constraints(rho: pd.DataFrame, path: Path) -> Path:
    """The constraint map: targets x parameters, Spearman's rho from -1 to 1."""
    fig = Figure(
        figsize=(1.2 + 0.35 * rho.shape[1], 1.5 + 0.3 * rho.shape[0]), layout="constrained"
    )
    ax = fig.add_subplot()
    image = ax.imshow(rho.to_numpy(dtype=float), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(rho.shape[1]), rho.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(rho.shape[0]), rho.index, fontsize=7)
    fig.colorbar(image, ax=ax, label="Spearman's rho, target value vs parameter")
    ax.set_title("Which targets move with which parameters (all particles)", fontsize=9)
    return save_figure(fig, path, tight=False)


def write_results(
    folder: Path, history: pyabc.History, spec: CalibrationSpec, manifest: Mapping[str, Any]
) -> dict[str, Any]:
    """Write every table, figure and the report into ``folder``; return the figures'
    relative paths and the cost figures for the manifest."""
    per_particle = spec.runs_per_particle()
    all_particles = particles(history, spec)
    post = posterior(all_particles, spec)
    gens = generations(history, per_particle)
    params = parameters(post, spec)
    rho = constraints(all_particles, spec)
    post.to_csv(folder / "posterior.csv", index=False)
    all_particles.to_csv(folder / "particles.csv", index=False)
    gens.to_csv(folder / "generations.csv", index=False)
    params.to_csv(folder / "parameters.csv", index=False)
    rho.to_csv(folder / "constraints.csv")
    (folder / "figures").mkdir()
    pairs = params.sort_values("contraction", ascending=False)["parameter"][:PAIRS_MAX]
    figures = {
        "marginals": plot_marginals(post, spec, folder / "figures" / "marginals.png"),
        "pairs": plot_pairs(post, list(pairs), spec, folder / "figures" / "pairs.png"),
        "constraints": plot_constraints(rho, folder / "figures" / "constraints.png"),
    }
    cost = {
        "evaluations": int(gens["evaluations"].sum()),
        "runs": int(gens["runs"].sum()),
        "runs_per_particle": per_particle,
        "sampling_seconds": float(gens["wall_seconds"].sum()),
        "failed_runs": int(all_particles[FAILED_RUNS].sum()),
    }
    relative = {name: f"figures/{p.name}" for name, p in figures.items()}
    _write_report(folder / "report.md", spec, gens, params, rho, post, relative, cost, manifest)
    return {"figures": relative, "cost": cost}


def _write_report(
    path: Path,
    spec: CalibrationSpec,
    gens: pd.DataFrame,
    params: pd.DataFrame,
    rho: pd.DataFrame,
    post: pd.DataFrame,
    figures: Mapping[str, str],
    cost: Mapping[str, Any],
    manifest: Mapping[str, Any],
) -> None:
    last_eps = float(gens["epsilon"].iloc[-1])
    if np.isinf(last_eps):
        inside = "only the prior sample is drawn: the posterior is the prior"
    elif last_eps <= 0:
        inside = "every accepted particle has every target inside its band (threshold 0)"
    else:
        inside = (
            f"the last threshold is {num(last_eps)} (sum of misses in band widths): the "
            "accepted particles are the closest found, not all inside every band"
        )
    names = {t.id: t.name for t in spec.targets}
    strongest = []
    for tid in rho.index:
        row = rho.loc[tid].dropna()
        if row.empty:
            continue
        key = row.abs().idxmax()
        strongest.append([tid, names[tid], key, f"{row[key]:+.2f}"])
    lines = [
        "# Calibration against the evidence (ABC-SMC)",
        "",
        f"Command: `{manifest.get('command')}`",
        "",
        f"{len(spec.space.priors)} parameters from `{spec.space.path}` (uniform priors over "
        f"their ranges), {len(spec.targets)} targets ({', '.join(names)}), "
        f"{spec.particles} particles a generation, {len(gens)} of at most {spec.generations} "
        f"generations; each particle runs {cost['runs_per_particle']} model runs "
        f"({spec.reps} replication(s) of each arm its targets need; baseline and dmi 4x, "
        f"dmi_low_fidelity 3x, as in validate). After the last generation {inside}.",
        "",
        *(
            [
                "The space's overrides are not applied (the targets are measured on the "
                "scenarios' own frame, as the validation measures them): "
                + ", ".join(f"`{k} = {v}`" for k, v in spec.space.not_applied.items())
                + ".",
                "",
            ]
            if spec.space.not_applied
            else []
        ),
        "The posterior (`posterior.csv`, weights summing to 1) is what "
        "`compare --posterior` draws from.",
        "",
        "## Acceptance history",
        "",
        table(
            ["generation", "epsilon", "particles", "evaluations", "acceptance", "runs", "wall s"],
            [
                [
                    str(r.generation),
                    "∞ (prior sample)" if np.isinf(r.epsilon) else num(r.epsilon),
                    str(r.particles),
                    str(r.evaluations),
                    f"{r.acceptance_rate:.0%}",
                    f"{r.runs:,}",
                    num(r.wall_seconds),
                ]
                for r in gens.itertuples()
            ],
        ),
        "",
        f"Cost: {cost['evaluations']:,} particle evaluations, {cost['runs']:,} model runs, "
        f"{num(cost['sampling_seconds'])} s of sampling on {manifest.get('slots')} slot(s)"
        + (f"; {cost['failed_runs']} runs failed" if cost["failed_runs"] else "")
        + ".",
        "",
        "## Posterior",
        "",
        "Contraction = 1 - posterior variance / prior variance: 0, the targets say nothing "
        "about the parameter; near 1, they pin it down. With few particles a generation "
        "descends from a handful of ancestors and the contraction is overstated: trust it "
        "with hundreds.",
        "",
        table(
            ["parameter", "prior", "mean", "90 % interval", "contraction"],
            [
                [
                    r.parameter,
                    r.prior,
                    num(r.mean),
                    f"{num(r.low)} to {num(r.high)}",
                    f"{r.contraction:.2f}",
                ]
                for r in params.sort_values("contraction", ascending=False).itertuples()
            ],
        ),
        "",
        f"![marginals]({figures['marginals']})",
        "",
        f"![pairs]({figures['pairs']})",
        "",
        "## Which targets constrain which parameters",
        "",
        "Spearman's rank correlation of each target's simulated value with each parameter "
        f"over all {int(gens['particles'].sum())} stored particles "
        "(`constraints.csv`); the strongest per target:",
        "",
        table(["target", "what", "parameter", "rho"], strongest),
        "",
        f"![constraints]({figures['constraints']})",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
