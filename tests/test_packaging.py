"""The package as people install it: a wheel built from the repository, installed (not
editable) in a fresh virtualenv and used from a folder outside the repository.

The wheel is built from a copy of the repository without network (``--no-build-isolation``,
setuptools is a dev dependency). The fresh venv gets the wheel alone; its dependencies are
borrowed from this venv through a ``.pth`` line, which makes them importable without making
this venv's editable ``dmi_sim`` visible (``.pth`` files in such a folder are not read).
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: A 30-day run on a 20x20 grid, the policy from day 15.
SMALL = ["--days", "30"] + [
    arg
    for setting in ("space.width=20", "space.height=20", "run.intervention_start=15")
    for arg in ("--set", setting)
]


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with the built wheel installed; its bin/."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "results", "build", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        base / "dist",
        source,
        cwd=base,
    )
    wheel = next((base / "dist").glob("dmi_sim-*.whl"))
    venv = base / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin" / "python",
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=base,
    )
    inside = next((venv / "lib").glob("python3*/site-packages"))
    (inside / "borrowed_dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    return venv / "bin"


def test_the_installed_package_is_the_wheel_not_the_repository(
    installed: Path, tmp_path: Path
) -> None:
    where = run(
        installed / "python", "-c", "import dmi_sim; print(dmi_sim.__file__)", cwd=tmp_path
    ).stdout.strip()
    assert where.startswith(str(installed.parent)) and not where.startswith(str(ROOT))


def test_dmi_sim_command_runs_a_shipped_scenario_into_results_here(
    installed: Path, tmp_path: Path
) -> None:
    import dmi_sim

    version = run(installed / "dmi-sim", "--version", cwd=tmp_path).stdout
    assert version == f"dmi_sim {dmi_sim.__version__}\n"
    run(installed / "dmi-sim", "run", "dmi", *SMALL, cwd=tmp_path)
    (folder,) = (tmp_path / "results").glob("run-dmi-*")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"].startswith("dmi-sim run dmi --days 30")
    assert manifest["git"] is None  # not a checkout: the version says which code ran
    assert manifest["parameters"]["policy.strategy"] == "dmi"


def test_shipped_experiments_run_and_simulate_works(installed: Path, tmp_path: Path) -> None:
    run(installed / "dmi-sim", "sweep", "tiny", "--workers", "1", "--no-progress", cwd=tmp_path)
    assert (tmp_path / "results" / "sweeps" / "tiny" / "manifest.json").is_file()
    code = (
        "from dmi_sim import simulate; "
        "r = simulate('dmi', days=30, overrides={'space.width': 20, 'space.height': 20}); "
        "print(r.params['policy.strategy'], len(r.timeseries))"
    )
    assert run(installed / "python", "-c", code, cwd=tmp_path).stdout == "dmi 30\n"
