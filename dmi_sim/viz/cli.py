"""``run.py viz``: serve the trainer's app on localhost, with no internet connection needed.

Solara normally loads its front end from a CDN. The ``solara-assets`` package (the ``viz``
extra) puts that front end in ``<venv>/share/solara/cdn``, which is where Solara's asset
proxy looks first, so the browser only ever talks to this server. What the bundle lacks the
proxy would fetch from ``SOLARA_ASSETS_CDN`` (a public CDN by default): that setting points
at a closed port of this machine instead, so an unknown asset is a 404, never a request to
the internet. The version check against PyPI and the usage telemetry are switched off: both
would try the internet at start-up. The address is printed once the server answers, so a
trainer can open it straight away. Without ``--port`` the app takes 8765 when it is free
and otherwise a free port the system picks, and says which. The server runs in a child
process that ends with this one, even when this one is killed (``dmi_sim.viz.serve``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

APP_MODULE = "dmi_sim.viz.app"
HOST = "localhost"
DEFAULT_PORT = 8765
START_TIMEOUT_S = 120.0
#: Solara's settings for a server that never reaches out (port 9, discard, is closed here:
#: an asset missing from the local bundle fails at once).
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
}


def add_viz_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``viz`` on an ``argparse`` sub-parser set; its handler is ``args.handler``."""
    parser = subparsers.add_parser(
        "viz",
        help="the trainer's app: the neighbourhood live in a browser",
        description="Start the trainer's app (a Solara page) on localhost and print its "
        "address; it needs no internet connection. Stop it with Ctrl+C.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help=f"port to serve on (default: {DEFAULT_PORT} if it is free, "
        "otherwise a free port; the address is printed)",
    )
    parser.set_defaults(handler=handle_viz)
    return parser


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _port_free(port: int) -> bool:
    """True if a server could listen on ``port`` (with SO_REUSEADDR, as uvicorn binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nobody listens on now, picked by the system."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def choose_port(asked: int | None) -> tuple[int, str | None]:
    """The port to serve on and, when it is not the one asked for or the default, why."""
    if asked is not None:
        return asked, None
    if _port_free(DEFAULT_PORT):
        return DEFAULT_PORT, None
    port = free_port()
    return port, f"port {DEFAULT_PORT} is in use; serving on port {port} instead"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def server_command(port: int, lifeline: int) -> list[str]:
    """The ``solara run`` command line for the app (production mode, no browser opened),
    in a process that ends when the read end ``lifeline`` of its lifeline pipe closes."""
    return [
        sys.executable,
        "-m",
        "dmi_sim.viz.serve",
        str(lifeline),
        "run",
        APP_MODULE,
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-open",
        "--production",
        "--no-check-version",
    ]


def handle_viz(args: argparse.Namespace) -> int:
    """Serve the app until the server stops or Ctrl+C."""
    if importlib.util.find_spec("solara") is None:
        return _error("the app needs the viz extra: pip install -e '.[viz]'")
    if args.port is not None and not 0 < args.port < 65536:
        return _error(f"--port {args.port} is invalid; allowed: 1-65535")
    port, note = choose_port(args.port)
    if not _port_free(port):
        return _error(
            f"port {port} is in use; choose another with --port N, or leave "
            "--port out to get a free one"
        )
    if note:
        print(f"dmi_sim app: {note}", file=sys.stderr, flush=True)
    url = f"http://{HOST}:{port}"
    lifeline, keep = os.pipe()  # the server gets the read end; this process keeps the other
    try:
        server = subprocess.Popen(
            server_command(port, lifeline), pass_fds=(lifeline,), env=os.environ | OFFLINE_ENV
        )
    finally:
        os.close(lifeline)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while server.poll() is None and not _answers(url):
            if time.monotonic() > deadline:
                return _error(f"the app did not answer at {url} within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        if server.poll() is not None:
            return _error(f"the app server stopped (exit code {server.returncode})")
        print(f"dmi_sim app: {url}", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        _stop(server)
        print("dmi_sim app stopped", file=sys.stderr)
        return 0
    finally:
        _stop(server)
        os.close(keep)


def _stop(server: subprocess.Popen) -> None:
    """Ask the server to shut down; kill it if it hangs.

    SIGTERM, not SIGINT: a Ctrl+C in the terminal has already sent the server (in this
    process group) a SIGINT, and a second one while it shuts down surfaces as a
    KeyboardInterrupt traceback during its interpreter's exit. Uvicorn shuts down on
    SIGTERM as it does on SIGINT, then ends by it, without a word.
    """
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
