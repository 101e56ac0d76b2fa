"""The set-up must find a Python >= 3.12 or stop with one clear line (Mesa 3.5.1 needs 3.12;
an older Python would silently get an older Mesa)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASH = shutil.which("bash")

pytestmark = pytest.mark.skipif(BASH is None, reason="bash not available")

# A stand-in for an old interpreter: the real Python, but reporting 3.11.7 to any probe
# that reads sys.version_info / sys.version or asks --version.
FAKE_OLD_PYTHON = """#!/bin/sh
if [ "$1" = "--version" ] || [ "$1" = "-V" ]; then echo "Python 3.11.7"; exit 0; fi
if [ "$1" = "-c" ]; then
    shift; code="$1"; shift
    exec "{real}" -c 'import sys
sys.version_info = (3, 11, 7, "final", 0)
sys.version = "3.11.7 (fake)"
code = sys.argv.pop(1)
exec(compile(code, "<string>", "exec"))' "$code" "$@"
fi
exec "{real}" "$@"
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASH, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "command",
    [["scripts/find_python.sh"], ["scripts/setup.sh", "--find-only"]],
    ids=["find_python", "setup_find_only"],
)
def test_only_old_python_fails_with_one_line(tmp_path: Path, command: list[str]) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "python3"
    fake.write_text(FAKE_OLD_PYTHON.format(real=sys.executable))
    fake.chmod(0o755)
    # setup.sh needs a few coreutils (dirname); link them without bringing any Python.
    for tool in ("dirname",):
        found = shutil.which(tool)
        if found:
            (bindir / tool).symlink_to(found)
    env = {"PATH": str(bindir), "HOME": str(tmp_path), "LANG": "C"}

    # The fake really answers as 3.11, so the finder is judged on a real version check.
    probe = subprocess.run(
        [str(fake), "-c", "import sys; print(sys.version_info[:2])"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "(3, 11)"

    proc = _run(command, env)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("dmi_sim needs Python >= 3.12; found none (tried: ")
    assert "python3 (3.11.7)" in lines[0]
    assert "Install one" in lines[0]


def test_finds_a_python_312_or_newer() -> None:
    # The machine running this suite has one (this interpreter, in .venv, is >= 3.12);
    # the finder must find one on the ordinary PATH / pyenv.
    proc = _run(["scripts/find_python.sh"], dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    path = proc.stdout.strip()
    assert path and os.path.isabs(path) and os.access(path, os.X_OK)
    version = subprocess.run(
        [path, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tuple(map(int, version)) >= (3, 12)


def test_dmi_python_override_is_used(tmp_path: Path) -> None:
    env = dict(os.environ, DMI_PYTHON=sys.executable)
    proc = _run(["scripts/find_python.sh"], env)
    assert proc.returncode == 0, proc.stderr
    assert os.path.samefile(proc.stdout.strip(), sys.executable)
