"""Running the command line in a test: the exit code, whichever way the command ends."""

from __future__ import annotations

from dmi_sim.cli import main


def exit_code(argv: list[str]) -> int:
    """``main``'s exit code, also when argparse stops it with SystemExit."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code)
