"""Compare policy scenarios against the same-seed baseline: one command, one result folder.

Replication *i* of every scenario runs on seed *i* of ``replication_seeds(seed, reps)``, and
so does replication *i* of the ``baseline`` counterfactual, which is run once and shared by
every comparison. All runs go through the sweep engine; this module builds the paired
tasks, then turns the engine's store into the folder a reader opens:

``manifest.json``, ``timeseries.parquet``, ``summary.csv``, ``effects.csv``, ``figures/``
and ``report.md``. The folder is written under a hidden staging name and renamed into place
only when complete. The runs are streamed to a store beside it named after the task list
(``.compare-runs-<fingerprint>``), so an interrupted or killed comparison resumes when the
same command is given again (even though its default folder name has a new timestamp);
the store is deleted once the folder is written.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.api import zone_masks
from dmi_sim.engine import RunReport, RunTask, load_failures, load_maps, load_results, run_tasks
from dmi_sim.engine.executors import process_pool
from dmi_sim.engine.provenance import check_new, finish_manifest, staged_folder, start_manifest
from dmi_sim.engine.runner import Interrupted
from dmi_sim.engine.seeds import replication_problem, replication_seeds
from dmi_sim.engine.store import ResultStore
from dmi_sim.engine.tasks import fingerprint
from dmi_sim.params import (
    POLICY_SECTIONS,
    SCENARIO_DIR,
    Params,
    load_params,
    policy_window_problem,
    world_differences,
)
from dmi_sim.studies.compare.animation import animate_run
from dmi_sim.studies.compare.figures import MAP_FIELDS, plot_effects, plot_maps
from dmi_sim.studies.compare.headline import add_derived, console_lines, headline
from dmi_sim.studies.compare.precision import EffectPrecision, replicate_effects
from dmi_sim.studies.compare.report import write_report
from dmi_sim.studies.kit.outcomes import SERIES as OUTCOMES
from dmi_sim.studies.kit.plots import plot_cumulative, plot_timeseries
from dmi_sim.studies.kit.stats import COUNTERFACTUAL, WINDOW_DAYS, paired_effects

DEFAULT_SCENARIOS = ("baseline", "crackdown", "hotspot", "dmi", "dmi_no_community")
#: Replications of the default comparison: intervals narrow enough to read (about +-4 % on
#: active sellers), in about 3 minutes on two shared cores (100 runs of ~1 s CPU each).
DEFAULT_REPS = 20
#: The scenario whose run is animated, when it is compared.
ANIMATED = "crackdown"
#: Outcomes per time-series figure: the market and its harms; the community and the police.
TIMESERIES_FIGURES = {
    "timeseries_market": (
        "The market and its harms",
        (
            "active_sellers",
            "transactions_market",
            "transactions_catchment",
            "new_recruits",
            "violent_incidents",
            "disorder_market",
        ),
    ),
    "timeseries_community": (
        "Residents and police",
        (
            "residents_outdoors_market",
            "fear",
            "collective_efficacy",
            "trust_in_police",
            "reports",
            "officer_hours",
        ),
    ),
}
#: Outcomes in the effects forest plot.
EFFECT_FIGURE = (
    "active_sellers",
    "transactions_market",
    "transactions_catchment",
    "violent_incidents",
    "disorder_market",
    "residents_outdoors_market",
    "reports",
    "arrests_sellers",
    "incarcerated",
)


class CompareError(ValueError):
    """A comparison that cannot be run or completed; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class CompareSpec:
    """Everything that determines a comparison's results."""

    scenarios: Sequence[str] = DEFAULT_SCENARIOS
    reps: int = DEFAULT_REPS
    seed: int = 0
    days: int | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: run to a precision (``precision``): ``reps`` is then where every scenario starts
    precision: EffectPrecision | None = None


def _resolve(spec: CompareSpec) -> dict[str, tuple[str, Params]]:
    """Label -> (scenario as given, validated parameters); the counterfactual first.

    Raises ``ParameterError`` for an unknown scenario, a bad file, key or value, and
    ``CompareError`` for settings no comparison can be made from.
    """
    if problem := replication_problem(spec.reps, spec.seed):
        raise CompareError(problem)
    if spec.precision and (problem := spec.precision.problem(spec.reps)):
        raise CompareError(problem)
    overrides = dict(spec.overrides)
    if spec.days is not None:
        overrides["run.days"] = spec.days  # what simulate(days=) does, checked here first
    resolved: dict[str, tuple[str, Params]] = {}
    for scenario in [COUNTERFACTUAL, *spec.scenarios]:
        params = load_params(scenario, overrides)
        label = params.scenario
        if label in resolved:
            if resolved[label][0] == scenario:
                continue
            raise CompareError(
                f"two scenarios are both called '{label}' ({resolved[label][0]} "
                f"and {scenario}); rename one file"
            )
        if problem := policy_window_problem(params):
            raise CompareError(f"{label}: {problem}")
        resolved[label] = (scenario, params)
    baseline = resolved[next(iter(resolved))][1]
    for _, params in resolved.values():
        if differences := world_differences(params, baseline):
            raise CompareError(
                f"{params.origin}: " + ", ".join(differences) + " set outside the policy "
                f"sections, so the same-seed '{COUNTERFACTUAL}' would differ in more than "
                "the policy (another neighbourhood, or another run and its windows); allowed "
                "in a compared scenario: keys of "
                + ", ".join(f"[{name}]" for name in sorted(POLICY_SECTIONS))
                + "; give the others with --set, which every scenario and the "
                f"'{COUNTERFACTUAL}' share"
            )
    if len(resolved) < 2:
        raise CompareError(
            f"nothing to compare: '{COUNTERFACTUAL}' is always run as the "
            "same-seed counterfactual; allowed: at least one other scenario, "
            "e.g. 'compare dmi'"
        )
    return resolved


def common_start(resolved: Mapping[str, tuple[str, Params]]) -> int:
    """The day every compared policy starts: ``_resolve`` refuses a scenario whose
    ``run.intervention_start`` differs from the baseline's (``world_differences``), so
    the effect windows and the totals from the start are the same for every scenario and
    a saving against another policy is over the same days."""
    return int(next(iter(resolved.values()))[1]["run.intervention_start"])


def build_tasks(
    resolved: Mapping[str, tuple[str, Params]], seeds: Sequence[int], spec: CompareSpec
) -> list[RunTask]:
    """Replication i of every scenario on ``seeds[i]``: the paired design. Replication 0
    also keeps its before/after maps (the report's map figures)."""
    return [
        RunTask(
            run_id=f"{label}-r{i:03d}",
            scenario=scenario,
            overrides=dict(spec.overrides),
            seed=seed,
            days=spec.days,
            labels={"scenario": label, "replication": i},
            keep_maps=i == 0,
        )
        for label, (scenario, _) in resolved.items()
        for i, seed in enumerate(seeds)
    ]


def run_store(out: Path, tasks: Sequence[RunTask]) -> Path:
    """Where the runs of ``tasks`` are streamed: found again by the same command, to resume."""
    return Path(out).parent / f".compare-runs-{fingerprint(tasks)}"


def _run_all(
    tasks: list[RunTask],
    store: Path,
    workers: int | None,
    progress: bool,
    planned: list[RunTask] | None = None,
) -> tuple[RunReport, pd.DataFrame, pd.DataFrame]:
    """Run the tasks through the engine (into the store of ``planned``, when they are part
    of it); all must succeed for the comparison to stand. Returns their runs only."""
    report = run_tasks(tasks, store, workers=workers, progress=progress, planned=planned)
    if report.n_failed:
        first = load_failures(store).iloc[0]
        raise CompareError(
            f"{report.n_failed} of {report.n_tasks} runs failed (listed in "
            f"{report.failures_path}); first: {first['run_id']}: "
            f"{first['error_type']}: {first['error']}"
        )
    summary, ts = load_results(store)
    ids = {task.run_id for task in tasks}
    return report, summary[summary["run_id"].isin(ids)], ts[ts["run_id"].isin(ids)]


def _tidy(
    summary: pd.DataFrame, ts: pd.DataFrame, order: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scenarios in the order given, then replication and day; the seed beside every row."""
    rank = {name: k for k, name in enumerate(order)}

    def ordered(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        frame = frame.assign(_rank=frame["scenario"].map(rank))
        return frame.sort_values(["_rank", *keys]).drop(columns="_rank").reset_index(drop=True)

    summary = ordered(summary, ["replication"])
    ts = ts.merge(summary[["run_id", "seed"]], on="run_id", how="left")
    front = ["scenario", "replication", "seed", "run_id", "day"]
    ts = ts[front + [c for c in ts.columns if c not in front]]
    return summary, ordered(ts, ["replication", "day"])


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


def _draw(
    folder: Path,
    resolved: Mapping[str, tuple[str, Params]],
    ts: pd.DataFrame,
    effects: pd.DataFrame,
    start: int,
    store: Path,
    seed0: int,
    workers: int | None,
) -> dict[str, str]:
    """Every figure of the folder; returns their paths (relative to it) by role.

    The animation goes to a process pool first; the figures drawn from the stored series
    and maps (replication 0's, kept by the engine) are made here meanwhile.
    """
    figures = folder / "figures"
    figures.mkdir()
    paths: dict[str, Path] = {}
    executor, _ = process_pool(workers)
    starts = dict.fromkeys(resolved, start)  # kit's plots take a start per series
    try:
        if ANIMATED in resolved:
            last = int(ts.loc[ts["scenario"] == ANIMATED, "day"].max())
            animation = executor.submit(
                animate_run,
                resolved[ANIMATED][1],
                seed0,
                figures / f"{ANIMATED}_animation.gif",
                first_day=max(0, start - 30),
                last_day=min(last, start + WINDOW_DAYS),
            )
        for name, (title, outcomes) in TIMESERIES_FIGURES.items():
            shown = [o for o in outcomes if o in ts.columns]
            paths[name] = plot_timeseries(ts, shown, starts, figures / f"{name}.png", title)
        paths["effects"] = plot_effects(
            effects, [o for o in EFFECT_FIGURE if o in ts.columns], figures / "effects.png"
        )
        paths["cumulative"] = plot_cumulative(ts, starts, figures / "cumulative_enforcement.png")
        zones = zone_masks(next(iter(resolved.values()))[1])
        grids = {label: load_maps(store, f"{label}-r000") for label in resolved}
        for map_field in MAP_FIELDS:
            paths[f"map_{map_field}"] = plot_maps(
                grids,
                map_field,
                figures / f"map_{map_field}.png",
                "replication 0",
                zones["market_mask"],
                zones["catchment_mask"],
            )
        if ANIMATED in resolved:
            paths["animation"] = animation.result()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return {k: str(p.relative_to(folder)) for k, p in paths.items()}


def run_compare(
    spec: CompareSpec,
    out: Path,
    argv: list[str] | None,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Run the comparison and write its result folder ``out``; return the report's path.

    Args:
        spec: scenarios, replications, root seed, horizon and overrides.
        out: the result folder; must not exist. The runs go first to ``run_store(out,
            tasks)``, which a call interrupted before it wrote ``out`` leaves for the next.
        argv: the command's arguments, recorded in the manifest; None from Python.
        workers: processes for the runs (None: all cores; 1: in-process).
        progress: progress bar and stage messages on stderr.
    """
    resolved = _resolve(spec)
    check_new(out)
    seeds = replication_seeds(spec.seed, spec.reps)
    most = spec.precision.stepping.max_reps if spec.precision else spec.reps
    tasks = build_tasks(resolved, replication_seeds(spec.seed, most), spec)  # at most these
    manifest = start_manifest(
        "compare",
        argv,
        api="dmi_sim.studies.compare.run_compare",
        scenarios=list(resolved),
        counterfactual=COUNTERFACTUAL,
        replications=spec.reps,
        root_seed=spec.seed,
        seeds=seeds,
        days=spec.days,
        overrides=dict(spec.overrides),
        custom_scenarios={
            label: params.origin
            for label, (_, params) in resolved.items()
            if Path(params.origin).resolve().parent != SCENARIO_DIR.resolve()
        },
        workers=workers,
        runs=len(tasks),
    )
    store = run_store(out, tasks)
    try:
        _run_and_write(out, store, tasks, resolved, spec, seeds, manifest, workers, progress)
    except KeyboardInterrupt:
        raise interrupted(store, len(tasks)) from None
    shutil.rmtree(store)
    return out / "report.md"


def _run_to_precision(
    precision: EffectPrecision,
    planned: list[RunTask],
    store: Path,
    resolved: Mapping[str, tuple[str, Params]],
    spec: CompareSpec,
    start: int,
    manifest: dict[str, Any],
    workers: int | None,
    progress: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``compare --precision``: the runs of the step that met it (or of the cap), with
    the steps recorded in the manifest (``precision.replicate_effects``)."""
    stored = ResultStore(store).stored_run_ids() if store.exists() else set()
    ran: list[RunTask] = []

    def runs_at(reps: Mapping[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
        seeds = replication_seeds(spec.seed, max(reps.values()))
        ran[:] = [
            task
            for label, n in reps.items()
            for task in build_tasks({label: resolved[label]}, seeds[:n], spec)
        ]
        _say(progress, "replications: " + ", ".join(f"{k} {n}" for k, n in reps.items()))
        return _run_all(ran, store, workers, progress, planned)[1:]

    summary, ts, manifest["precision"] = replicate_effects(
        list(resolved), spec.reps, precision, start, runs_at
    )
    manifest["runs"] = len(ran)
    manifest["seeds"] = replication_seeds(spec.seed, manifest["precision"]["baseline_replications"])
    manifest["runs_already_stored"] = len(stored & {task.run_id for task in ran})
    return summary, ts


def interrupted(store: Path, n_tasks: int) -> Interrupted:
    """What a comparison stopped by Ctrl-C or SIGTERM says: what it kept, how to go on."""
    stored = len(ResultStore(store).stored_run_ids()) if store.exists() else 0
    return Interrupted(
        f"{stored}/{n_tasks} runs stored in {store}; run the same command again to resume"
    )


def _run_and_write(
    out: Path,
    store: Path,
    tasks: list[RunTask],
    resolved: Mapping[str, tuple[str, Params]],
    spec: CompareSpec,
    seeds: Sequence[int],
    manifest: dict[str, Any],
    workers: int | None,
    progress: bool,
) -> None:
    """Run (or resume) the runs into ``store``, then write the result folder ``out``.

    ``tasks``: every run the comparison may need (with ``--precision``, up to the cap)."""
    start = common_start(resolved)
    if spec.precision is None:
        report, *runs = _run_all(tasks, store, workers, progress)
        manifest["runs_already_stored"] = report.n_skipped
    else:
        runs = _run_to_precision(
            spec.precision, tasks, store, resolved, spec, start, manifest, workers, progress
        )
    summary, ts = _tidy(*runs, list(resolved))
    summary = add_derived(summary, ts, start)
    with staged_folder(out) as folder:
        ts.to_parquet(folder / "timeseries.parquet", index=False)
        summary.to_csv(folder / "summary.csv", index=False)

        outcomes = [o for o in OUTCOMES if o in ts.columns]
        effects = paired_effects(ts, dict.fromkeys(resolved, start), outcomes)
        effects.to_csv(folder / "effects.csv", index=False)

        _say(
            progress, f"Drawing figures, mapping and animating replication 0 (seed {seeds[0]}) ..."
        )
        figures = _draw(folder, resolved, ts, effects, start, store, seeds[0], workers)
        manifest["parameters"] = {label: p.values for label, (_, p) in resolved.items()}
        manifest["intervention_start"] = start
        manifest["figures"] = figures
        write_report(folder / "report.md", manifest, ts, summary, effects, start, figures)
        days = int(ts["day"].max()) + 1
        lines = console_lines(headline(summary, start, days))
        (folder / "headline.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        finish_manifest(manifest, folder / "manifest.json")
