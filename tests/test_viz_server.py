"""``run.py viz`` never reaches out of this machine, and its server goes when it goes.

The server is started as a trainer starts it, with a ``sitecustomize`` (on PYTHONPATH, so
it loads in every Python process of the app) that writes down every host name looked up
and every address connected to that is not this machine. A page and an asset that the
offline bundle lacks are requested; then ``run.py viz`` alone is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from process_groups import GONE_S, group, start_viz, wait_until

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120
WATCH = """
import os, socket
_LOG = os.environ["DMI_TEST_NETWORK_LOG"]
_LOCAL = ("127.", "::1", "localhost", "0.0.0.0")


def _note(what):
    with open(_LOG, "a") as log:
        log.write(what + "\\n")


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if host and not str(host).startswith(_LOCAL):
        _note(f"lookup {host}")
    return _getaddrinfo(host, *args, **kwargs)


_connect = socket.socket.connect


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not str(address[0]).startswith(
            _LOCAL):
        _note(f"connect {address}")
    return _connect(self, address)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
"""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process groups from /proc"
)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_the_app_never_reaches_out_and_its_server_dies_with_it(tmp_path: Path) -> None:
    pytest.importorskip("solara")
    (tmp_path / "sitecustomize.py").write_text(WATCH)
    log = tmp_path / "network.log"
    env = os.environ | {"PYTHONPATH": str(tmp_path), "DMI_TEST_NETWORK_LOG": str(log)}
    driver, url = start_viz(env, START_TIMEOUT_S)
    try:
        assert _status(f"{url}/") == 200
        assert _status(f"{url}/_solara/cdn/no-such-package@1.0.0/missing.js") == 404
        assert not log.exists(), log.read_text()
        assert len(group(driver.pid)) == 2  # run.py viz and its server
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
        started = time.monotonic()
        wait_until(lambda: not group(driver.pid), GONE_S, "the server should stop")
        assert time.monotonic() - started < GONE_S
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()


def test_ctrl_c_stops_the_app_and_its_server_with_one_line(tmp_path: Path) -> None:
    """Ctrl+C reaches every process of the terminal's group: ``run.py viz`` and its server.
    It ends with "dmi_sim app stopped" alone, no traceback or "Aborted." from the server."""
    pytest.importorskip("solara")
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    driver, _ = start_viz(env, START_TIMEOUT_S, stderr=subprocess.PIPE)
    try:
        assert len(group(driver.pid)) == 2
        os.killpg(driver.pid, signal.SIGINT)  # what the terminal does on Ctrl+C
        _, err = driver.communicate(timeout=GONE_S + 10)
        assert driver.returncode == 0
        assert err.splitlines()[-1:] == ["dmi_sim app stopped"], err
        assert "Traceback" not in err and "Aborted" not in err, err
        wait_until(lambda: not group(driver.pid), GONE_S, "the server should stop")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
