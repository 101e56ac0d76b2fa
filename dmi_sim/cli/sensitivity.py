"""``run.py sensitivity morris|sobol``: global sensitivity analysis from the command line.

Exit codes, as for ``sweep``: 0 analysis written; 1 some runs failed (listed in
``<out>/runs/failures.csv``, no report); 2 bad input (one ``error:`` line, nothing
written); 130 interrupted (run the same command again to resume).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pandas as pd

from dmi_sim.cli.common import (
    ExecutorError,
    add_executor_options,
    add_no_progress_option,
    add_out_option,
    enter_executor,
    fail,
)
from dmi_sim.engine.designs import size_problem
from dmi_sim.engine.experiment import ExperimentError
from dmi_sim.engine.provenance import RESULTS_DIR
from dmi_sim.engine.store import ResultStore, StoreError
from dmi_sim.params import did_you_mean
from dmi_sim.studies.sensitivity.analyse import survivors
from dmi_sim.studies.sensitivity.outcomes import OUTCOMES, SCENARIOS, needed
from dmi_sim.studies.sensitivity.pipeline import first_failure, run_sensitivity
from dmi_sim.studies.sensitivity.space import DEFAULT_SPACE, ParameterSpace, load_space

SENSITIVITY_DIR = RESULTS_DIR / "sensitivity"
METHODS = ("morris", "sobol")
#: Seconds of one simulated day on the project machine, for the cost estimate
#: ``--dry-run`` prints: 0.65 s for a 730-day run at 5b202e5 on a quiet core, divided by
#: 5.0, below the low end of the speed-up measured side by side since (issue 13, third
#: round: 5.10x and 5.26x, medians of 9 and 21, benchmarks/bench_speedup.py).
SECONDS_PER_DAY = 0.65 / 5.0 / 730
#: Unclassified parameters named in the warning about them.
UNCLASSIFIED_SHOWN = 3


class SensitivityError(ValueError):
    """Bad input to the command: one line for the user."""


class NoScreeningError(SensitivityError):
    """Sobol asked for the Morris survivors where no screening has been run."""


def add_sensitivity_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sensitivity`` on an ``argparse`` sub-parser set (handler: ``args.handler``)."""
    parser = subparsers.add_parser(
        "sensitivity",
        help="global sensitivity analysis (SALib): Morris screening, then Sobol' indices",
        description=(
            "Morris screening over every factor of the parameter space, or Sobol' indices "
            "(at N and 2N) on the factors that survive it. Runs go through the sweep engine "
            "and are stored as they finish: rerun the same command to resume."
        ),
    )
    parser.add_argument("method", choices=METHODS, help="morris (screening) or sobol")
    parser.add_argument(
        "--space",
        default=DEFAULT_SPACE,
        metavar="FILE",
        help=f"parameter space: a name in experiments/ or a .toml path (default {DEFAULT_SPACE})",
    )
    parser.add_argument(
        "--outcomes",
        nargs="+",
        metavar="OUTCOME",
        help=f"outcomes to analyse (default all): {', '.join(OUTCOMES)}",
    )
    parser.add_argument(
        "--screen",
        type=Path,
        metavar="DIR",
        help="sobol: the Morris folder whose survivors to vary (default: the space's Morris "
        "folder under results/sensitivity/)",
    )
    parser.add_argument(
        "--all-factors", action="store_true", help="sobol: vary every factor, no screening"
    )
    add_executor_options(parser)
    add_out_option(
        parser,
        "results folder (default: results/sensitivity/<space>-<method>)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the design's size and estimated cost, run nothing",
    )
    add_no_progress_option(parser)
    parser.set_defaults(handler=handle_sensitivity)
    return parser


def _outcomes(asked: list[str] | None) -> list[str]:
    if not asked:
        return list(OUTCOMES)
    for name in asked:
        if name not in OUTCOMES:
            raise SensitivityError(
                f"--outcomes: unknown outcome '{name}'{did_you_mean(name, OUTCOMES)}; "
                f"allowed: {', '.join(OUTCOMES)}"
            )
    return list(dict.fromkeys(asked))


def default_out(space: ParameterSpace, method: str, scenarios: tuple[str, ...] = SCENARIOS) -> Path:
    """``results/sensitivity/<space>-<method>``, plus the scenarios when not all run (the
    runs of a smaller set are other runs, so they are stored apart)."""
    name = f"{space.name}-{method}"
    if scenarios != SCENARIOS:
        name += "-" + "-".join(scenarios)
    return SENSITIVITY_DIR / name


def screened_space(
    space: ParameterSpace, screen: Path | None, all_factors: bool
) -> tuple[ParameterSpace, str | None]:
    """The space Sobol varies: the Morris survivors (plus the dummy), or every factor."""
    if all_factors:
        return space, None
    folder = screen or default_out(space, "morris")
    indices = folder / "indices.csv"
    if not indices.is_file():
        raise NoScreeningError(
            f"{folder}: no Morris screening there (no indices.csv); run 'python run.py "
            "sensitivity morris' first, or pass --screen DIR, or --all-factors"
        )
    frame = pd.read_csv(indices)
    if "mu_star" not in frame.columns:
        raise SensitivityError(f"{indices}: not a Morris result (no mu_star column)")
    kept = survivors(frame, space.dummy, space.sobol_max_factors)
    unknown = [k for k in kept if k not in space.sources]
    if unknown:
        raise SensitivityError(
            f"{indices}: factors {unknown} are not in {space.path}; screen with this space"
        )
    if not kept:
        raise SensitivityError(
            f"{indices}: no factor survived screening (none is clear of seed noise); "
            "allowed: --all-factors"
        )
    return space.restricted(kept), str(folder)


def most_kept(space: ParameterSpace) -> ParameterSpace:
    """A space as large as Morris screening can leave it (``sobol_max_factors`` factors and
    the dummy): what a Sobol dry run counts before the screening exists. Which factors is
    arbitrary (the first ones); only their number sets the size."""
    keys = [f.key for f in space.factors][: space.sobol_max_factors]
    return space.restricted(keys)


def _sobol_space(
    space: ParameterSpace, args: argparse.Namespace
) -> tuple[ParameterSpace, str | None, str | None]:
    """The space Sobol varies, the Morris folder it was screened by, and, for a dry run
    with no screening yet at the default folder, that folder (the space is then the
    largest screening can leave, ``most_kept``)."""
    try:
        return (*screened_space(space, args.screen, args.all_factors), None)
    except NoScreeningError:
        if not args.dry_run or args.screen is not None:
            raise
        return most_kept(space), None, str(default_out(space, "morris"))


def _design_size(space: ParameterSpace, method: str, outcomes: list[str]) -> tuple[int, int]:
    """Points of the design and runs (points x seeds x scenarios), counted before it is
    drawn."""
    points = space.method(method).n_points(len(space.names))
    return points, points * space.replications * len(needed(outcomes))


def _dry_run(
    space: ParameterSpace, method: str, outcomes: list[str], unscreened: str | None = None
) -> int:
    """Print the design's size and cost. ``unscreened``: the Morris folder a Sobol design
    would read its survivors from, when it holds none yet; the size is then an upper bound."""
    settings = space.method(method)
    scenarios = needed(outcomes)
    points, runs = _design_size(space, method, outcomes)
    days = space.overrides.get("run.days", 1095)
    hours = runs * days * SECONDS_PER_DAY / 3600
    minutes = hours * 30  # on 2 cores
    wall = (
        "under a minute"
        if minutes < 1
        else f"{minutes:.0f} min"
        if minutes < 60
        else f"{hours / 2:.1f} h"
    )
    print(
        f"{settings}: {len(space.factors)} factors and the dummy; {points} points "
        f"x {space.replications} seeds x {len(scenarios)} scenarios = {runs:,} runs of {days} "
        f"days, about {hours:.2g} CPU-hours ({wall} on 2 unloaded cores)"
    )
    if unscreened:
        print(
            f"an upper bound: no Morris screening in {unscreened} yet, so this counts the "
            f"most it can keep ({len(space.factors)} factors and the dummy); run 'python "
            "run.py sensitivity morris' first for the exact figure"
        )
    return 0


def handle_sensitivity(args: argparse.Namespace) -> int:
    """Run the analysis the arguments describe; return the process exit code."""
    try:
        space = load_space(args.space)
        outcomes = _outcomes(args.outcomes)
        screened_from = unscreened = None
        if args.method == "sobol":
            space, screened_from, unscreened = _sobol_space(space, args)
        elif args.screen or args.all_factors:
            raise SensitivityError("--screen and --all-factors apply to sobol only")
        if args.workers is not None and args.workers < 1:
            raise SensitivityError(f"--workers = {args.workers} is invalid; allowed: >= 1")
    except (ExperimentError, SensitivityError) as err:
        return fail(str(err))
    loose = space.unclassified()
    if loose:
        more = ", ..." if len(loose) > UNCLASSIFIED_SHOWN else ""
        shown = ", ".join(loose[:UNCLASSIFIED_SHOWN]) + more
        print(
            f"warning: {space.path}: {len(loose)} parameters are neither factors nor listed "
            f"under [not_varied], so held at their scenario values: {shown}",
            file=sys.stderr,
        )
    if args.dry_run:
        return _dry_run(space, args.method, outcomes, unscreened)
    points, _ = _design_size(space, args.method, outcomes)
    if problem := size_problem(points, space.replications, len(needed(outcomes))):
        return fail(f"{space.path}: {problem} (see --dry-run)")
    out = args.out or default_out(space, args.method, needed(outcomes))
    with ExitStack() as stack:
        try:
            executor, slots = enter_executor(stack, args.workers, args.dask)
        except ExecutorError as err:
            return fail(str(err))
        try:
            result = run_sensitivity(
                space,
                args.method,
                outcomes,
                out,
                argv=getattr(args, "argv", []),
                workers=slots,
                executor=executor,
                progress=not args.no_progress,
                screened_from=screened_from,
            )
        except (StoreError, ExperimentError) as err:
            return fail(str(err))
        except KeyboardInterrupt:
            stored = len(ResultStore(out / "runs").stored_run_ids())
            print(
                f"\ninterrupted: {stored} runs stored in {out}/runs; run the same command "
                "again to resume",
                file=sys.stderr,
            )
            return 130
    print(result.runs.describe())
    if result.report is None:
        print(
            f"error: {result.runs.n_failed} runs failed, so no analysis; first: "
            f"{first_failure(out)}",
            file=sys.stderr,
        )
        return 1
    print(f"report: {result.report}")
    return 0
