"""Helpers for tests that start a command in its own session and check what it leaves."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

#: Seconds the processes of a stopped or killed command may take to be gone.
GONE_S = 10.0


def group(pgid: int) -> list[str]:
    """Command lines of the live (not zombie) processes of process group ``pgid`` (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(cmdline.strip())
    return found


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail saying ``what`` should have happened."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds:.0f} s"
        time.sleep(0.1)
