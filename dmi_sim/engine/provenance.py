"""Provenance of a result folder: what was run, with which code, when; and its safe birth.

Shared by ``run``, ``compare`` and anything else that writes results, so every result folder
can be traced back to a command line, a commit and the package versions that produced it,
and exists under its final name only once it is complete.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

#: Packages whose versions change results or their files (SALib draws the sensitivity
#: designs; dask runs sweeps on a cluster; pyabc samples the calibration's posterior).
TRACKED_PACKAGES = (
    "dmi_sim",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "SALib",
    "pyabc",
    "dask",
    "distributed",
)
#: Where every command puts its result folders: ``results/`` in the folder it is run from
#: (a checkout or not), unless told otherwise with ``--out``.
RESULTS_DIR = Path("results")

_REPO_DIR = Path(__file__).resolve().parents[2]  # the checkout: dmi_sim/engine/ is two below


#: What a file is called while ``write_atomic`` writes it.
TMP_SUFFIX = ".tmp"


def write_atomic(path: Path, write: Any) -> None:
    """Write through ``write(file)`` to a temporary name, fsync, then rename into place: a
    reader (or a kill) sees the whole file or none of it. The one atomic writer."""
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with open(tmp, "wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions() -> dict[str, str]:
    """Python and the tracked packages' versions ("not installed" when absent)."""
    versions = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> dict[str, Any] | None:
    """The checked-out commit and whether the work tree differs from it; None when the
    package is not run from a git checkout (an installed wheel: its version says it all)."""
    if not (_REPO_DIR / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=_REPO_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_REPO_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "dirty": bool(status.strip())}


def command_line(argv: list[str]) -> str:
    """The command as a user would retype it in a shell: ``dmi-sim ...`` when it was run
    through the console command, else ``python run.py ...``."""
    program = ["dmi-sim"] if Path(sys.argv[0]).name == "dmi-sim" else ["python", "run.py"]
    return shlex.join([*program, *argv])


def start_manifest(
    kind: str, argv: list[str] | None, *, api: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A manifest opened at the start of the work; ``finish_manifest`` stamps the end.

    ``argv`` is the command line's arguments, or None for work started from Python; then
    ``api`` (e.g. ``"dmi_sim.run_experiment"``) is recorded to say how.
    """
    if argv is None and api is not None:
        fields["api"] = api
    return {
        "kind": kind,
        "command": None if argv is None else command_line(argv),
        "started_at": now(),
        "finished_at": None,
        "git": git_commit(),
        "versions": package_versions(),
        **fields,
    }


def finish_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Stamp the end time and write the manifest as JSON."""
    manifest["finished_at"] = now()
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")


class OutputExistsError(FileExistsError):
    """The requested result folder is already there: results are never overwritten."""


def check_new(out: Path) -> None:
    """Refuse an output folder that exists: results are never overwritten."""
    if Path(out).exists():
        raise OutputExistsError(f"{out}: output folder already exists; choose another --out")


def _staging_name(out: Path, pid: int) -> Path:
    return out.parent / f".{out.name}.partial-{socket.gethostname()}-{pid}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_staging(parent: Path) -> None:
    """Delete the staging folders in ``parent`` left by commands of this machine that were
    killed (their process is gone), whatever their output folder was called."""
    prefix = f".partial-{socket.gethostname()}-"
    for path in Path(parent).glob(".*" + prefix + "*"):
        pid = path.name.rpartition(prefix)[2]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield a hidden sibling of ``out`` to write into; rename it to ``out`` on success.

    A failed or interrupted command leaves nothing under ``out`` (the staging folder is
    removed, and the next command removes those of killed ones), so a folder under its
    final name is always complete. Errors name ``out``, never the staging folder.
    """
    out = Path(out)
    check_new(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out.parent)
    staging = _staging_name(out, os.getpid())
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        yield staging
        if out.exists():
            raise OutputExistsError(
                f"{out}: output folder appeared while running; results left unwritten"
            )
        os.rename(staging, out)
    except OSError as err:
        if err.filename and str(err.filename).startswith(str(staging)):
            err.filename = str(out) + str(err.filename)[len(str(staging)) :]
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def timestamped(parent: Path, name: str) -> Path:
    """``parent/<name>-<UTC timestamp>``: a fresh default result folder name."""
    return Path(parent) / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
