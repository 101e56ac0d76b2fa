"""``run.py sweep EXPERIMENT``: run an experiment file through the engine.

Exit codes: 0 all runs stored; 1 some runs failed (listed in failures.csv); 2 bad input
(nothing written); 130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import Any

from dmi_sim.cli.common import (
    ExecutorError,
    add_executor_options,
    add_no_progress_option,
    add_out_option,
    add_posterior_options,
    draws_problem,
    enter_executor,
    fail,
)
from dmi_sim.engine.experiment import (
    Experiment,
    ExperimentError,
    load_experiment,
    with_posterior,
)
from dmi_sim.engine.posterior import DEFAULT_DRAWS, PosteriorError, load_posterior
from dmi_sim.engine.provenance import RESULTS_DIR
from dmi_sim.engine.store import ResultStore, StoreError
from dmi_sim.engine.sweep import run_experiment

SWEEPS_DIR = RESULTS_DIR / "sweeps"


def add_sweep_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sweep`` on an ``argparse`` sub-parser set; its handler is ``args.handler``."""
    parser = subparsers.add_parser(
        "sweep",
        help="run an experiment (experiments/*.toml) on a process pool or a Dask cluster",
        description=(
            "Run every design point x replication of an experiment file, streaming results to "
            "a folder. Rerun the same command after an interruption to resume."
        ),
    )
    parser.add_argument("experiment", help="a name in experiments/ or a path to a .toml file")
    add_executor_options(parser)
    add_out_option(
        parser,
        "results folder (default: results/sweeps/<experiment name>)",
    )
    add_no_progress_option(parser)
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    add_posterior_options(
        parser, "every design point (default folder: <experiment name>-posterior)", DEFAULT_DRAWS
    )
    parser.set_defaults(handler=handle_sweep)
    return parser


def _at_posterior(experiment: Experiment, args: argparse.Namespace) -> Experiment:
    """The experiment at the posterior draws the options ask for (or as it is)."""
    if problem := draws_problem(args):
        raise PosteriorError(problem)
    if args.posterior is None:
        return experiment
    posterior = load_posterior(args.posterior)
    return with_posterior(experiment, posterior, args.draws or DEFAULT_DRAWS)


def handle_sweep(args: argparse.Namespace) -> int:
    """Run the sweep the arguments describe; return the process exit code."""
    try:
        experiment = _at_posterior(load_experiment(args.experiment), args)
    except (ExperimentError, PosteriorError) as err:
        return fail(str(err))
    if args.workers is not None and args.workers < 1:
        return fail(f"--workers = {args.workers} is invalid; allowed: an integer >= 1")
    name = f"{experiment.name}-posterior" if experiment.draws else experiment.name
    out = args.out or SWEEPS_DIR / name
    draws = f" x {len(experiment.draws)} posterior particles" if experiment.draws else ""
    print(
        f"{experiment.name}: {len(experiment.points)} design points{draws} x "
        f"{experiment.replications} replications = {experiment.n_runs} runs -> {out}",
        file=sys.stderr,
    )
    with ExitStack() as stack:
        try:
            executor, slots = enter_executor(stack, args.workers, args.dask)
        except ExecutorError as err:
            return fail(str(err))
        try:
            sweep = run_experiment(
                experiment,
                out,
                workers=slots,
                executor=executor,
                progress=not args.no_progress,
                argv=getattr(args, "argv", []),
            )
        except StoreError as err:
            return fail(str(err))
        except KeyboardInterrupt:
            stored = len(ResultStore(out).stored_run_ids())
            print(
                f"\ninterrupted: {stored}/{experiment.n_runs} runs stored in {out}; "
                "run the same command again to resume",
                file=sys.stderr,
            )
            return 130
    report = sweep.report
    print(report.describe())
    if experiment.figures and not args.no_figures and report.n_done:
        from dmi_sim.studies.sweep.figures import draw_figures
        from dmi_sim.studies.sweep.report import write_report

        try:
            for path in draw_figures(experiment, sweep.summary, out):
                print(f"wrote {path}")
            if experiment.figures["kind"] == "frontier":
                print(f"wrote {write_report(experiment, sweep.summary, out)}")
        except ValueError as err:
            print(f"error: no figures: {err}", file=sys.stderr)
            return 1
    return 1 if report.n_failed else 0
