"""The trainer's app in a real headless Chromium, served by ``python run.py viz``.

The server is started the way a trainer starts it, with Solara's CDN pointed at a dead
local address: an asset missing from the offline bundle then fails (and shows up as a
failed request or a console error) instead of quietly coming from the internet. The tests
share one page and run in order: load, Step, Play, a new strategy on Reset, a screenshot
saved to ``results/test-artifacts/viz-app.png``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "results" / "test-artifacts"
LOCAL = {"localhost", "127.0.0.1"}
START_TIMEOUT_S = 120

pytestmark = pytest.mark.browser  # skipped without /usr/bin/chromium (see conftest.py)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """``python run.py viz --port N`` in its own process group, until the module ends."""
    port = _free_port()
    env = os.environ | {"SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}
    server = subprocess.Popen([sys.executable, "run.py", "viz", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True)
    reader.start()  # keeps draining, so the server never blocks on a full pipe
    deadline = time.monotonic() + START_TIMEOUT_S
    address = f"dmi_sim app: http://localhost:{port}"
    try:
        while address not in [line.strip() for line in lines]:
            assert server.poll() is None, f"run.py viz exited: {lines}"
            assert time.monotonic() < deadline, f"no address printed: {lines}"
            time.sleep(0.2)
        yield f"http://localhost:{port}"
    finally:
        server.send_signal(signal.SIGTERM)  # run.py viz stops its Solara server
        try:
            server.wait(timeout=20)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


RESET_ATTEMPTS = 10


class Watched:
    """The page and what went wrong on it so far."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on("response", lambda r: self.failed.append(r.url) if r.status >= 400 else None)

    def _request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL:
            self.outside.append(request.url)

    def assert_clean(self) -> None:
        assert self.errors == [], "console errors"
        assert self.outside == [], "requests beyond localhost"
        assert self.failed == [], "failed requests"

    def day(self) -> int:
        return int(self.page.locator(".dmi-day").inner_text().removeprefix("Day "))

    def wait_for_day(self, day: int) -> None:
        self.page.wait_for_function(
            f"document.querySelector('.dmi-day')?.innerText === 'Day {day}'", timeout=30_000)

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def plots_src(self) -> str | None:
        return self.page.locator("img.dmi-plots").get_attribute("src")


@pytest.fixture(scope="module")
def app(browser: Browser, app_url: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    watched = Watched(context.new_page())
    watched.page.goto(app_url)
    watched.page.locator(".dmi-day").wait_for(timeout=60_000)
    yield watched
    context.close()


def test_page_loads_offline_without_console_errors(app: Watched) -> None:
    assert app.day() == 0
    for image in ("img.dmi-map", "img.dmi-plots"):
        assert app.page.locator(image).is_visible()
    assert app.page.get_by_role("button", name="Reset").is_visible()
    app.assert_clean()


def test_step_advances_the_day(app: Watched) -> None:
    day = app.day()
    app.click("Step")
    app.wait_for_day(day + 1)
    app.assert_clean()


def test_plots_change_as_the_model_runs(app: Watched) -> None:
    before, day = app.plots_src(), app.day()
    app.click("▶")
    app.page.wait_for_function(
        f"parseInt(document.querySelector('.dmi-day').innerText.slice(4)) >= {day + 3}",
        timeout=30_000)
    app.click("❚❚")
    assert app.day() >= day + 3
    assert app.plots_src() != before
    app.assert_clean()


def test_reset_runs_the_new_strategy(app: Watched) -> None:
    page = app.page
    page.locator(".v-select").filter(has_text="Strategy (scenario)").click()
    page.get_by_role("option", name="crackdown", exact=True).click()
    page.get_by_role("listbox").wait_for(state="hidden")  # the select sends its value on close
    start = page.locator(".v-input").filter(has_text="Policy starts on day").get_by_role("slider")
    start.focus()
    page.keyboard.press("Home")  # the policy starts on day 0: no burn-in to wait through
    assert start.get_attribute("aria-valuenow") == "0"
    # A control's new value can reach the server after a click made at machine speed (seen
    # in CI under load): Reset again, a bounded number of times, until the server has it.
    def settings() -> str:
        return page.locator(".dmi-strategy").inner_text()

    for _ in range(RESET_ATTEMPTS):
        app.click("Reset")
        app.wait_for_day(0)
        if settings().startswith("crackdown:") and "policy from day 0;" in settings():
            break
        page.wait_for_timeout(500)
    assert settings().startswith("crackdown:")
    assert "policy from day 0;" in settings()
    app.click("Step")
    app.wait_for_day(1)
    assert page.locator(".dmi-phase").inner_text().startswith("Crackdown sweep")
    app.assert_clean()


def test_screenshot_is_saved(app: Watched, tmp_path: Path) -> None:
    """A few sweeps into the crackdown, on the dealing heat map."""
    page, day = app.page, app.day()
    days_per_step = page.locator(".v-input").filter(has_text="Render Interval").get_by_role(
        "slider")
    days_per_step.focus()
    page.keyboard.press("End")
    jump = int(days_per_step.get_attribute("aria-valuenow"))
    for step in (1, 2):
        app.click("Step")
        app.wait_for_day(day + step * jump)
    app.click("Dealing")
    page.wait_for_timeout(500)  # the new map image to paint
    shot = tmp_path / "viz-app.png"
    page.screenshot(path=shot)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / shot.name)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    app.assert_clean()
