"""The trainer's app in a real headless Chromium, served by ``python run.py viz``.

The server is started the way a trainer starts it, with Solara's CDN pointed at a dead
local address: an asset missing from the offline bundle then fails (and shows up as a
failed request or a console error) instead of quietly coming from the internet. The tests
share one page and run in order: load, Step, slider values, Play and the day axis, new
controls on one Reset, the fork; screenshots are saved to ``results/test-artifacts/``
(``viz-app.png``, ``viz-fork.png``) and their paths printed.

The page shows each control's value as the server holds it, and Reset uses that value. A
browser sends a widget's new value only after the server has answered its previous one
(ipywidgets' message throttle) while a click on another widget goes at once, so a Reset
clicked at machine speed can arrive before the value; the tests, like a trainer, wait
until the page shows the value, then press Reset once.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from process_groups import start_viz

from dmi_sim.viz.plots import day_axis_end

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "results" / "test-artifacts"
LOCAL = {"localhost", "127.0.0.1"}
START_TIMEOUT_S = 120

pytestmark = pytest.mark.browser  # skipped without /usr/bin/chromium (see conftest.py)


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """``python run.py viz --port N`` in its own process group, until the module ends."""
    server, url = start_viz(
        os.environ | {"SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}, START_TIMEOUT_S
    )
    try:
        yield url
    finally:
        server.send_signal(signal.SIGTERM)  # run.py viz stops its Solara server
        try:
            server.wait(timeout=20)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


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
        return int(self.page.locator(".dmi-day").first.inner_text().removeprefix("Day "))

    def wait_for_day(self, day: int) -> None:
        expect(self.page.locator(".dmi-day").first).to_have_text(f"Day {day}", timeout=30_000)

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def plots_src(self) -> str | None:
        return self.page.locator("img.dmi-plots").get_attribute("src")

    def slider(self, name: str) -> Locator:
        return self.page.locator(f".dmi-control-{name} [role=slider]")

    def value(self, name: str) -> Locator:
        """The value the page shows beside a slider's label."""
        return self.page.locator(f".dmi-control-{name} .dmi-value")

    def set_slider(self, name: str, key: str, shown: str) -> None:
        """Move a slider with the keyboard and wait until the page shows ``shown``."""
        self.slider(name).focus()
        self.page.keyboard.press(key)
        expect(self.value(name)).to_have_text(shown, timeout=30_000)

    def screenshot(self, name: str, tmp_path: Path) -> Path:
        shot = tmp_path / name
        self.page.screenshot(path=shot)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / name)
        print(f"screenshot: {ARTIFACTS / name}")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        return ARTIFACTS / name


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
    for leftover in ("Page 0", "Use Threads", "Render Interval"):  # SolaraViz's, not ours
        assert app.page.get_by_text(leftover).count() == 0
    app.assert_clean()


def test_step_advances_the_day(app: Watched) -> None:
    day = app.day()
    app.click("Step")
    app.wait_for_day(day + 1)
    app.assert_clean()


def test_every_slider_shows_its_value(app: Watched) -> None:
    names = [
        name.removeprefix("dmi-control-")
        for name in app.page.locator(".dmi-control").evaluate_all(
            "els => els.map(e => [...e.classList].find(c => c.startsWith('dmi-control-')))"
        )
    ]
    assert {
        "officers",
        "surge_officers",
        "crackdown_period",
        "crackdown_length",
        "policy_start",
        "seed",
        "days_per_step",
        "pause_ms",
    } <= set(names)
    for name in names:
        assert app.value(name).is_visible()
        assert app.value(name).inner_text() == app.slider(name).get_attribute("aria-valuenow")
    app.set_slider("officers", "End", "20")
    app.set_slider("officers", "ArrowLeft", "19")
    assert app.slider("officers").get_attribute("aria-valuenow") == "19"
    app.set_slider("seed", "ArrowRight", "1")
    expect(app.page.locator(".dmi-pending")).to_be_visible()
    app.assert_clean()


def test_play_runs_and_the_day_axis_follows(app: Watched) -> None:
    before, day = app.plots_src(), app.day()
    assert day < 25
    expect(app.page.locator(".dmi-days")).to_have_text("Days 0-30 shown; the run ends on day 1095")
    app.click("▶ Play")
    app.page.wait_for_function(
        f"parseInt(document.querySelector('.dmi-day').innerText.slice(4)) >= {day + 3}",
        timeout=30_000,
    )
    app.click("❚❚ Pause")
    expect(app.page.get_by_role("button", name="▶ Play")).to_be_visible()
    assert app.day() >= day + 3
    assert app.plots_src() != before
    app.set_slider("days_per_step", "End", "60")
    day = app.day()
    app.click("Step")
    app.wait_for_day(day + 60)
    end = day_axis_end(app.day(), 1095)
    assert end >= 90  # the axis grew with the run
    expect(app.page.locator(".dmi-days")).to_have_text(
        f"Days 0-{end} shown; the run ends on day 1095"
    )
    app.assert_clean()


def test_reset_takes_new_controls_on_the_first_press(app: Watched) -> None:
    page = app.page
    page.locator(".v-select").filter(has_text="Strategy (scenario)").click()
    page.get_by_role("option", name="crackdown", exact=True).click()
    page.get_by_role("listbox").wait_for(state="hidden")
    expect(page.locator(".v-select").filter(has_text="Strategy (scenario)")).to_contain_text(
        "crackdown"
    )
    app.set_slider("policy_start", "Home", "0")
    app.set_slider("officers", "Home", "0")
    app.set_slider("officers", "ArrowRight", "1")
    app.set_slider("days_per_step", "Home", "1")
    app.click("Reset")  # once
    # the page is on day 0 before and after the Reset, so wait for the new run's readout
    expect(page.locator(".dmi-strategy")).to_contain_text(
        "crackdown: 1 beat officer; policy from day 0;", timeout=30_000
    )
    app.wait_for_day(0)
    expect(page.locator(".dmi-pending")).to_have_count(0)
    app.click("Step")
    app.wait_for_day(1)
    # the day and the phase are separate elements: wait for the phase's own update
    expect(page.locator(".dmi-phase")).to_have_text(re.compile(r"^Crackdown sweep"), timeout=30_000)
    app.assert_clean()


def test_screenshot_of_the_run(app: Watched, tmp_path: Path) -> None:
    """A few sweeps into the crackdown, on the residents-out heat map."""
    app.set_slider("days_per_step", "End", "60")
    day = app.day()
    app.click("Step")
    app.wait_for_day(day + 60)
    app.click("Residents out")
    app.page.wait_for_timeout(500)  # the new map image to paint
    app.screenshot("viz-app.png", tmp_path)
    app.assert_clean()


def test_fork_shows_two_branches_from_one_state(app: Watched, tmp_path: Path) -> None:
    page, day = app.page, app.day()
    app.click("Fork here")
    branches = page.locator(".dmi-branch")
    expect(branches).to_have_text(["Sweep now", "DMI now"], timeout=60_000)
    expect(page.locator(".dmi-fork-title")).to_contain_text(f"Forked on day {day}")
    expect(page.locator(".dmi-day")).to_have_text([f"Day {day}", f"Day {day}"])
    app.set_slider("days_per_step", "Home", "1")
    app.click("Step")
    expect(page.locator(".dmi-day")).to_have_text(
        [f"Day {day + 1}", f"Day {day + 1}"], timeout=30_000
    )
    phases = page.locator(".dmi-phase").all_inner_texts()
    assert phases[0].startswith("Crackdown sweep") and phases[1].startswith("DMI investigation")
    app.set_slider("days_per_step", "End", "60")
    app.click("Step")
    expect(page.locator(".dmi-day")).to_have_text(
        [f"Day {day + 61}", f"Day {day + 61}"], timeout=30_000
    )
    app.click("People only")
    page.wait_for_timeout(500)  # the new map images to paint
    for image in ("img.dmi-fork-map-crackdown", "img.dmi-fork-map-dmi", "img.dmi-fork-plots"):
        assert page.locator(image).is_visible()
    app.screenshot("viz-fork.png", tmp_path)
    app.click("Back to the single run")
    app.wait_for_day(day + 61)
    expect(page.locator(".dmi-branch")).to_have_count(0)
    app.assert_clean()
