"""What every command shares: the parser class, option types and groups, the executor
options, and the one way a command ends on bad input (``fail``: one ``error:`` line, exit 2).
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from dmi_sim.engine.executors import DaskUnavailable, PoolError, make_executor
from dmi_sim.params import (
    HORIZON_KEYS,
    PARAMETERS,
    ParameterError,
    load_params,
    policy_window_problem,
    validate_value,
)

if TYPE_CHECKING:
    from dmi_sim.studies.kit.precision import Stepping

#: Exit code of a command stopped by bad input (before anything is written).
INPUT_ERROR_EXIT = 2


def fail(message: str) -> int:
    """Print one ``error:`` line for the user; return the input-error exit code."""
    print(f"error: {message}", file=sys.stderr)
    return INPUT_ERROR_EXIT


class ArgParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other input error."""

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see '{self.prog} --help')")
        raise SystemExit(INPUT_ERROR_EXIT)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``key=value`` with the value read as a TOML literal (``30``, ``true``, ``"a"``).

    A value that is no TOML literal is kept as a plain string, so ``--set x=random`` works.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")
    except tomllib.TOMLDecodeError:
        return key.strip(), value.strip()
    return key.strip(), parsed["v"] if len(parsed) == 1 else value.strip()


def int_at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``low``, else a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r} is invalid; allowed: an integer >= {low}")
        return value

    return parse


positive = int_at_least(1)


def parameter_option(key: str) -> Callable[[str], int | float]:
    """An argparse type for an option that sets the numeric parameter ``key``: its kind
    and range are the registry's (``PARAMETERS``), so the option cannot accept a value the
    run would refuse, and its error names the option, the value and the true range."""
    spec = PARAMETERS[key]

    def parse(text: str) -> int | float:
        try:
            number = float(text) if spec.kind == "float" else int(text)
            return validate_value(key, number, key)
        except ValueError:  # not a number, or a ParameterError: out of range
            raise argparse.ArgumentTypeError(
                f"{text!r} is invalid; allowed: {spec.allowed()}"
            ) from None

    return parse


#: ``--days D``: the length of the run, checked against ``run.days``'s range.
run_days = parameter_option("run.days")


def plain_json(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN and infinities to null."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and not math.isfinite(value) else value


def overrides_of(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set`` overrides; refused when they set the horizon ``--days`` sets too, since
    one of the two would be silently ignored."""
    overrides = dict(args.set)
    if args.days is not None and "run.days" in overrides:
        raise ParameterError(
            f"--days {args.days} and --set run.days={overrides['run.days']} "
            "both set the length of the run; allowed: one of them"
        )
    return overrides


def check_policy_window(args: argparse.Namespace, overrides: dict[str, Any]) -> None:
    """Refuse a run of ``args.scenario`` that would end before its policy starts
    (``policy_window_problem``), naming the options that set its length or policy start
    as they were typed, or the scenario file when none did."""
    horizon = {} if args.days is None else {"run.days": args.days}
    params = load_params(args.scenario, {**overrides, **horizon})
    if problem := policy_window_problem(params):
        given = [] if args.days is None else [f"--days {args.days}"]
        given += [f"--set {key}={overrides[key]}" for key in HORIZON_KEYS if key in overrides]
        raise ParameterError(f"{', '.join(given) or params.origin}: {problem}")


def output_folder(text: str) -> Path:
    """An argparse type for ``--out``: a path whose nearest existing part is a folder.

    Missing folders on the way are created when the command writes; a file on the way
    (``--out results.csv/x``) is refused here, by name, instead of failing later with the
    operating system's bare "File exists"."""
    path = Path(text)
    for part in (path, *path.parents):
        if part.is_dir():
            break
        if part.exists() or part.is_symlink():
            where = text if part == path else f"{text}: {part}"
            what = "a file" if part.is_file() else "something else"
            raise argparse.ArgumentTypeError(
                f"{where} is {what}, not a folder; allowed: a folder, or a path whose "
                "missing folders can be created"
            )
    return path


def add_out_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--out DIR``: where the command writes; ``help`` says the default and whether the
    folder may exist (a resumable study) or must not (a report)."""
    parser.add_argument("--out", type=output_folder, metavar="DIR", help=help)


def add_no_progress_option(parser: argparse.ArgumentParser) -> None:
    """``--no-progress``: quiet for logs and batch jobs."""
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar or stage messages"
    )


def add_set_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--set KEY=VALUE`` (repeatable), parsed by ``parse_assignment``."""
    parser.add_argument(
        "--set",
        type=parse_assignment,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=help,
    )


def add_common(parser: argparse.ArgumentParser, seed_help: str) -> None:
    """Options ``run`` and ``compare`` share; ``seed_help`` says what ``--seed`` seeds."""
    parser.add_argument(
        "--seed", type=int_at_least(0), default=0, metavar="S", help=f"{seed_help} (default 0)"
    )
    parser.add_argument(
        "--days",
        type=run_days,
        metavar="D",
        help=f"days to simulate, {PARAMETERS['run.days'].allowed()} (default: the "
        "scenario's run.days)",
    )
    add_set_option(
        parser,
        "override a parameter, e.g. --set police.officers=30 (repeatable; "
        "values are TOML literals)",
    )
    add_out_option(
        parser,
        "result folder to create (must not exist; default: results/<command>-<UTC timestamp>)",
    )


class ExecutorError(RuntimeError):
    """The executor the command line asked for cannot start: one line for the user."""


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--dask``: where a command that runs through the engine runs."""
    parser.add_argument(
        "--workers",
        type=int,
        metavar="W",
        help="processes to use (default: all cores; 1 runs in this process); "
        "with --dask local, the LocalCluster's workers",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on Dask: a scheduler address (tcp://host:port) or 'local' for a LocalCluster",
    )


def enter_executor(stack: ExitStack, workers: int | None, dask: str | None) -> tuple[Executor, int]:
    """Start the executor ``add_executor_options`` asked for, closed with ``stack``; returns
    it and its number of slots. A missing Dask, an unreachable scheduler or a pool that
    cannot start is an ``ExecutorError``."""
    try:
        return stack.enter_context(make_executor(workers, dask))
    except (DaskUnavailable, PoolError) as err:
        raise ExecutorError(str(err)) from None


def add_stepping_options(parser: argparse.ArgumentParser, max_reps: int, batch: int) -> None:
    """``--max-reps`` and ``--batch``: how ``--precision`` adds replications."""
    parser.add_argument(
        "--max-reps",
        type=positive,
        metavar="N",
        help=f"with --precision: the cap, most replications (default {max_reps}, or --reps "
        "when larger)",
    )
    parser.add_argument(
        "--batch",
        type=positive,
        metavar="B",
        help=f"with --precision: replications added per step (default {batch})",
    )


def stepping_of(args: argparse.Namespace, precision: bool, max_reps: int) -> Stepping | None:
    """The ``kit.precision.Stepping`` the options ask for (None without ``--precision``;
    ``--max-reps`` or ``--batch`` without it is refused: they would be ignored)."""
    if not precision:
        for option, value in (("--max-reps", args.max_reps), ("--batch", args.batch)):
            if value is not None:
                raise ParameterError(f"{option} {value}: allowed only with --precision")
        return None
    from dmi_sim.studies.kit.precision import DEFAULT_BATCH, Stepping

    return Stepping(
        max_reps=max(max_reps, args.reps) if args.max_reps is None else args.max_reps,
        batch=DEFAULT_BATCH if args.batch is None else args.batch,
    )


def add_posterior_options(
    parser: argparse.ArgumentParser, at_each: str, default_draws: int
) -> None:
    """``--posterior`` and ``--draws``: run ``at_each`` at draws from a parameter posterior."""
    parser.add_argument(
        "--posterior",
        type=Path,
        metavar="PATH",
        help="a posterior.csv (one row per particle: parameter keys and a weight column), or a "
        f"folder holding one: run {at_each} at --draws parameter sets drawn from it, with "
        "intervals that hold seed noise and parameter uncertainty",
    )
    parser.add_argument(
        "--draws",
        type=positive,
        metavar="K",
        help=f"parameter sets drawn from --posterior (default {default_draws})",
    )


def draws_problem(args: argparse.Namespace) -> str | None:
    """Why ``--draws`` cannot be used as given (without ``--posterior``), or None."""
    if args.posterior is None and args.draws is not None:
        return f"--draws {args.draws} without --posterior; allowed: --draws with --posterior"
    return None
