"""Helpers for tests that start a command in its own session and check what it leaves."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def start_viz(
    env: Mapping[str, str], seconds: float, stderr: int | None = None
) -> tuple[subprocess.Popen[str], str]:
    """``python run.py viz --port N`` in a session of its own, once it has printed its
    address: the process (its group is the caller's to end) and the app's URL. Its output
    is drained by a thread, so the server never blocks on a full pipe; ``stderr``
    (e.g. ``subprocess.PIPE``) is the caller's to read."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "run.py", "viz", "--port", str(port)],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True).start()
    address = f"dmi_sim app: http://localhost:{port}"
    try:
        wait_until(
            lambda: address in [line.strip() for line in lines] or server.poll() is not None,
            seconds,
            "run.py viz should print its address",
        )
        assert server.poll() is None, f"run.py viz exited: {lines}"
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        raise
    return server, f"http://localhost:{port}"
