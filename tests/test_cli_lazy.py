"""``--help`` and ``run --help`` load no model, study or plotting library (speed lives in
benchmarks/; here only what gets imported), and the one-line helps of the lazily listed
commands are those of their full parsers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dmi_sim.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "mesa",
    "numba",
    "matplotlib",
    "dmi_sim.model",
    "dmi_sim.studies",
)

PROBE = """
import runpy, sys
sys.argv = ["run.py", *{argv!r}]
try:
    runpy.run_path("run.py", run_name="__main__")
except SystemExit:
    pass
loaded = sorted({{m.split(".")[0] if not m.startswith("dmi_sim") else ".".join(m.split(".")[:2])
                 for m in sys.modules}})
print("LOADED", " ".join(loaded), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_imports_nothing_heavy(argv: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: run.py" in out.stdout
    loaded = out.stderr.rsplit("LOADED", 1)[1].split()
    assert not [m for m in HEAVY if m in loaded], loaded


def test_lazy_command_lines_match_the_full_parsers() -> None:
    full = build_parser()
    lazy = build_parser(command="")
    helps = {}
    for parser in (full, lazy):
        action = next(a for a in parser._actions if a.dest == "command")
        helps[parser is full] = {c.dest: c.help for c in action._choices_actions}
    assert helps[True] == helps[False] == {name: h for name, (_, _, h) in COMMANDS.items()}
