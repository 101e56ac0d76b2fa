"""``run.py calibrate``: ABC-SMC calibration of the uncertain parameters against the evidence.

Exit codes: 0 the posterior is written; 2 bad input (one ``error:`` line, nothing written);
130 interrupted (the generations completed are kept; the same command continues).
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
    enter_executor,
    fail,
    int_at_least,
    positive,
    run_days,
)
from dmi_sim.engine.experiment import ExperimentError
from dmi_sim.engine.provenance import RESULTS_DIR, OutputExistsError, timestamped
from dmi_sim.params import ParameterError

#: The small default: measured to finish within an hour on this project's 2-core machine
#: (README, "Calibration against the evidence").
DEFAULT_PARTICLES = 12
DEFAULT_GENERATIONS = 3
DEFAULT_REPS = 1


def add_calibrate_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``calibrate`` on the ``run.py`` sub-parsers; its handler is ``args.handler``."""
    parser = commands.add_parser(
        "calibrate",
        help="Bayesian calibration (ABC-SMC) of the uncertain parameters against the evidence",
        description="ABC-SMC (pyabc) over the uncertain parameters of a parameter space file, "
        "with uniform priors on their ranges, against the validation targets at once: a "
        "parameter set is accepted when its simulated targets fall in the evidence bands "
        "(the distance is how far outside, in band widths). Writes "
        "results/calibrate-<timestamp>/ with posterior.csv (what compare --posterior reads), "
        "the acceptance history, marginal and pairwise figures, which targets constrain "
        "which parameters, the cost and report.md. Rerun the same command to continue an "
        "interrupted calibration after its last complete generation.",
    )
    parser.add_argument(
        "--space",
        default="parameter_space",
        metavar="SPACE",
        help="parameter space: a name in experiments/ or a path to a .toml file in its "
        "format (default: parameter_space, every uncertain parameter)",
    )
    parser.add_argument(
        "--vary",
        metavar="KEYS",
        help="comma-separated subset of the space's factors to calibrate; the others stay "
        "at the scenarios' values (default: all of them)",
    )
    parser.add_argument(
        "--targets",
        metavar="IDS",
        help="comma-separated validation targets, e.g. A1,A3,B3a (default: every graded "
        "target except the community-state targets B6a-e)",
    )
    parser.add_argument(
        "--particles",
        type=int_at_least(2),
        default=DEFAULT_PARTICLES,
        metavar="N",
        help=f"accepted particles a generation (default {DEFAULT_PARTICLES})",
    )
    parser.add_argument(
        "--generations",
        type=positive,
        default=DEFAULT_GENERATIONS,
        metavar="G",
        help=f"most generations; generation 0 is the prior sample (default "
        f"{DEFAULT_GENERATIONS}); stops earlier once every accepted particle is in every band",
    )
    parser.add_argument(
        "--reps",
        type=positive,
        default=DEFAULT_REPS,
        metavar="R",
        help=f"replications of each arm a particle runs (default {DEFAULT_REPS}; baseline "
        "and dmi run 4R, dmi_low_fidelity 3R, as in validate)",
    )
    parser.add_argument(
        "--days",
        type=run_days,
        metavar="D",
        help="shorten every run (development and tests; windows past the end are cut)",
    )
    parser.add_argument(
        "--seed",
        type=int_at_least(0),
        default=0,
        metavar="S",
        help="root seed: every candidate particle's draw and runs come from it (default 0)",
    )
    add_executor_options(parser)
    add_out_option(
        parser,
        "result folder to create (must not exist; default: results/calibrate-<UTC timestamp>)",
    )
    add_no_progress_option(parser)
    parser.set_defaults(handler=handle_calibrate)
    return parser


def _ids(text: str | None, option: str) -> list[str]:
    ids = [i.strip() for i in (text or "").split(",") if i.strip()]
    if text is not None and not ids:
        raise ExperimentError(f"{option}: name at least one")
    return ids


def handle_calibrate(args: argparse.Namespace) -> int:
    """Calibrate as the arguments say; return the exit code (bad input: one line, 2)."""
    from dmi_sim.studies.validation.abc import CalibrationError, CalibrationSpec
    from dmi_sim.studies.validation.abc_run import Calibration, choose_targets
    from dmi_sim.studies.validation.priors import load_space

    input_errors = (
        CalibrationError,
        ExperimentError,
        ParameterError,
        OutputExistsError,
        ExecutorError,
    )
    calibration = None
    try:
        if args.workers is not None and args.workers < 1:
            raise CalibrationError(f"--workers {args.workers}: allowed: an integer >= 1")
        space = load_space(args.space)
        if args.vary is not None:
            space = space.restricted(_ids(args.vary, "--vary"))
        spec = CalibrationSpec(
            space=space,
            targets=choose_targets(_ids(args.targets, "--targets")),
            particles=args.particles,
            generations=args.generations,
            reps=args.reps,
            seed=args.seed,
            days=args.days,
        )
        calibration = Calibration.prepare(spec, args.out or timestamped(RESULTS_DIR, "calibrate"))
        with ExitStack() as stack:
            executor, slots = enter_executor(stack, args.workers, args.dask)
            report = calibration.run(
                getattr(args, "argv", []), executor, slots, progress=not args.no_progress
            )
    except input_errors as err:
        return fail(str(err))
    except KeyboardInterrupt:
        kept = f" in {calibration.store}" if calibration else ""
        print(
            f"\ninterrupted: the completed generations are kept{kept}; "
            "run the same command again to continue",
            file=sys.stderr,
        )
        return 130
    print(f"posterior: {report.parent / 'posterior.csv'}")
    print(f"report: {report}")
    return 0
