"""The command line: ``run`` one scenario, ``compare`` scenarios, ``sweep`` an experiment.

Two doors open it: ``python run.py`` in a checkout and the ``dmi-sim`` console command of
an installed package. With no arguments it is the default comparison (the project's main
job). Bad input never shows a traceback: it ends in one ``error: ...`` line on stderr and
exit code 2, with nothing written under the requested output folder. Ctrl-C or SIGTERM
stops a command with one ``interrupted: ...`` line and exit code 130.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from dmi_sim import __version__, simulate
from dmi_sim.cli.sensitivity import add_sensitivity_command
from dmi_sim.cli.sweep import add_sweep_command
from dmi_sim.cli.validate import add_calibrate_command, add_validate_command
from dmi_sim.engine import ExperimentError
from dmi_sim.engine.executors import PoolError
from dmi_sim.engine.provenance import (
    RESULTS_DIR,
    OutputExistsError,
    finish_manifest,
    staged_folder,
    start_manifest,
)
from dmi_sim.engine.provenance import timestamped as timestamped_folder
from dmi_sim.params import ParameterError
from dmi_sim.studies.compare.pipeline import (
    DEFAULT_REPS,
    DEFAULT_SCENARIOS,
    CompareError,
    CompareSpec,
    run_compare,
)
from dmi_sim.viz.cli import add_viz_command

#: Errors that are the user's input or setting, not a bug: one line, exit code 2.
INPUT_ERRORS = (ParameterError, ExperimentError, CompareError, OutputExistsError, PoolError)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other input error."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)


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


def _int_at_least(low: int) -> Callable[[str], int]:
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


_positive = _int_at_least(1)


def _plain_json(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN and infinities to null."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set`` overrides; refused when they set the horizon ``--days`` sets too, since
    one of the two would be silently ignored."""
    overrides = dict(args.set)
    if args.days is not None and "run.days" in overrides:
        raise ParameterError(f"--days {args.days} and --set run.days={overrides['run.days']} "
                             "both set the length of the run; allowed: one of them")
    return overrides


def handle_run(args: argparse.Namespace) -> int:
    """One run: its time series, summary and manifest in a new folder."""
    overrides = _overrides(args)
    out = args.out or timestamped_folder(RESULTS_DIR, f"run-{Path(args.scenario).stem}")
    manifest = start_manifest("run", args.argv, scenario=args.scenario, seed=args.seed,
                              days=args.days, overrides=overrides)
    with staged_folder(out) as folder:
        res = simulate(args.scenario, seed=args.seed, days=args.days, overrides=overrides)
        series = folder / f"timeseries.{args.format}"
        if args.format == "parquet":
            res.timeseries.to_parquet(series, index=False)
        else:
            res.timeseries.to_csv(series, index=False)
        summary = {key: _plain_json(value) for key, value in res.summary.items()}
        (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n",
                                             encoding="utf-8")
        manifest["parameters"] = {k: _plain_json(v) for k, v in res.params.items()}
        finish_manifest(manifest, folder / "manifest.json")
    print(f"wrote {out}/ (timeseries.{args.format}, summary.json, manifest.json)")
    return 0


def handle_compare(args: argparse.Namespace) -> int:
    """Scenarios against the same-seed baseline: the result folder and its report."""
    spec = CompareSpec(scenarios=tuple(args.scenarios) or DEFAULT_SCENARIOS, reps=args.reps,
                       seed=args.seed, days=args.days, overrides=_overrides(args))
    out = args.out or timestamped_folder(RESULTS_DIR, "compare")
    report = run_compare(spec, out, args.argv, workers=args.workers,
                         progress=not args.no_progress)
    print(f"report: {report}")
    return 0


def _add_common(parser: argparse.ArgumentParser) -> None:
    """Options ``run`` and ``compare`` share."""
    parser.add_argument("--seed", type=_int_at_least(0), default=0, metavar="S",
                        help="seed (compare: root seed of the replication seeds; default 0)")
    parser.add_argument("--days", type=_positive, metavar="D",
                        help="days to simulate (default: the scenario's run.days)")
    parser.add_argument("--set", type=parse_assignment, action="append", default=[],
                        metavar="KEY=VALUE",
                        help="override a parameter, e.g. --set police.officers=30 (repeatable; "
                        "values are TOML literals)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="result folder to create (must not exist; default: "
                        "results/<command>-<UTC timestamp>)")


def build_parser(prog: str = "run.py") -> argparse.ArgumentParser:
    """The command line's parser (``run.py`` or ``dmi-sim``) with its sub-commands."""
    parser = _Parser(
        prog=prog,
        description="Agent-based model of an open-air drug market: crackdowns vs. the Drug "
        "Market Intervention. With no arguments: compare "
        f"{', '.join(DEFAULT_SCENARIOS)} ({DEFAULT_REPS} replications each). Results go "
        f"under {RESULTS_DIR}/ in the current folder unless --out says otherwise.",
    )
    parser.add_argument("--version", action="version", version=f"dmi_sim {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run one scenario once",
                              description="Run one scenario once and write its time series, "
                              "summary and manifest.")
    run.add_argument("scenario", help="a scenario name (scenarios/*.toml) or a .toml path")
    _add_common(run)
    run.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                     help="time-series file format (default parquet)")
    run.set_defaults(handler=handle_run)

    compare = commands.add_parser(
        "compare", help="compare scenarios against the same-seed baseline",
        description="Run each scenario R times on common seeds plus the same-seed baseline "
        "counterfactual; write time series, paired effects with 95 % intervals, figures and "
        "a report into one result folder.")
    compare.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                         help=f"scenario names or .toml paths (default: "
                         f"{' '.join(DEFAULT_SCENARIOS)})")
    compare.add_argument("--reps", type=_positive, default=DEFAULT_REPS, metavar="R",
                         help=f"replications per scenario (default {DEFAULT_REPS})")
    compare.add_argument("--workers", type=_positive, metavar="W",
                         help="processes (default: all cores; 1 runs in this process)")
    compare.add_argument("--no-progress", action="store_true",
                         help="no progress bar or stage messages")
    _add_common(compare)
    compare.set_defaults(handler=handle_compare)

    add_sweep_command(commands)
    add_validate_command(commands)
    add_calibrate_command(commands)
    add_sensitivity_command(commands)
    add_viz_command(commands)
    return parser


def _interrupt(signum: int, frame: Any) -> None:
    """The first SIGINT or SIGTERM stops the command; more while it stops are ignored, so
    the clean-up (store what finished, stop the workers) runs to its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM (``kill``, a job scheduler) stops a command as Ctrl-C does: what finished
    stays stored and the exit code is 130. The previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None, prog: str = "run.py") -> int:
    """Parse ``argv`` (default: the process's), run the command, return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(prog).parse_args(argv or ["compare"])
    args.argv = argv
    try:
        with _stop_on_signals():
            return args.handler(args)
    except INPUT_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
    except KeyboardInterrupt as err:
        print(f"interrupted: {err or 'nothing was written'}", file=sys.stderr)
        return 130
    return 2


def console() -> int:
    """The ``dmi-sim`` console command of an installed package: ``run.py`` by another name."""
    return main(prog="dmi-sim")
