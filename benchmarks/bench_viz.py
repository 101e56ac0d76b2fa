"""Speed of the trainer's app: one Step with its redraw, at the default size (40 x 40).

    python benchmarks/bench_viz.py [--steps 15] [--warm-days 400] [--browser]

Server side: the app's page is rendered in this process (as ``solara.render`` does in
the widget tests), the default DMI run is advanced ``--warm-days`` into its policy period,
then the Step button is pressed ``--steps`` times; each press runs a day of the scenario
and of its baseline ghost, redraws map and plots and updates the widgets. The parts are
timed alone too. Then Reset is pressed ``--steps`` times (strategy switched to
crackdown first), each followed by two Steps: the first Step after a Reset is timed apart
from the second (issue 15: the first once cost much more). With ``--browser`` it also
starts ``python run.py viz`` and times, in headless Chromium, a click on Step until the
page shows the next day (what a trainer waits for), and the same for the first Step after
a Reset. Medians; the 1-minute load average is recorded because the machine may be
shared. Target (issue 7): well under a second. Writes benchmarks/results/viz.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ipyvuetify as v
import solara

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dmi_sim.viz import app  # noqa: E402
from dmi_sim.viz.phases import spans  # noqa: E402
from dmi_sim.viz.plots import LivePlots  # noqa: E402
from dmi_sim.viz.portrayal import LiveMap  # noqa: E402
from dmi_sim.viz.trainer_model import TrainerModel  # noqa: E402

RESULT_FILE = ROOT / "benchmarks" / "results" / "viz.json"


def _median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def measure_server(steps: int, warm_days: int) -> dict[str, float]:
    """Median ms of a Step press in the rendered app, and of its parts alone."""
    model = solara.reactive(TrainerModel())
    _, rc = solara.render(app.TrainerApp(model), handle_error=False)
    for _ in range(warm_days):
        model.value.step()
    step = rc.find(v.Btn, children=["Step"]).widget
    press = _median_ms(step.click, steps)
    run = model.value
    reset = rc.find(v.Btn, children=["Reset"]).widget
    rc.find(v.Select, label="Strategy (scenario)").widget.v_model = "crackdown"
    after_reset: dict[str, list[float]] = {"reset": [], "first": [], "second": []}
    for _ in range(steps):
        for key, button in (("reset", reset), ("first", step), ("second", step)):
            t0 = time.perf_counter()
            button.click()
            after_reset[key].append(time.perf_counter() - t0)
    live_map = LiveMap(run.scene())
    live_plots = LivePlots(run.params["run.intervention_start"], run.params["run.days"])
    return {
        "step_and_redraw_ms": press,
        "model_and_ghost_day_ms": _median_ms(run.step, steps),
        "map_ms": _median_ms(lambda: live_map.png(run.scene()), steps),
        "plots_ms": _median_ms(lambda: live_plots.png(*run.series(), spans(run.event_log)), steps),
        "day_reached": run.day,
        "reset_ms": 1000 * statistics.median(after_reset["reset"]),
        "first_step_after_reset_ms": 1000 * statistics.median(after_reset["first"]),
        "second_step_after_reset_ms": 1000 * statistics.median(after_reset["second"]),
    }


def measure_browser(steps: int) -> dict[str, float]:
    """Median ms from a click on Step to the next day on the page, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "run.py", "viz", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for line in server.stdout:
            if line.startswith("dmi_sim app:"):
                break
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"http://localhost:{port}")
            day = page.locator(".dmi-day")
            day.wait_for(timeout=60_000)

            def click_until(button: str, text: str) -> float:
                t0 = time.perf_counter()
                page.get_by_role("button", name=button, exact=True).click()
                page.wait_for_function(f"document.querySelector('.dmi-day').innerText === '{text}'")
                return time.perf_counter() - t0

            times = [click_until("Step", f"Day {n}") for n in range(1, steps + 1)]
            first = []
            for _ in range(steps):
                click_until("Reset", "Day 0")
                first.append(click_until("Step", "Day 1"))
            browser.close()
    finally:
        server.terminate()
        server.wait()
    return {
        "browser_click_to_next_day_ms": 1000 * statistics.median(times),
        "browser_first_step_after_reset_ms": 1000 * statistics.median(first),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=15, help="Step presses timed (default 15)")
    ap.add_argument(
        "--warm-days",
        type=int,
        default=400,
        help="days run before timing, so the plots are full (default 400)",
    )
    ap.add_argument("--browser", action="store_true", help="also time it in Chromium")
    args = ap.parse_args()
    result = {
        "load_average_1min": os.getloadavg()[0],
        "grid": "40 x 40 (default)",
        **measure_server(args.steps, args.warm_days),
    }
    if args.browser:
        result |= measure_browser(args.steps)
    result["load_average_1min_after"] = os.getloadavg()[0]
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key:32s} {value:10.1f}" if isinstance(value, float) else f"{key:32s} {value}")


if __name__ == "__main__":
    main()
