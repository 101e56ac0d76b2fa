"""``run.py compare [SCENARIO ...]``: scenarios against the same-seed baseline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dmi_sim.cli.common import (
    add_common,
    add_no_progress_option,
    add_posterior_options,
    add_stepping_options,
    draws_problem,
    fail,
    overrides_of,
    positive,
    stepping_of,
)
from dmi_sim.engine.provenance import RESULTS_DIR
from dmi_sim.engine.provenance import timestamped as timestamped_folder
from dmi_sim.params import ParameterError
from dmi_sim.studies.compare import (
    DEFAULT_DRAWS,
    DEFAULT_REPS,
    DEFAULT_SCENARIOS,
    CompareSpec,
    run_compare,
    run_posterior_compare,
)
from dmi_sim.studies.compare.precision import DEFAULT_MAX_REPS, EffectPrecision
from dmi_sim.studies.compare.report import HEADLINE
from dmi_sim.studies.kit.precision import DEFAULT_BATCH


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
        "--precision",
        type=float,
        metavar="W",
        help="add replications to each scenario (from --reps, --batch at a time, up to "
        "--max-reps) until the 95 %% interval of each of its effects on the "
        "--precision-outcomes is at most W percentage points of the baseline's level wide "
        "(full width: high end minus low end; relative changes in points, absolute changes "
        "on a small base divided by the baseline's level)",
    )
    compare.add_argument(
        "--precision-outcomes",
        metavar="OUTCOMES",
        help=f"with --precision: comma-separated outcomes that must meet it (default: "
        f"{', '.join(HEADLINE)})",
    )
    add_stepping_options(compare, DEFAULT_MAX_REPS, DEFAULT_BATCH)
    compare.add_argument(
        "--workers",
        type=positive,
        metavar="W",
        help="processes (default: all cores; 1 runs in this process)",
    )
    add_no_progress_option(compare)
    add_common(compare, "root seed of the replication seeds")
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
        precision=_precision(args),
    )
    out = args.out or timestamped_folder(RESULTS_DIR, "compare")
    if problem := draws_problem(args):
        return fail(problem)
    if args.posterior is not None:
        if spec.precision is not None:
            return fail(
                f"--precision {args.precision} with --posterior; allowed: one of them (over "
                "posterior draws every draw runs --reps replications)"
            )
        return _posterior_compare(spec, args, out)
    report = run_compare(spec, out, args.argv, workers=args.workers, progress=not args.no_progress)
    print(f"report: {report}")
    headline = report.parent / "headline.txt"
    if headline.exists():  # what the report says first, for the terminal
        print("\n" + headline.read_text(encoding="utf-8"), end="")
    return 0


def _precision(args: argparse.Namespace) -> EffectPrecision | None:
    """``--precision W`` (percentage points) and its options, or None without it."""
    stepping = stepping_of(args, args.precision is not None, DEFAULT_MAX_REPS)
    if stepping is None:
        if args.precision_outcomes is not None:
            raise ParameterError(
                f"--precision-outcomes {args.precision_outcomes}: allowed only with --precision"
            )
        return None
    named = args.precision_outcomes
    outcomes = (
        HEADLINE if named is None else tuple(o.strip() for o in named.split(",") if o.strip())
    )
    return EffectPrecision(args.precision / 100, outcomes, stepping)


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
