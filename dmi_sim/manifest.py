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
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

#: Packages whose versions change results or their files.
TRACKED_PACKAGES = ("dmi_sim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib")

_REPO_DIR = Path(__file__).resolve().parent.parent


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
    """The checked-out commit and whether the work tree differs from it; None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=_REPO_DIR, capture_output=True, text=True,
            timeout=10, check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=_REPO_DIR,
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "dirty": bool(status.strip())}


def command_line(argv: list[str]) -> str:
    """The command (``run.py`` arguments) as a user would retype it in a shell."""
    return shlex.join(["python", "run.py", *argv])


def start_manifest(kind: str, argv: list[str], **fields: Any) -> dict[str, Any]:
    """A manifest opened at the start of the work; ``finish_manifest`` stamps the end."""
    return {
        "kind": kind,
        "command": command_line(argv),
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


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield a hidden sibling of ``out`` to write into; rename it to ``out`` on success.

    A failed or interrupted command leaves nothing under ``out`` (the staging folder is
    removed), so a folder under its final name is always complete.
    """
    out = Path(out)
    if out.exists():
        raise OutputExistsError(f"{out}: output folder already exists; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        if out.exists():
            raise OutputExistsError(f"{out}: output folder appeared while running; results "
                                    "left unwritten")
        os.rename(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def timestamped(parent: Path, name: str) -> Path:
    """``parent/<name>-<UTC timestamp>``: a fresh default result folder name."""
    return Path(parent) / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
