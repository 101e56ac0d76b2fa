"""``run.py validate``: every docs/EVIDENCE.md target measured, judged and reported.

Exit codes: 0 every pass/fail target passes; 1 the validation ran and at least one target
fails, its estimate outside the band (the report is written all the same: it is a
measurement, and CI can gate on it); 3 none fails but at least one is inconclusive, its
estimate in the band with an interval too wide to tell (more replications needed; a run with
few ``--reps`` ends here, not in a failure); 2 bad input (one ``error:`` line, nothing
written); 130 interrupted (the runs stored so far are kept; the same command resumes).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from dmi_sim.cli.common import (
    ExecutorError,
    add_executor_options,
    add_no_progress_option,
    add_out_option,
    add_set_option,
    add_stepping_options,
    enter_executor,
    fail,
    stepping_of,
)
from dmi_sim.engine import StoreError
from dmi_sim.engine.experiment import EXPERIMENT_DIR
from dmi_sim.engine.provenance import RESULTS_DIR, OutputExistsError, timestamped
from dmi_sim.engine.store import ResultStore
from dmi_sim.params import ParameterError
from dmi_sim.studies.kit.precision import DEFAULT_BATCH
from dmi_sim.studies.validation.targets import BY_ID, INCONCLUSIVE
from dmi_sim.studies.validation.validate import (
    DEFAULT_REPS,
    Validation,
    ValidationError,
    ValidationSpec,
)

#: ``--precision``'s default cap, in ``--reps`` units: intervals about half as wide as at
#: the default 40 (at most 4,160 runs, 4 times the default validation).
DEFAULT_MAX_REPS = 160
#: Exit codes beside 0 (all pass), 2 (bad input) and 130 (interrupted).
EXIT_FAIL = 1
EXIT_INCONCLUSIVE = 3

INPUT_ERRORS = (ValidationError, ParameterError, OutputExistsError, StoreError, ExecutorError)


def add_validate_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``validate`` on the ``run.py`` sub-parsers; its handler is ``args.handler``."""
    parser = commands.add_parser(
        "validate",
        help="measure every validation target of docs/EVIDENCE.md and report",
        description="Run each calibration anchor and behaviour target of docs/EVIDENCE.md with "
        "enough replications, measure it with a 95 % interval, judge it against its band "
        "and write results/validation-<timestamp>/report.md with a figure per target. "
        "Exit code 0: every graded target passes; 1: at least one fails (estimate outside "
        "its band); 3: none fails but at least one is inconclusive (estimate in its band, "
        "interval too wide: run more --reps); 2: bad input; 130: interrupted (rerun the "
        "same command to resume). The report is written in cases 0, 1 and 3.",
    )
    parser.add_argument(
        "--reps",
        type=int,
        default=DEFAULT_REPS,
        metavar="R",
        help=f"replications per paired scenario (default {DEFAULT_REPS}; "
        "baseline and dmi run 4R times, dmi_low_fidelity 3R, for their narrow "
        "bands); the fidelity sweep uses R/4 per level, the starting-fear "
        "sweep R (B6a's narrow band)",
    )
    parser.add_argument(
        "--precision",
        action="store_true",
        help="add replications (from --reps, --batch at a time in --reps units, up to "
        "--max-reps) to the arms of every graded target whose 95 %% interval is not yet "
        "narrower than its band, until none is; stored runs are reused",
    )
    add_stepping_options(parser, DEFAULT_MAX_REPS, DEFAULT_BATCH)
    add_executor_options(parser)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="root seed of the replication seeds (default 0)",
    )
    parser.add_argument(
        "--targets",
        metavar="IDS",
        help=f"comma-separated subset, e.g. A1,B3a (default: all of {', '.join(BY_ID)})",
    )
    add_set_option(
        parser,
        "override a parameter in every run (the report says the defaults were not validated)",
    )
    add_out_option(
        parser,
        "result folder to create (must not exist; default: results/validation-<UTC timestamp>)",
    )
    add_no_progress_option(parser)
    parser.set_defaults(handler=handle_validate)
    return parser


def handle_validate(args: argparse.Namespace) -> int:
    """Validate as the arguments say; return the exit code (bad input: one line, 2)."""
    try:
        return _validate(args)
    except INPUT_ERRORS as err:
        return fail(str(err))


def _validate(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise ValidationError(f"--workers {args.workers}: allowed: an integer >= 1")
    ids = [i.strip() for i in (args.targets or "").split(",") if i.strip()]
    if args.targets is not None and not ids:
        raise ValidationError("--targets: name at least one target")
    spec = ValidationSpec(
        reps=args.reps,
        seed=args.seed,
        targets=ids,
        overrides=dict(args.set),
        precision=stepping_of(args, args.precision, DEFAULT_MAX_REPS),
    )
    validation = Validation.prepare(spec, args.out or timestamped(RESULTS_DIR, "validation"))
    try:
        with ExitStack() as stack:
            executor, slots = enter_executor(stack, args.workers, args.dask)
            report, checked = validation.run(
                getattr(args, "argv", []), executor, slots, progress=not args.no_progress
            )
    except KeyboardInterrupt:
        stored = (
            len(ResultStore(validation.store).stored_run_ids()) if validation.store.exists() else 0
        )
        print(
            f"\ninterrupted: {stored}/{len(validation.plan.tasks)} runs stored in "
            f"{validation.store}; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    failed = [i for i, c in checked.items() if c.verdict.status == "FAIL"]
    unsure = [i for i, c in checked.items() if c.verdict.status == INCONCLUSIVE]
    graded = sum(c.verdict.status != "info" for c in checked.values())
    print(
        f"{graded - len(failed) - len(unsure)} of {graded} targets pass"
        + (f"; failing: {', '.join(failed)}" if failed else "")
        + (
            f"; inconclusive (estimate in the band, interval too wide; run more --reps): "
            f"{', '.join(unsure)}"
            if unsure
            else ""
        )
    )
    print(f"report: {report}")
    return EXIT_FAIL if failed else EXIT_INCONCLUSIVE if unsure else 0


def add_calibrate_command(commands: Any) -> argparse.ArgumentParser:
    """Register ``calibrate-defaults``: the joint search the defaults were chosen from."""
    parser = commands.add_parser(
        "calibrate-defaults",
        help="search for defaults that meet every target at once",
        description="Latin-hypercube search over the uncertain parameters of a calibration "
        "file; every point is judged on every chosen validation target with the "
        "validation's own measures, and the points are ranked by their total miss (how far "
        "outside the bands, in band widths). Writes points.csv into the output folder. "
        "Rerun the same command to resume.",
    )
    parser.add_argument(
        "spec",
        nargs="?",
        type=Path,
        default=EXPERIMENT_DIR / "calibration" / "defaults.toml",
        help="calibration file (default: the shipped experiments/calibration/defaults.toml)",
    )
    add_executor_options(parser)
    add_out_option(
        parser,
        "output folder (default results/calibration-<file name>)",
    )
    add_no_progress_option(parser)
    parser.set_defaults(handler=handle_calibrate)
    return parser


def handle_calibrate(args: argparse.Namespace) -> int:
    """Run the search; print the best points; bad input: one line, exit 2."""
    from dmi_sim.studies.validation.calibrate import read_search, search

    try:
        spec = read_search(args.spec)
        out = args.out or RESULTS_DIR / f"calibration-{args.spec.stem}"
        out.mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            executor, slots = enter_executor(stack, args.workers, args.dask)
            table = search(spec, out / "runs", executor, slots, not args.no_progress)
    except INPUT_ERRORS as err:
        return fail(str(err))
    except KeyboardInterrupt:
        print("\ninterrupted: the runs stored so far are kept; rerun to resume", file=sys.stderr)
        return 130
    tmp = out / "points.csv.partial"
    table.to_csv(tmp, index=False)
    tmp.replace(out / "points.csv")
    cols = ["point", "miss", "in_band", *spec.factors]
    print(table[cols].head(5).to_string(index=False))
    print(f"points: {out / 'points.csv'}")
    return 0
