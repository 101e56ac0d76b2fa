"""Run the validation: plan the runs, run them through the engine, measure, judge, report.

The runs are streamed to a store beside the result folder, named after the task list
(``.validation-runs-<fingerprint>``), so an interrupted validation resumes when the same
command is given again, even though its default result folder name has a new timestamp.
Only when every target is measured is the result folder written (under a staging name,
renamed when complete) and the store moved into it as ``runs/``.

The result folder: ``report.md``, ``targets.csv`` (the summary table), ``design.csv``
(which run serves which arm, level and replication), ``manifest.json``, ``figures/``, and
``runs/`` (the engine's store: every run's summary and daily series, for re-analysis).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmi_sim.engine import load_failures, load_results, run_tasks
from dmi_sim.engine.provenance import (
    OutputExistsError,
    finish_manifest,
    staged_folder,
    start_manifest,
)
from dmi_sim.engine.seeds import replication_problem
from dmi_sim.engine.store import ResultStore
from dmi_sim.engine.tasks import fingerprint
from dmi_sim.params import did_you_mean, policy_window_problem
from dmi_sim.studies.kit.precision import Stepping, replicate_until_precise
from dmi_sim.studies.validation.figures import FIGURES
from dmi_sim.studies.validation.plan import Plan, Runs, arms_at, build_plan
from dmi_sim.studies.validation.report import table_rows, write_report
from dmi_sim.studies.validation.targets import BY_ID, TARGETS, Checked, Target, judge

#: Replications per paired scenario: enough for the effect intervals to be narrower than
#: their bands (violence, the noisiest, needs about 40; measured in the report).
DEFAULT_REPS = 40


class ValidationError(ValueError):
    """A validation that cannot be run or completed; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class ValidationSpec:
    """Everything that determines a validation's results.

    ``days`` shortens every run (for fast tests); windows past the end are cut, but every
    run must reach its policy start (``Validation.prepare`` refuses one that does not).
    ``precision``: add replications to the arms of every graded target whose interval is
    not yet narrow enough (``Checked.needs_replications``), in steps, up to a cap
    (``kit.precision``); ``reps`` is then where every arm starts.
    """

    reps: int = DEFAULT_REPS
    seed: int = 0
    targets: Sequence[str] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    days: int | None = None
    precision: Stepping | None = None


def select_targets(ids: Sequence[str]) -> list[Target]:
    """The targets named (case-insensitive), in table order; all when none are named."""
    if not ids:
        return list(TARGETS)
    lower = {t.lower(): t for t in BY_ID}
    unknown = [i for i in ids if i.lower() not in lower]
    if unknown:
        raise ValidationError(
            f"--targets: unknown target {unknown[0]!r}"
            f"{did_you_mean(unknown[0], BY_ID)}; known: {', '.join(BY_ID)}"
        )
    wanted = {lower[i.lower()] for i in ids}
    return [t for t in TARGETS if t.id in wanted]


@dataclass
class Validation:
    """A checked validation, ready to run: nothing has been written yet.

    ``plan`` is the runs measured (with ``--precision``, those of the latest step);
    ``planned`` the most there can be (``plan``, or every arm at the cap), which names the
    store.
    """

    spec: ValidationSpec
    out: Path
    targets: list[Target]
    plan: Plan
    planned: Plan

    @classmethod
    def prepare(cls, spec: ValidationSpec, out: Path) -> Validation:
        """Check every input; raise ``ValidationError``, ``ParameterError`` or
        ``OutputExistsError`` (all one line) before anything runs or is written."""
        if problem := replication_problem(spec.reps, spec.seed):
            raise ValidationError(problem)
        if spec.precision and (problem := spec.precision.problem(spec.reps)):
            raise ValidationError(problem)
        targets = select_targets(spec.targets)
        if Path(out).exists():
            raise OutputExistsError(f"{out}: output folder already exists; choose another --out")
        arms = list(dict.fromkeys(a for t in targets for a in t.arms))
        plan = _plan_at(spec, dict.fromkeys(arms, spec.reps))
        for (arm, _), params in plan.params.items():
            if problem := policy_window_problem(params):
                raise ValidationError(f"the {arm} arm ({params.scenario}): {problem}")
        most = spec.precision.max_reps if spec.precision else spec.reps
        planned = plan if most == spec.reps else _plan_at(spec, dict.fromkeys(arms, most))
        return cls(spec, Path(out), targets, plan, planned)

    def _arm_replications(self) -> dict[str, int]:
        """Replications of each arm (per level of a sweep)."""
        d = self.plan.design
        sizes = d.groupby(["arm", d["level"].fillna(-1)], sort=False).size()
        return {arm: int(n) for arm, n in sizes.groupby(level="arm", sort=False).max().items()}

    @property
    def store(self) -> Path:
        """Where the runs are streamed: found again by the same command, to resume."""
        return self.out.parent / f".validation-runs-{fingerprint(self.planned.tasks)}"

    def run(
        self,
        argv: list[str],
        executor: Executor | None = None,
        workers: int = 1,
        progress: bool = True,
    ) -> tuple[Path, dict[str, Checked]]:
        """Run, measure, judge and write the result folder; return the report's path and
        every target's measurement and verdict."""
        started, load_start = time.perf_counter(), _load()
        stored_before = ResultStore(self.store).stored_run_ids() if self.store.exists() else set()
        manifest = start_manifest(
            "validate",
            argv,
            targets=[t.id for t in self.targets],
            replications=self.spec.reps,
            root_seed=self.spec.seed,
            days=self.spec.days,
            overrides=dict(self.spec.overrides),
            workers=workers,
        )
        most = (
            f" (at most {len(self.planned.tasks)} with --precision)" if self.spec.precision else ""
        )
        _say(
            progress,
            f"validate: {len(self.targets)} targets, {len(self.plan.tasks)} runs{most} "
            f"-> {self.store} (rerun the same command to resume)",
        )
        meta = {"validation": manifest["command"]}
        if self.spec.precision is None:
            runs, checked = self._measure(self.plan, executor, workers, progress, meta)
        else:
            runs, checked, manifest["precision"] = self._to_precision(
                self.spec.precision, executor, workers, progress, meta
            )
        manifest["arm_replications"] = self._arm_replications()
        manifest["seeds"] = self.plan.seeds
        manifest["runs"] = len(self.plan.tasks)
        with staged_folder(self.out) as folder:
            (folder / "figures").mkdir()
            figures = {}
            for name in dict.fromkeys(t.figure for t in self.targets if t.figure):
                FIGURES[name](runs, checked, folder / "figures" / f"{name}.png")
                figures[name] = f"figures/{name}.png"
            table_rows(checked).to_csv(folder / "targets.csv", index=False)
            self.plan.design.to_csv(folder / "design.csv", index=False)
            manifest["wall_seconds"] = time.perf_counter() - started
            manifest["runs_already_stored"] = len(
                stored_before & {t.run_id for t in self.plan.tasks}
            )
            manifest["load_average"] = {"start": load_start, "end": _load()}
            manifest["figures"] = figures
            report = write_report(folder / "report.md", checked, figures, manifest)
            finish_manifest(manifest, folder / "manifest.json")
            os.rename(self.store, folder / "runs")
        return self.out / report.name, checked

    def _measure(
        self,
        plan: Plan,
        executor: Executor | None,
        workers: int,
        progress: bool,
        meta: dict[str, Any],
    ) -> tuple[Runs, dict[str, Checked]]:
        """Run (or find stored) the runs of ``plan``; measure and judge every target."""
        done = run_tasks(
            plan.tasks,
            self.store,
            workers=workers,
            executor=executor,
            progress=progress,
            meta=meta,
            planned=self.planned.tasks,
        )
        if done.n_failed:
            first = load_failures(self.store).iloc[0]
            raise ValidationError(
                f"{done.n_failed} of {done.n_tasks} runs failed (listed in "
                f"{done.failures_path}); first: {first['run_id']}: {first['error_type']}: "
                f"{first['error']}"
            )
        _say(progress, "measuring the targets ...")
        runs = Runs(plan, load_results(self.store)[1])
        checked = {}
        for target in self.targets:
            result = target.measure(runs)
            checked[target.id] = Checked(target, result, judge(target, result))
        return runs, checked

    def _to_precision(
        self,
        stepping: Stepping,
        executor: Executor | None,
        workers: int,
        progress: bool,
        meta: dict[str, Any],
    ) -> tuple[Runs, dict[str, Checked], dict[str, Any]]:
        """Add replications to the arms of the targets that need them, step by step, until
        none does or the cap; returns the last step's runs and verdicts, and the record of
        the steps for the manifest and the report."""
        arms = list(dict.fromkeys(self.plan.design["arm"]))
        latest: dict[str, Any] = {}
        wide_targets: list[dict[str, dict[str, float | None]]] = []

        def check(reps: Mapping[str, int]) -> set[str]:
            self.plan = _plan_at(self.spec, reps)
            latest["runs"], latest["checked"] = self._measure(
                self.plan, executor, workers, progress, meta
            )
            wide = [c for c in latest["checked"].values() if c.needs_replications]
            wide_targets.append({c.target.id: _widths(c) for c in wide})
            _say(
                progress,
                f"precision: --reps {', '.join(f'{a} {n}' for a, n in reps.items())}; "
                f"intervals too wide: {', '.join(wide_targets[-1]) or 'none'}",
            )
            return {arm for c in wide for arm in c.target.arms}

        stopped = replicate_until_precise(arms, self.spec.reps, stepping, check)
        record = stopped.record(self.spec.reps, stepping)
        for step, targets in zip(record["steps"], wide_targets, strict=True):
            step["targets_too_wide"] = targets
        record["targets_too_wide"] = list(wide_targets[-1])
        for arm, n in self._arm_replications().items():
            record["groups"][arm]["runs_per_level"] = n
        return latest["runs"], latest["checked"], record


def _widths(checked: Checked) -> dict[str, float | None]:
    """A target's interval width beside its band's (None: no interval, a one-sided band)."""
    low, high = checked.target.band
    widths = {"interval": checked.result.high - checked.result.low, "band": high - low}
    return {k: w if math.isfinite(w) else None for k, w in widths.items()}


def _plan_at(spec: ValidationSpec, reps: Mapping[str, int]) -> Plan:
    """The runs of the arms in ``reps``, each at its own ``--reps`` value."""
    return build_plan(arms_at(reps, spec.overrides), spec.seed, spec.overrides, spec.days)


def _load() -> str:
    """The 1, 5 and 15-minute load averages (timings on a shared machine need them)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)
