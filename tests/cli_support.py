"""Running the command line in a test: the exit code, whichever way the command ends."""

from __future__ import annotations

from dmi_sim.cli import main


def exit_code(argv: list[str]) -> int:
    """``main``'s exit code, also when argparse stops it with SystemExit."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code)


def small_run_options(start: int, days: int) -> list[str]:
    """Command-line options for a quick run: a 20x20 neighbourhood, the policy from day
    ``start``, ``days`` days in all."""
    return [
        "--set",
        "space.width=20",
        "--set",
        "space.height=20",
        "--set",
        f"run.intervention_start={start}",
        "--days",
        str(days),
    ]


#: A parameter-space file's ``[overrides]`` for short runs on a small neighbourhood (the
#: sensitivity and discovery tests' designs).
TINY_RUN_OVERRIDES = """[overrides]
"run.days" = 120
"run.intervention_start" = 40
"space.width" = 16
"space.height" = 16
"buyers.count" = 200
"sellers.pool_size" = 60
"""
