"""One sensitivity analysis end to end: design, runs through the engine, analysis, report.

The runs are stored by the engine in ``<out>/runs`` (streamed, resumable: run the same
command again after an interruption). Everything else in ``<out>`` is computed from the
stored runs alone and rewritten, file by file and atomically, each time the analysis
completes, so a resumed analysis gives exactly the indices of an uninterrupted one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.engine import load_failures, load_results, run_tasks
from dmi_sim.engine.provenance import command_line, now, start_manifest, write_atomic
from dmi_sim.engine.runner import RunReport
from dmi_sim.engine.tasks import RunFn
from dmi_sim.studies.sensitivity import figures as draw
from dmi_sim.studies.sensitivity.analyse import (
    Analysis,
    advantage_by_factor,
    advantage_share,
    analyse,
)
from dmi_sim.studies.sensitivity.design import Design, make_design
from dmi_sim.studies.sensitivity.methods import Morris
from dmi_sim.studies.sensitivity.outcomes import needed
from dmi_sim.studies.sensitivity.report import ADVANTAGE_ROWS, Cost, write_report
from dmi_sim.studies.sensitivity.space import ParameterSpace

#: Rows of the advantage-by-factor figure: those of its table.
ADVANTAGE_FACTORS = ADVANTAGE_ROWS


@dataclass(frozen=True)
class SensitivityRun:
    """What a call did: the engine's report, and the report file when the runs completed."""

    runs: RunReport
    report: Path | None


def _write_csv(frame: pd.DataFrame, path: Path, index: bool = False) -> None:
    data = frame.to_csv(index=index).encode()
    write_atomic(path, lambda fh: fh.write(data))


def design_table(design: Design) -> pd.DataFrame:
    """Each point's unit coordinates and the parameter values they map to."""
    names = design.space.names
    unit = pd.DataFrame(design.unit, columns=[f"u:{n}" for n in names])
    values = pd.DataFrame(design.space.values(design.unit))
    values[design.space.dummy] = design.unit[:, -1]
    return pd.concat([values, unit], axis=1).rename_axis("point").reset_index()


def write_results(
    out: Path, design: Design, analysis: Analysis, outcomes: Sequence[str], cost: Cost
) -> Path:
    """Tables, figures and ``report.md`` into ``out``; returns the report's path."""
    figures_dir = out / "figures"
    figures_dir.mkdir(exist_ok=True)
    _write_csv(analysis.indices, out / "indices.csv")
    _write_csv(analysis.means, out / "outcomes.csv", index=True)
    _write_csv(analysis.noise.rename_axis("outcome"), out / "seed_noise.csv", index=True)
    _write_csv(design_table(design), out / "design.csv")
    paths: dict[str, Path] = {}
    if analysis.advantage is not None:
        _write_csv(analysis.advantage, out / "advantage.csv", index=True)
        table = advantage_by_factor(design, analysis.advantage)
        overall = advantage_share(design, analysis.advantage)["all"]
        paths["advantage"] = draw.advantage_by_factor(
            table, overall, ADVANTAGE_FACTORS, figures_dir / "advantage_by_factor.png"
        )
    dummy = design.space.dummy
    method = design.method
    if isinstance(method, Morris):
        paths["overview"] = draw.screening_overview(
            analysis.indices, outcomes, figures_dir / "morris_overview.png"
        )
        for o in outcomes:
            paths[o] = draw.mu_star_sigma(
                analysis.indices, o, dummy, figures_dir / f"morris_{o}.png"
            )
    else:
        for o in outcomes:
            paths[o] = draw.sobol_bars(
                analysis.indices, o, method.n, figures_dir / f"sobol_{o}.png"
            )
    return write_report(out / "report.md", design, analysis, outcomes, cost, paths)


def run_sensitivity(
    space: ParameterSpace,
    method_name: str,
    outcomes: Sequence[str],
    out: Path,
    *,
    argv: Sequence[str] = (),
    workers: int = 1,
    executor: Executor | None = None,
    progress: bool = True,
    run_fn: RunFn | None = None,
    screened_from: str | None = None,
) -> SensitivityRun:
    """Run (or resume) the analysis of ``space`` by ``method_name`` into ``out``.

    The report is written only when every run succeeded; otherwise ``SensitivityRun.report`` is
    None and the failures are listed in ``<out>/runs/failures.csv``.
    """
    method = space.method(method_name)
    design = make_design(space, method)
    scenarios = needed(outcomes)
    tasks = design.tasks(scenarios)
    meta: dict[str, Any] = {
        "method": method_name,
        "settings": repr(method),
        "space": str(space.path),
        "factors": space.names,
        "outcomes": list(outcomes),
        "scenarios": list(scenarios),
        "screened_from": screened_from,
        "provenance": start_manifest("sensitivity", list(argv)),
    }
    runs = run_tasks(
        tasks,
        out / "runs",
        workers=workers,
        executor=executor,
        progress=progress,
        run_fn=run_fn,
        save_timeseries=False,
        meta=meta,
    )
    sessions = log_session(out, runs, workers, meta["provenance"]["git"])
    if runs.n_failed:
        return SensitivityRun(runs, None)
    summary, _ = load_results(out / "runs", timeseries=False)
    analysis = analyse(design, summary, outcomes)
    cost = Cost(
        command=command_line(list(argv)),
        runs=runs.n_tasks,
        sessions=sessions,
        screened_from=screened_from,
    )
    return SensitivityRun(runs, write_results(out, design, analysis, outcomes, cost))


def log_session(
    out: Path, runs: RunReport, workers: int, git: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Append this call's runs, wall time, workers, load and commit to
    ``<out>/sessions.json`` (a resumed analysis has several); return every session so far."""
    path = out / "sessions.json"
    sessions = json.loads(path.read_text()) if path.is_file() else []
    sessions.append(
        {
            "finished": now(),
            "runs": runs.n_done - runs.n_skipped,
            "elapsed_s": round(runs.elapsed_s, 1),
            "workers": workers,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "git": git,  # the code these runs were made with (as the call started)
        }
    )
    data = json.dumps(sessions, indent=2).encode()
    write_atomic(path, lambda fh: fh.write(data))
    return sessions


def first_failure(out: Path) -> str:
    """One line on the first failed run, for the command's error message."""
    first = load_failures(out / "runs").iloc[0]
    return f"{first['run_id']}: {first['error_type']}: {first['error']}"
