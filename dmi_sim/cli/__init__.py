"""The command line, one module per command: ``run``, ``compare``, ``sweep``,
``validate`` (with ``calibrate-defaults``), ``calibrate``, ``sensitivity``, ``discover``
and ``viz`` (registered from ``dmi_sim.viz``); ``common`` holds the shared options and the
one error exit.

Two doors open it: ``python run.py`` in a checkout and the ``dmi-sim`` console command of
an installed package. With no arguments it is the default comparison (the project's main
job). Bad input never shows a traceback: it ends in one ``error: ...`` line on stderr and
exit code 2, with nothing written under the requested output folder. Ctrl-C or SIGTERM
stops a command with one ``interrupted: ...`` line and exit code 130.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dmi_sim import __version__
from dmi_sim.cli.common import ArgParser, fail, parse_assignment
from dmi_sim.engine.provenance import RESULTS_DIR

__all__ = ["INPUT_ERRORS", "build_parser", "console", "main", "parse_assignment"]

#: Errors that are the user's input or setting, not a bug: one line, exit code 2 (module,
#: class). Looked up only in modules already loaded: an error class can be raised only by
#: its own module, and loading them all would cost ``--help`` its speed.
_INPUT_ERRORS = (
    ("dmi_sim.params", "ParameterError"),
    ("dmi_sim.engine.experiment", "ExperimentError"),
    ("dmi_sim.studies.compare", "CompareError"),
    ("dmi_sim.engine.provenance", "OutputExistsError"),
    ("dmi_sim.engine.executors", "PoolError"),
    ("dmi_sim.engine.posterior", "PosteriorError"),
)

#: The sub-commands in the order ``--help`` lists them: name -> (module, the function that
#: registers it, its one-line help). Only the command being run is built in full, so
#: ``--help`` and ``run --help`` import no model, study or plotting library
#: (tests/test_cli_run.py checks these lines against the full parsers).
COMMANDS = {
    "run": ("dmi_sim.cli.run", "add_run_command", "run one scenario once"),
    "compare": (
        "dmi_sim.cli.compare",
        "add_compare_command",
        "compare scenarios against the same-seed baseline",
    ),
    "sweep": (
        "dmi_sim.cli.sweep",
        "add_sweep_command",
        "run an experiment (experiments/*.toml) on a process pool or a Dask cluster",
    ),
    "validate": (
        "dmi_sim.cli.validate",
        "add_validate_command",
        "measure every validation target of docs/EVIDENCE.md and report",
    ),
    "calibrate-defaults": (
        "dmi_sim.cli.validate",
        "add_calibrate_command",
        "search for defaults that meet every target at once",
    ),
    "calibrate": (
        "dmi_sim.cli.calibrate",
        "add_calibrate_command",
        "Bayesian calibration (ABC-SMC) of the uncertain parameters against the evidence",
    ),
    "sensitivity": (
        "dmi_sim.cli.sensitivity",
        "add_sensitivity_command",
        "global sensitivity analysis (SALib): Morris screening, then Sobol' indices",
    ),
    "discover": (
        "dmi_sim.cli.discover",
        "add_discover_command",
        "scenario discovery (PRIM, CART): where the DMI's advantage over crackdowns fails",
    ),
    "viz": (
        "dmi_sim.viz.cli",
        "add_viz_command",
        "the trainer's app: the neighbourhood live in a browser",
    ),
}


def __getattr__(name: str) -> Any:
    """``INPUT_ERRORS``: every input-error class, loading their modules (PEP 562)."""
    if name == "INPUT_ERRORS":
        return tuple(getattr(importlib.import_module(module), cls) for module, cls in _INPUT_ERRORS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_input_error(err: BaseException) -> bool:
    return any(
        isinstance(err, getattr(sys.modules[module], cls))
        for module, cls in _INPUT_ERRORS
        if module in sys.modules
    )


def build_parser(prog: str = "run.py", command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser (``run.py`` or ``dmi-sim``) with its sub-commands.

    ``command``: build only that sub-command in full and list the others by name and help
    (what ``main`` does); "" builds none in full; None (the default) builds every one.
    """
    parser = ArgParser(
        prog=prog,
        description="Agent-based model of an open-air drug market: crackdowns vs. the Drug "
        "Market Intervention. With no arguments: the default comparison (`compare` with "
        f"its defaults; see `{prog} compare --help`). Results go under {RESULTS_DIR}/ in "
        "the current folder unless --out says otherwise.",
    )
    parser.add_argument("--version", action="version", version=f"dmi_sim {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for name, (module, adder, help_line) in COMMANDS.items():
        if command is None or name == command:
            getattr(importlib.import_module(module), adder)(commands)
        else:
            commands.add_parser(name, help=help_line)
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
    argv_or_default = argv or ["compare"]
    command = argv_or_default[0] if argv_or_default[0] in COMMANDS else ""
    args = build_parser(prog, command).parse_args(argv_or_default)
    args.argv = argv
    try:
        with _stop_on_signals():
            return args.handler(args)
    except KeyboardInterrupt as err:
        print(f"interrupted: {err or 'nothing was written'}", file=sys.stderr)
        return 130
    except Exception as err:
        if _is_input_error(err):
            return fail(str(err))
        if isinstance(err, OSError):
            where = f"{err.filename}: " if err.filename else ""
            return fail(f"{where}{err.strerror or err}")
        raise
    return 2


def console() -> int:
    """The ``dmi-sim`` console command of an installed package: ``run.py`` by another name."""
    return main(prog="dmi-sim")
