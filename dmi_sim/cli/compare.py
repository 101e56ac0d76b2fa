"""``run.py compare [SCENARIO ...]``: scenarios against the same-seed baseline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dmi_sim.cli.common import (
    add_common,
    add_posterior_options,
    draws_problem,
    fail,
    overrides_of,
    positive,
)
from dmi_sim.engine.provenance import RESULTS_DIR
from dmi_sim.engine.provenance import timestamped as timestamped_folder
from dmi_sim.studies.compare import (
    DEFAULT_DRAWS,
    DEFAULT_REPS,
    DEFAULT_SCENARIOS,
    CompareSpec,
    run_compare,
    run_posterior_compare,
)


def add_compare_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``compare`` on the sub-parsers; its handler is ``args.handler``."""
    compare = commands.add_parser(
        "compare",
        help="compare scenarios against the same-seed baseline",
        description="Run each scenario R times on common seeds plus the same-seed baseline "
        "counterfactual; write time series, paired effects with 95 % intervals, figures and "
        "a report into one result folder.",
    )
    compare.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"scenario names or .toml paths (default: {' '.join(DEFAULT_SCENARIOS)})",
    )
    compare.add_argument(
        "--reps",
        type=positive,
        default=DEFAULT_REPS,
        metavar="R",
        help=f"replications per scenario (default {DEFAULT_REPS})",
    )
    compare.add_argument(
        "--workers",
        type=positive,
        metavar="W",
        help="processes (default: all cores; 1 runs in this process)",
    )
    compare.add_argument(
        "--no-progress", action="store_true", help="no progress bar or stage messages"
    )
    add_common(compare)
    add_posterior_options(compare, "the comparison", DEFAULT_DRAWS)
    compare.set_defaults(handler=handle_compare)
    return compare


def handle_compare(args: argparse.Namespace) -> int:
    """Scenarios against the same-seed baseline: the result folder and its report."""
    spec = CompareSpec(
        scenarios=tuple(args.scenarios) or DEFAULT_SCENARIOS,
        reps=args.reps,
        seed=args.seed,
        days=args.days,
        overrides=overrides_of(args),
    )
    out = args.out or timestamped_folder(RESULTS_DIR, "compare")
    if problem := draws_problem(args):
        return fail(problem)
    if args.posterior is not None:
        return _posterior_compare(spec, args, out)
    report = run_compare(spec, out, args.argv, workers=args.workers, progress=not args.no_progress)
    print(f"report: {report}")
    headline = report.parent / "headline.txt"
    if headline.exists():  # what the report says first, for the terminal
        print("\n" + headline.read_text(encoding="utf-8"), end="")
    return 0


def _posterior_compare(spec: CompareSpec, args: argparse.Namespace, out: Path) -> int:
    """The comparison over posterior draws: its result folder, and where the report is."""
    report = run_posterior_compare(
        spec,
        args.posterior,
        args.draws or DEFAULT_DRAWS,
        out,
        args.argv,
        workers=args.workers,
        progress=not args.no_progress,
    )
    print(f"report: {report}")
    return 0
