"""``compare --posterior``: the comparison repeated over draws from a parameter posterior.

K parameter sets are drawn from the posterior's weighted particles (``engine.posterior``,
seeded from the comparison's root seed on a stream of its own). At each draw every scenario
and the baseline run R times, replication *i* on seed *i* of ``replication_seeds(seed,
R)``, the same seeds at every draw: effects are paired on seeds within a draw, and the
draws differ only in their parameters. A particle drawn twice is run once and counted
twice. The posterior's values are applied to every scenario as ``--set`` would be (also
over a value the scenario file sets itself; the report names those).

All runs go through the engine into a store named after the task list, so an interrupted
comparison resumes when the same command is given again; the result folder is written
whole or not at all (``staged_folder``): ``manifest.json``, ``draws.csv``, ``summary.csv``,
``timeseries.parquet``, ``effects.csv`` (pooled), ``effects_by_draw.csv``,
``advantage.csv`` and ``report.md``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.engine import RunTask
from dmi_sim.engine.posterior import (
    DEFAULT_DRAWS,
    PARTICLE,
    Posterior,
    PosteriorError,
    draws_from,
    load_posterior,
)
from dmi_sim.engine.provenance import check_new, finish_manifest, staged_folder, start_manifest
from dmi_sim.engine.seeds import replication_seeds
from dmi_sim.params import ParameterError, Params, load_params, read_scenario
from dmi_sim.studies.compare.pipeline import (
    CompareError,
    CompareSpec,
    _resolve,
    _run_all,
    _tidy,
    common_start,
    interrupted,
)
from dmi_sim.studies.compare.pipeline import run_store as compare_run_store
from dmi_sim.studies.compare.posterior_report import write_posterior_report
from dmi_sim.studies.compare.uncertainty import (
    advantage_by_draw,
    advantage_share,
    effects_by_particle,
    pooled_effects,
)
from dmi_sim.studies.kit.outcomes import SERIES as OUTCOMES

__all__ = ["DEFAULT_DRAWS", "run_posterior_compare"]


def _check_keys(posterior: Posterior, spec: CompareSpec) -> None:
    """Refuse a parameter both the posterior and ``--set`` set: one would be ignored."""
    both = [key for key in posterior.keys if key in spec.overrides]
    if both:
        raise CompareError(
            f"{posterior.path}: column {both[0]} is also set by --set "
            f"({spec.overrides[both[0]]!r}); allowed: one of them"
        )


def particle_overrides(posterior: Posterior, particle: int, spec: CompareSpec) -> dict[str, Any]:
    """The overrides of a run at one particle: its parameters, then ``--set``."""
    return {**posterior.parameters(particle), **spec.overrides}


def _preflight(
    resolved: Mapping[str, tuple[str, Params]],
    posterior: Posterior,
    particles: Sequence[int],
    spec: CompareSpec,
) -> None:
    """Resolve every (scenario, particle) now, so no run fails on its parameters later."""
    horizon = {} if spec.days is None else {"run.days": spec.days}
    for label, (scenario, _) in resolved.items():
        for particle in particles:
            try:
                load_params(scenario, {**particle_overrides(posterior, particle, spec), **horizon})
            except ParameterError as err:
                raise PosteriorError(
                    f"{posterior.path}: row {particle + 1} with scenario {label}: {err}"
                ) from None


def posterior_tasks(
    resolved: Mapping[str, tuple[str, Params]],
    posterior: Posterior,
    particles: Sequence[int],
    seeds: Sequence[int],
    spec: CompareSpec,
) -> list[RunTask]:
    """Replication i of every scenario at every particle on ``seeds[i]``."""
    return [
        RunTask(
            run_id=f"{label}-p{particle:05d}-r{i:03d}",
            scenario=scenario,
            overrides=particle_overrides(posterior, particle, spec),
            seed=seed,
            days=spec.days,
            labels={"scenario": label, PARTICLE: particle, "replication": i},
        )
        for label, (scenario, _) in resolved.items()
        for particle in particles
        for i, seed in enumerate(seeds)
    ]


def overridden_keys(
    resolved: Mapping[str, tuple[str, Params]], posterior: Posterior
) -> dict[str, list[str]]:
    """Per scenario, the posterior's keys that replace a value its file sets itself."""
    return {
        label: [key for key in posterior.keys if key in read_scenario(scenario)]
        for label, (scenario, _) in resolved.items()
    }


def run_posterior_compare(
    spec: CompareSpec,
    posterior_file: str | os.PathLike[str],
    draws: int,
    out: Path,
    argv: list[str] | None,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Run the comparison at ``draws`` posterior draws and write ``out``; return the report.

    Args:
        spec: scenarios, replications per draw, root seed (of the replication seeds and of
            the draws), horizon and overrides.
        posterior_file: a ``posterior.csv`` or a folder holding one.
        draws: parameter sets drawn from the posterior (at least 2).
        out: the result folder; must not exist.
        argv: the command's arguments, recorded in the manifest; None from Python.
        workers: processes for the runs (None: all cores; 1: in-process).
        progress: progress bar on stderr.
    """
    posterior = load_posterior(posterior_file)
    drawn = draws_from(posterior, draws, spec.seed)
    _check_keys(posterior, spec)
    resolved = _resolve(spec)
    check_new(out)
    counts = {draw.particle: draw.count for draw in drawn}
    particles = list(counts)
    _preflight(resolved, posterior, particles, spec)
    seeds = replication_seeds(spec.seed, spec.reps)
    tasks = posterior_tasks(resolved, posterior, particles, seeds, spec)
    manifest = start_manifest(
        "compare",
        argv,
        api="dmi_sim.studies.compare.run_posterior_compare",
        scenarios=list(resolved),
        replications=spec.reps,
        root_seed=spec.seed,
        seeds=seeds,
        days=spec.days,
        overrides=dict(spec.overrides),
        posterior=str(posterior.path),
        particles_in_posterior=len(posterior.weights),
        draws=draws,
        draws_by_particle=counts,
        workers=workers,
        runs=len(tasks),
    )
    store = compare_run_store(out, tasks)
    try:
        report, *runs = _run_all(tasks, store, workers, progress)
        manifest["runs_already_stored"] = report.n_skipped
        summary, ts = _tidy(*runs, list(resolved))
        _write(out, manifest, posterior, counts, resolved, summary, ts)
    except KeyboardInterrupt:
        raise interrupted(store, len(tasks)) from None
    shutil.rmtree(store)
    return out / "report.md"


def _draws_table(posterior: Posterior, counts: Mapping[int, int]) -> pd.DataFrame:
    """One row per particle drawn: how often, its weight and its parameters."""
    rows = [
        {
            PARTICLE: particle,
            "draws": counts[particle],
            "weight": float(posterior.weights[particle]),
            **posterior.parameters(particle),
        }
        for particle in sorted(counts)
    ]
    return pd.DataFrame(rows)


def _write(
    out: Path,
    manifest: dict[str, Any],
    posterior: Posterior,
    counts: Mapping[int, int],
    resolved: Mapping[str, tuple[str, Params]],
    summary: pd.DataFrame,
    ts: pd.DataFrame,
) -> None:
    """The result folder, from the stored runs."""
    start = common_start(resolved)
    outcomes = [o for o in OUTCOMES if o in ts.columns]
    by_particle = effects_by_particle(ts, start, outcomes)
    pooled = pooled_effects(by_particle, counts)
    advantage = share = None
    if {"dmi", "crackdown"} <= set(resolved):
        advantage = advantage_by_draw(ts, start).assign(draws=lambda t: t.index.map(counts))
        share = advantage_share(advantage, counts)
    draws = _draws_table(posterior, counts)
    with staged_folder(out) as folder:
        ts.to_parquet(folder / "timeseries.parquet", index=False)
        summary.to_csv(folder / "summary.csv", index=False)
        draws.to_csv(folder / "draws.csv", index=False)
        pooled.to_csv(folder / "effects.csv", index=False)
        by_particle.to_csv(folder / "effects_by_draw.csv", index=False)
        if advantage is not None:
            advantage.to_csv(folder / "advantage.csv")
        manifest["intervention_start"] = start
        write_posterior_report(
            folder / "report.md",
            manifest,
            pooled,
            draws,
            share,
            overridden_keys(resolved, posterior),
        )
        finish_manifest(manifest, folder / "manifest.json")
