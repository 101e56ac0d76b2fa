"""The runner and its store: same results on every executor, resume, failures, exports.

Runs use the real model on small settings (60 days, 20x20 grid: well under a second each).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dmi_sim.engine import RunTask, StoreError, load_failures, load_results, run_tasks, to_ema
from dmi_sim.engine.seeds import replication_seeds

SMALL = {"space.width": 20, "space.height": 20}
DAYS = 60
REPO = Path(__file__).resolve().parents[1]


def small_tasks(points: int = 3, reps: int = 2, root_seed: int = 5) -> list[RunTask]:
    """Crackdown runs at a few officer levels, replication r on the same seed everywhere."""
    seeds = replication_seeds(root_seed, reps)
    return [
        RunTask(
            run_id=f"p{i:05d}-r{r:03d}",
            scenario="crackdown",
            overrides={**SMALL, "police.officers": 2 + 3 * i},
            seed=seed,
            days=DAYS,
            labels={"point": i, "replication": r, "police.officers": 2 + 3 * i},
        )
        for i in range(points)
        for r, seed in enumerate(seeds)
    ]


def stored_ids(out: Path) -> list[str]:
    """Every run id in every summary part, repeats included."""
    return [
        rid
        for p in sorted((out / "summary").glob("part-*.parquet"))
        for rid in pq.read_table(p, columns=["run_id"]).column("run_id").to_pylist()
    ]


def assert_same_results(a: Path, b: Path) -> None:
    summary_a, series_a = load_results(a)
    summary_b, series_b = load_results(b)
    pd.testing.assert_frame_equal(summary_a, summary_b)
    pd.testing.assert_frame_equal(series_a, series_b)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sweep run sequentially, in this process: what every executor must match."""
    out = tmp_path_factory.mktemp("sequential")
    report = run_tasks(small_tasks(), out, workers=1, progress=False)
    assert report.n_done == report.n_tasks == 6 and report.n_failed == 0
    return out


@pytest.fixture(scope="module")
def dask_executor() -> Iterator:
    """One two-worker LocalCluster for the module (it takes seconds to start)."""
    pytest.importorskip("distributed")
    from dmi_sim.engine.executors import dask_executor

    with dask_executor("local", workers=2) as (executor, _):
        yield executor


def test_summary_and_series_have_the_contract_columns(reference: Path) -> None:
    summary, series = load_results(reference)
    assert list(summary.columns[:5]) == [
        "run_id",
        "seed",
        "point",
        "replication",
        "police.officers",
    ]
    assert {"cost_total", "replacement_ratio"} <= set(summary.columns)
    assert list(series.columns[:5]) == ["run_id", "point", "replication", "police.officers", "day"]
    assert len(series) == 6 * DAYS
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["complete"] and manifest["n_done"] == 6


def test_pool_gives_the_sequential_results(reference: Path, tmp_path: Path) -> None:
    run_tasks(small_tasks(), tmp_path, workers=2, progress=False)
    assert_same_results(reference, tmp_path)


def test_dask_gives_the_sequential_results(reference: Path, tmp_path: Path, dask_executor) -> None:
    report = run_tasks(small_tasks(), tmp_path, executor=dask_executor, workers=2, progress=False)
    assert report.n_done == 6
    assert_same_results(reference, tmp_path)


def test_a_failing_run_is_recorded_and_the_rest_complete(tmp_path: Path) -> None:
    tasks = small_tasks()
    bad = RunTask(
        "p00099-r000",
        "crackdown",
        {**SMALL, "police.officers": -1},
        11,
        DAYS,
        {"point": 99, "replication": 0, "police.officers": -1},
    )
    report = run_tasks([*tasks, bad], tmp_path, workers=2, progress=False)
    assert (report.n_done, report.n_failed) == (6, 1)
    assert report.failures_path == tmp_path / "failures.csv"
    assert "1 failed, listed in" in report.describe()
    listed = pd.read_csv(report.failures_path)
    row = listed.iloc[0]
    assert (row["run_id"], row["seed"], row["error_type"]) == ("p00099-r000", 11, "ParameterError")
    assert "police.officers" in row["error"] and "Traceback" in row["traceback"]
    assert json.loads(row["overrides"])["police.officers"] == -1
    assert sorted(stored_ids(tmp_path)) == sorted(t.run_id for t in tasks)
    # the same command again retries only the failed run
    again = run_tasks([*tasks, bad], tmp_path, workers=1, progress=False)
    assert (again.n_skipped, again.n_failed) == (6, 1)
    assert len(load_failures(tmp_path)) == 1


def test_ctrl_c_keeps_finished_runs_and_the_rerun_completes(
    reference: Path, tmp_path: Path
) -> None:
    tasks = small_tasks()

    def interrupted_at_fourth(scenario, seed, days, overrides):
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt
        from dmi_sim import simulate

        return simulate(scenario, seed=seed, days=days, overrides=overrides)

    calls = 0
    with pytest.raises(KeyboardInterrupt):
        run_tasks(tasks, tmp_path, workers=1, progress=False, run_fn=interrupted_at_fourth)
    assert len(stored_ids(tmp_path)) == 3
    report = run_tasks(tasks, tmp_path, workers=1, progress=False)
    assert (report.n_skipped, report.n_done) == (3, 6)
    assert_same_results(reference, tmp_path)


DRIVER = """
import sys
sys.path.insert(0, {tests!r})
from test_engine_runner import small_tasks
from dmi_sim.engine import run_tasks
run_tasks(small_tasks(points=12, reps=2), {out!r}, workers=2, progress=False,
          batch_size=1, max_in_flight=2)
"""


def test_sigkill_of_the_driver_loses_and_repeats_nothing(tmp_path: Path) -> None:
    tasks = small_tasks(points=12, reps=2)
    out = tmp_path / "killed"
    script = DRIVER.format(tests=str(REPO / "tests"), out=str(out))
    driver = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], start_new_session=True, cwd=REPO
    )
    deadline = time.monotonic() + 60
    while len(list(out.glob("summary/part-*.parquet"))) < 4:
        assert driver.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline, "the sweep stored nothing in 60 s"
        time.sleep(0.05)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and its pool workers
    driver.wait()
    killed = stored_ids(out)
    assert 4 <= len(killed) < len(tasks)
    for part in out.glob("*/part-*.parquet"):
        pq.read_table(part)  # every file in place is whole
    report = run_tasks(tasks, out, workers=2, progress=False)
    assert report.n_skipped == len(killed) and report.n_done == len(tasks)
    assert sorted(stored_ids(out)) == sorted(t.run_id for t in tasks)
    assert not list(out.rglob("*.tmp"))
    uninterrupted = tmp_path / "uninterrupted"
    run_tasks(tasks, uninterrupted, workers=2, progress=False)
    assert_same_results(uninterrupted, out)


def test_a_folder_holding_another_sweep_is_refused(reference: Path, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="different sweep"):
        run_tasks(small_tasks(root_seed=6), reference, workers=1, progress=False)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not a sweep folder"):
        run_tasks(small_tasks(), tmp_path, workers=1, progress=False)


def test_leftovers_of_an_interrupted_write_are_cleared(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(reference), str(out)], check=True)
    (out / "summary" / "part-000099.parquet.tmp").write_bytes(b"half a file")
    orphan = out / "timeseries" / "part-000099.parquet"
    subprocess.run(["cp", str(next((out / "timeseries").glob("part-*"))), str(orphan)], check=True)
    (out / "manifest.json.tmp").write_text("{")
    report = run_tasks(small_tasks(), out, workers=1, progress=False)
    assert report.n_skipped == 6
    assert not orphan.exists() and not list(out.rglob("*.tmp"))
    assert_same_results(reference, out)


def test_a_sweep_killed_while_writing_its_first_manifest_starts_afresh(tmp_path: Path) -> None:
    tmp_path.joinpath("manifest.json.tmp").write_text("{")
    report = run_tasks(small_tasks(points=1, reps=1), tmp_path, workers=1, progress=False)
    assert report.n_done == 1 and not list(tmp_path.rglob("*.tmp"))


def test_ema_export_shape(reference: Path) -> None:
    experiments, outcomes = to_ema(
        reference, outcomes=["cost_total", "closure_days"], series=["active_sellers"]
    )
    assert len(experiments) == 6 and {"police.officers", "seed", "model"} <= set(experiments)
    assert outcomes["cost_total"].shape == (6,)
    assert outcomes["active_sellers"].shape == (6, DAYS)
    with pytest.raises(KeyError, match="no summary outcome"):
        to_ema(reference, outcomes=["nope"])


def test_duplicate_run_ids_are_refused(tmp_path: Path) -> None:
    task = small_tasks()[0]
    with pytest.raises(ValueError, match="duplicate run_id"):
        run_tasks([task, task], tmp_path, workers=1, progress=False)


UNGUARDED = """
from dmi_sim.engine import RunTask, run_tasks
tasks = [RunTask(f"r{{i}}", "baseline", {{"space.width": 20, "space.height": 20}}, i, 30)
         for i in range(2)]
run_tasks(tasks, {out!r}, workers=2, progress=False)
"""


@pytest.mark.parametrize("how", ["script without a __main__ guard", "code on stdin"])
def test_a_pool_that_cannot_start_says_why_in_one_line(tmp_path: Path, how: str) -> None:
    code = UNGUARDED.format(out=str(tmp_path / "out"))
    if how == "code on stdin":
        command, stdin = [sys.executable, "-"], code
        why = "a process pool cannot start from code that is not in a file (here: <stdin>)"
    else:
        (tmp_path / "unguarded.py").write_text(code)
        command, stdin = [sys.executable, "unguarded.py"], None
        why = "the process pool's workers stopped while starting: a script that runs a pool"
    done = subprocess.run(
        command, input=stdin, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"dmi_sim.engine.executors.PoolError: {why}")
    assert done.stderr.count("Traceback") == 1, done.stderr  # the script's own, no worker's
    assert not (tmp_path / "out" / "summary").exists()
