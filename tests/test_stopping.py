"""Stopping: a signal to the driver alone stops a command in one line with exit code 130; a
driver killed outright leaves no process behind; a killed comparison resumes and leaves no
hidden folder.

Each driver runs in its own session and signals go to its process id only, as ``kill`` or a
job scheduler sends them: Ctrl-C in a terminal signals the whole process group, workers
included, which would hide a worker that outlives its driver.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from process_groups import GONE_S, group, wait_until

from dmi_sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: A sweep that runs for about half a minute on two workers: long enough to be stopped.
EXPERIMENT = """
scenario = "baseline"
replications = 24
seed = 4
days = 300
outcomes = ["cost_total"]
[overrides]
"space.width" = 20
"space.height" = 20
"run.intervention_start" = 150
[factors."police.officers"]
levels = [2, 6]
"""
#: Seconds a stopped command may take to exit.
STOP_S = 30.0

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process groups from /proc"
)


class Driver:
    """``python run.py ARGS`` in its own session, its stderr read line by line."""

    def __init__(self, *args: str, cwd: Path = ROOT) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), *args],
            cwd=cwd,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.extend(part for part in line.split("\r") if part.strip())

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def send(self, signum: int) -> None:
        os.kill(self.process.pid, signum)  # the driver alone, not its group

    def workers_running(self) -> bool:
        return sum("forkserver" in c for c in group(self.process.pid)) >= 3  # server + 2

    def finish(self) -> int:
        code = self.process.wait(STOP_S)
        self.reader.join(GONE_S)
        return code

    def assert_nothing_left(self) -> None:
        wait_until(
            lambda: not group(self.process.pid),
            GONE_S,
            "every process of the killed driver should be gone",
        )

    def kill(self) -> None:
        """Whatever happened, leave nothing of this driver running."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    path = tmp_path / "stoppable.toml"
    path.write_text(EXPERIMENT)
    return path


@pytest.mark.parametrize(
    ("signum", "when"),
    [
        (signal.SIGINT, "while the pool starts"),
        (signal.SIGTERM, "while runs are running"),
    ],
)
def test_a_signal_to_the_driver_alone_stops_a_sweep_in_one_line(
    experiment: Path, tmp_path: Path, signum: int, when: str
) -> None:
    out = tmp_path / "out"
    driver = Driver("sweep", str(experiment), "--out", str(out), "--workers", "2", "--no-progress")
    try:
        if when == "while the pool starts":
            wait_until(lambda: driver.said("48 runs ->"), 60, "the sweep should start")
        else:
            wait_until(driver.workers_running, 60, "the pool should start")
            time.sleep(1.0)
        driver.send(signum)
        assert driver.finish() == 130
        assert driver.lines[0].startswith("stoppable: 2 design points x 24 replications")
        assert len(driver.lines) == 2, driver.lines
        assert driver.lines[1].startswith("interrupted: ")
        driver.assert_nothing_left()
    finally:
        driver.kill()


def test_sigkill_of_the_driver_alone_leaves_no_worker_behind(
    experiment: Path, tmp_path: Path
) -> None:
    driver = Driver(
        "sweep", str(experiment), "--out", str(tmp_path / "out"), "--workers", "2", "--no-progress"
    )
    try:
        wait_until(driver.workers_running, 60, "the pool should start")
        driver.send(signal.SIGKILL)
        driver.process.wait(STOP_S)
        driver.assert_nothing_left()
    finally:
        driver.kill()


def test_a_comparison_killed_while_drawing_resumes_and_leaves_no_hidden_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "compare",
        "dmi",
        "--reps",
        "2",
        "--days",
        "120",
        "--workers",
        "2",
        "--set",
        "space.width=20",
        "--set",
        "space.height=20",
        "--set",
        "run.intervention_start=60",
        "--out",
        str(tmp_path / "cmp"),
    ]
    driver = Driver(*args)
    try:
        wait_until(
            lambda: driver.said("Drawing figures"), 120, "the comparison should reach its figures"
        )
        driver.send(signal.SIGKILL)
        driver.process.wait(STOP_S)
        driver.assert_nothing_left()
    finally:
        driver.kill()
    hidden = sorted(p.name for p in tmp_path.iterdir())
    assert [h.split("-")[0] for h in hidden] == [".cmp.partial", ".compare"], hidden
    assert main([*args, "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith(f"report: {tmp_path / 'cmp'}")
    manifest = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    assert manifest["runs_already_stored"] == manifest["runs"] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]
