"""``run.py discover``: scenario discovery of where the DMI's advantage over crackdowns fails.

Runs a new design over the parameter space (``--points``; stored in a design folder and
resumed there) or reads one back (``--design``: a folder of ``discover`` or
``sensitivity``), then writes the analysis to a fresh folder. Exit codes as for
``sensitivity``: 0 report written; 1 some runs failed (listed in
``<design>/runs/failures.csv``, no report); 2 bad input (one ``error:`` line, nothing
written); 130 interrupted (run the same command again to resume).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from dmi_sim.cli.common import (
    ExecutorError,
    add_executor_options,
    add_no_progress_option,
    add_out_option,
    enter_executor,
    fail,
    positive,
)
from dmi_sim.engine import load_failures
from dmi_sim.engine.designs import size_problem
from dmi_sim.engine.experiment import ExperimentError
from dmi_sim.engine.provenance import (
    RESULTS_DIR,
    OutputExistsError,
    check_new,
    command_line,
    timestamped,
)
from dmi_sim.engine.store import ResultStore, StoreError
from dmi_sim.studies.discovery.advantage import ADVANTAGES, SCENARIOS
from dmi_sim.studies.discovery.design import (
    RUNS_DIR,
    DiscoveryError,
    Source,
    read_design,
    run_design,
)
from dmi_sim.studies.sensitivity.space import DEFAULT_SPACE, load_space

#: Where new designs are stored (and resumed), one folder per space and size.
DESIGNS_DIR = RESULTS_DIR / "discovery"
#: Points of a new design unless ``--points`` says otherwise (the README gives its cost).
DEFAULT_POINTS = 256
#: The optional dependencies the analysis needs (``pip install 'dmi_sim[discovery]'``).
EXTRA = ("ema_workbench", "sklearn")


def _share(text: str) -> float:
    """An argparse type: a density target in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid; allowed: a number in (0, 1]")
    return value


def _finite(text: str) -> float:
    """An argparse type: a finite number."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is invalid; allowed: a finite number")
    return value


def add_discover_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``discover`` on an ``argparse`` sub-parser set (handler: ``args.handler``)."""
    parser = subparsers.add_parser(
        "discover",
        help="scenario discovery (PRIM, CART): where the DMI's advantage over crackdowns fails",
        description=(
            "Find the regions of parameter space where the DMI's advantage over crackdowns "
            "fails: PRIM boxes (EMA Workbench) with coverage and density, a CART tree, and "
            "each box checked against seed noise. Runs a new Latin hypercube over the "
            "parameter space (stored and resumable), or reads a design folder back."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--points",
        type=positive,
        metavar="N",
        help=f"run a new design of N points over --space (default {DEFAULT_POINTS})",
    )
    source.add_argument(
        "--design",
        type=Path,
        metavar="DIR",
        help="analyse a design folder already run: one of discover's (results/discovery/...) "
        "or a sensitivity analysis' whose runs include the DMI and the crackdown",
    )
    parser.add_argument(
        "--space",
        metavar="FILE",
        help=f"parameter space of a new design: a name in experiments/ or a .toml path "
        f"(default {DEFAULT_SPACE}); its seeds per point, seed and overrides apply",
    )
    parser.add_argument(
        "--design-out",
        type=Path,
        metavar="DIR",
        help=f"folder of a new design's runs (default {DESIGNS_DIR}/<space>-<N>points; "
        "the same command again resumes there)",
    )
    parser.add_argument(
        "--outcome",
        choices=list(ADVANTAGES),
        default=next(iter(ADVANTAGES)),
        help="the advantage analysed: "
        + "; ".join(f"{name}: {a.label}" for name, a in ADVANTAGES.items())
        + " (default %(default)s)",
    )
    parser.add_argument(
        "--threshold",
        type=_finite,
        default=0.0,
        metavar="X",
        help="the advantage fails at a point when its seed mean is at most X (a share: "
        "0.05 = 5 %%; default 0, the DMI does no better than crackdowns)",
    )
    parser.add_argument(
        "--density",
        type=_share,
        metavar="D",
        help="report the box with the most coverage among those whose density is at least "
        "D (default 0.8)",
    )
    add_executor_options(parser)
    add_out_option(
        parser,
        "report folder to create (must not exist; default results/discovery-<UTC timestamp>)",
    )
    add_no_progress_option(parser)
    parser.set_defaults(handler=handle_discover)
    return parser


def _run_new_design(args: argparse.Namespace, command: str) -> Source | int:
    """Run (or resume) the design ``--points`` asks for; returns where it is and what this
    call cost, or an exit code."""
    try:
        space = load_space(args.space or DEFAULT_SPACE)
    except ExperimentError as err:
        return fail(str(err))
    points = args.points or DEFAULT_POINTS
    if problem := size_problem(points, space.replications, len(SCENARIOS)):
        return fail(f"--points {points}: {problem}")
    folder = args.design_out or DESIGNS_DIR / f"{space.name}-{points}points"
    runs = points * space.replications * len(SCENARIOS)
    print(
        f"{space.name}: {points} points x {space.replications} seeds x {len(SCENARIOS)} "
        f"scenarios = {runs:,} runs -> {folder}",
        file=sys.stderr,
    )
    with ExitStack() as stack:
        try:
            executor, slots = enter_executor(stack, args.workers, args.dask)
            report = run_design(
                space,
                points,
                folder,
                argv=getattr(args, "argv", []),
                workers=slots,
                executor=executor,
                progress=not args.no_progress,
            )
        except (ExecutorError, ExperimentError, StoreError) as err:
            return fail(str(err))
        except KeyboardInterrupt:
            stored = len(ResultStore(folder / RUNS_DIR).stored_run_ids())
            print(
                f"\ninterrupted: {stored} runs stored in {folder}/{RUNS_DIR}; run the same "
                "command again to resume",
                file=sys.stderr,
            )
            return 130
    print(report.describe())
    if report.n_failed:
        first = load_failures(folder / RUNS_DIR).iloc[0]
        print(
            f"error: {report.n_failed} runs failed, so no analysis; first: "
            f"{first['run_id']}: {first['error_type']}: {first['error']}",
            file=sys.stderr,
        )
        return 1
    return Source(folder, command, report.n_done - report.n_skipped, report.elapsed_s, slots)


def handle_discover(args: argparse.Namespace) -> int:
    """Run or read the design, analyse it, write the report; return the exit code."""
    if args.workers is not None and args.workers < 1:
        return fail(f"--workers = {args.workers} is invalid; allowed: an integer >= 1")
    missing = [name for name in EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        return fail(
            f"discover needs {', '.join(missing)}; allowed: install them with "
            "pip install -e '.[discovery]'"
        )
    from dmi_sim.studies.discovery.analyse import analyse
    from dmi_sim.studies.discovery.boxes import DENSITY
    from dmi_sim.studies.discovery.results import write_discovery

    out = args.out or timestamped(RESULTS_DIR, "discovery")
    try:
        check_new(out)
    except OutputExistsError as err:
        return fail(str(err))
    command = command_line(getattr(args, "argv", []))
    if args.design is not None and (args.space or args.design_out):
        option = "--space" if args.space else "--design-out"
        return fail(f"{option} applies to a new design (--points); allowed: not with --design")
    if args.design is not None:
        source: Source | int = Source(args.design, command, 0, 0.0, 0)
    else:
        source = _run_new_design(args, command)
    if isinstance(source, int):
        return source
    try:
        runs = read_design(source.folder)
    except DiscoveryError as err:
        return fail(str(err))
    density = DENSITY if args.density is None else args.density
    discovery = analyse(runs, args.outcome, args.threshold, density)
    report = write_discovery(out, discovery, source, getattr(args, "argv", []))
    print(f"report: {report}")
    return 0
