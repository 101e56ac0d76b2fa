"""Benchmark of the sweep engine: throughput, Dask against the pool, and driver memory.

    .venv/bin/python benchmarks/bench_engine.py            # about 7 minutes on 2 cores

1. Runs per hour with 1 worker (in-process) and with 2 (process pool); target >= 1.8x.
   Each executor is timed ``--rounds`` times, interleaved, and the best time counts.
2. Dask LocalCluster (2 single-thread workers) against the 2-process pool; target: within
   10 % (the cluster's start-up is reported apart: it is paid once per session).
3. The driver's resident memory over 2,000 short runs on the pool, sampled every 0.1 s;
   target: flat (the same at the end as after the start).

Prints a table and writes ``benchmarks/results/engine.json``. Wall times include the pool's
start-up, as a user meets it.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from dmi_sim.engine import RunTask, run_tasks
from dmi_sim.engine.executors import dask_executor
from dmi_sim.engine.seeds import replication_seeds

RESULTS = Path(__file__).resolve().parent / "results" / "engine.json"


def tasks(n: int, days: int | None, overrides: dict[str, int] | None = None) -> list[RunTask]:
    """``n`` crackdown runs on distinct seeds: the kind of run a sweep is made of."""
    return [
        RunTask(f"bench-r{i:05d}", "crackdown", overrides or {}, seed, days, {"replication": i})
        for i, seed in enumerate(replication_seeds(2026, n))
    ]


def timed(task_list: list[RunTask], **kwargs: object) -> float:
    """Seconds ``run_tasks`` takes to run the list into a fresh folder."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        report = run_tasks(task_list, out, progress=False, **kwargs)
        elapsed = time.perf_counter() - started
    assert report.n_done == len(task_list), report.describe()
    return elapsed


class RssSampler:
    """Samples this process's resident memory in a thread while a block runs."""

    def __init__(self, every: float = 0.1) -> None:
        self.every, self.samples = every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._process = psutil.Process()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self._process.memory_info().rss / 2**20)
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def throughput(n: int, days: int | None, rounds: int) -> dict[str, float]:
    """Best of ``rounds`` interleaved timings of each executor (others' load only slows)."""
    runs = tasks(n, days)
    started = time.perf_counter()
    with dask_executor("local", workers=2) as (executor, _):
        startup = time.perf_counter() - started
        best = {"one": np.inf, "two": np.inf, "dask": np.inf}
        for _ in range(rounds):
            best["one"] = min(best["one"], timed(runs, workers=1))
            best["two"] = min(best["two"], timed(runs, workers=2))
            best["dask"] = min(best["dask"], timed(runs, executor=executor, workers=2))
    return {
        "runs": n,
        "days_per_run": days,
        "rounds": rounds,
        "runs_per_hour_1_worker": 3600 * n / best["one"],
        "runs_per_hour_2_workers": 3600 * n / best["two"],
        "speedup_2_workers": best["one"] / best["two"],
        "runs_per_hour_dask_local_2": 3600 * n / best["dask"],
        "dask_vs_pool": best["two"] / best["dask"],
        "dask_startup_s": startup,
    }


def driver_memory(n: int) -> dict[str, float]:
    """Driver RSS over ``n`` short runs (60 days, 20x20 grid, time series stored)."""
    runs = tasks(n, 60, {"space.width": 20, "space.height": 20})
    with RssSampler() as sampler, tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        report = run_tasks(runs, out, workers=2, progress=False)
        elapsed = time.perf_counter() - started
    assert report.n_done == n, report.describe()
    rss = np.array(sampler.samples)
    tenth = max(1, len(rss) // 10)
    return {
        "runs": n,
        "seconds": elapsed,
        "rss_mib_first_tenth": float(np.median(rss[:tenth])),
        "rss_mib_last_tenth": float(np.median(rss[-tenth:])),
        "rss_mib_peak": float(rss.max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="runs per throughput timing")
    parser.add_argument(
        "--days",
        type=int,
        help="days per throughput run (default: the crackdown scenario's run.days)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="timings per executor (best)")
    parser.add_argument("--memory-runs", type=int, default=2000)
    args = parser.parse_args()
    result = {
        "cores": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "throughput": throughput(args.runs, args.days, args.rounds),
        "driver_memory": driver_memory(args.memory_runs),
        "load_average_after": os.getloadavg(),
    }
    t, m = result["throughput"], result["driver_memory"]
    print(f"runs/hour, 1 worker (in-process): {t['runs_per_hour_1_worker']:8.0f}")
    print(
        f"runs/hour, 2-process pool:        {t['runs_per_hour_2_workers']:8.0f}  "
        f"({t['speedup_2_workers']:.2f}x; target >= 1.8x)"
    )
    print(
        f"runs/hour, Dask LocalCluster(2):  {t['runs_per_hour_dask_local_2']:8.0f}  "
        f"({t['dask_vs_pool']:.2f} of the pool; target >= 0.90); "
        f"cluster start-up {t['dask_startup_s']:.1f} s"
    )
    print(
        f"driver RSS over {m['runs']} short runs ({m['seconds']:.0f} s): first tenth "
        f"{m['rss_mib_first_tenth']:.0f} MiB, last tenth {m['rss_mib_last_tenth']:.0f} MiB, "
        f"peak {m['rss_mib_peak']:.0f} MiB"
    )
    print(
        "load average before / after: "
        f"{result['load_average_before'][0]:.1f} / {result['load_average_after'][0]:.1f} "
        "(other work on the machine slows the pool first)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
