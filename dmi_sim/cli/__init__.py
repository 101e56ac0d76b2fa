"""The command line, one module per command: ``run``, ``compare``, ``sweep``,
``validate``, ``calibrate``, ``sensitivity`` and ``viz`` (registered from ``dmi_sim.viz``);
``common`` holds the shared options and the one error exit.

Two doors open it: ``python run.py`` in a checkout and the ``dmi-sim`` console command of
an installed package. With no arguments it is the default comparison (the project's main
job). Bad input never shows a traceback: it ends in one ``error: ...`` line on stderr and
exit code 2, with nothing written under the requested output folder. Ctrl-C or SIGTERM
stops a command with one ``interrupted: ...`` line and exit code 130.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dmi_sim import __version__
from dmi_sim.cli.common import ArgParser, fail, parse_assignment
from dmi_sim.cli.compare import add_compare_command
from dmi_sim.cli.run import add_run_command
from dmi_sim.cli.sensitivity import add_sensitivity_command
from dmi_sim.cli.sweep import add_sweep_command
from dmi_sim.cli.validate import add_calibrate_command, add_validate_command
from dmi_sim.engine import ExperimentError
from dmi_sim.engine.executors import PoolError
from dmi_sim.engine.provenance import RESULTS_DIR, OutputExistsError
from dmi_sim.params import ParameterError
from dmi_sim.studies.compare import DEFAULT_REPS, DEFAULT_SCENARIOS, CompareError
from dmi_sim.viz.cli import add_viz_command

__all__ = ["INPUT_ERRORS", "build_parser", "console", "main", "parse_assignment"]

#: Errors that are the user's input or setting, not a bug: one line, exit code 2.
INPUT_ERRORS = (ParameterError, ExperimentError, CompareError, OutputExistsError, PoolError)


def build_parser(prog: str = "run.py") -> argparse.ArgumentParser:
    """The command line's parser (``run.py`` or ``dmi-sim``) with its sub-commands."""
    parser = ArgParser(
        prog=prog,
        description="Agent-based model of an open-air drug market: crackdowns vs. the Drug "
        "Market Intervention. With no arguments: compare "
        f"{', '.join(DEFAULT_SCENARIOS)} ({DEFAULT_REPS} replications each). Results go "
        f"under {RESULTS_DIR}/ in the current folder unless --out says otherwise.",
    )
    parser.add_argument("--version", action="version", version=f"dmi_sim {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")

    add_run_command(commands)
    add_compare_command(commands)
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
        return fail(str(err))
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        return fail(f"{where}{err.strerror or err}")
    except KeyboardInterrupt as err:
        print(f"interrupted: {err or 'nothing was written'}", file=sys.stderr)
        return 130
    return 2


def console() -> int:
    """The ``dmi-sim`` console command of an installed package: ``run.py`` by another name."""
    return main(prog="dmi-sim")
