"""Where a default run's time goes: inside the compiled kernels, or in the Python between them.

    .venv/bin/python benchmarks/bench_where.py [--repeats 5] [--scenario dmi]

Every kernel the model calls from Python (``dmi_sim.model.kernels``) is wrapped with a
timer for the measured runs; the time inside them (less the wrapper's own cost, measured
on an empty kernel) is the compiled share, the rest of the run is Python: numpy's draws
and ``exp`` between kernels, the submodels' bookkeeping, the policies, the observer and
Mesa's step. The ceiling printed is the speed-up over the start of issue 13 that a run
would have if nothing but the kernels were left (base seconds from
benchmarks/results/speedup.json, written by bench_speedup.py in the same sitting).
Medians of ``--repeats`` runs after a warm-up run. Writes benchmarks/results/where.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from numba import njit  # noqa: E402

from dmi_sim.api import simulate  # noqa: E402
from dmi_sim.model import kernels  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


@njit
def _empty(a, b, c):
    return a


def _wrapper_cost(calls: int = 200_000) -> float:
    """Seconds a timing wrapper adds to one kernel call (measured on an empty kernel)."""
    timed = _timed(_empty, collections.Counter(), collections.Counter(), "empty")
    _empty(1.0, 2.0, 3.0)
    t0 = time.perf_counter()
    for _ in range(calls):
        _empty(1.0, 2.0, 3.0)
    bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(calls):
        timed(1.0, 2.0, 3.0)
    return max(0.0, (time.perf_counter() - t0 - bare) / calls)


def _timed(kernel, seconds: collections.Counter, calls: collections.Counter, name: str):
    def run(*args):
        t0 = time.perf_counter()
        out = kernel(*args)
        seconds[name] += time.perf_counter() - t0
        calls[name] += 1
        return out

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scenario", default="dmi")
    args = ap.parse_args()
    overhead = _wrapper_cost()
    seconds: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    # Compile (or load) every kernel first: a kernel compiled after the module's names are
    # wrapped would find a Python wrapper where it calls another kernel.
    simulate(args.scenario, seed=99)
    for name in dir(kernels):
        kernel = getattr(kernels, name)
        if hasattr(kernel, "py_func"):  # a compiled kernel; calls from other kernels stay bare
            setattr(kernels, name, _timed(kernel, seconds, calls, name))
    runs, inside = [], []
    for seed in range(args.repeats):
        seconds.clear()
        calls.clear()
        t0 = time.perf_counter()
        simulate(args.scenario, seed=seed)
        runs.append(time.perf_counter() - t0 - overhead * sum(calls.values()))
        inside.append(sum(seconds.values()) - overhead * sum(calls.values()))
    run_s, kernel_s = statistics.median(runs), statistics.median(inside)
    out = {
        "scenario": args.scenario,
        "run_s": run_s,
        "kernels_s": kernel_s,
        "kernel_share": kernel_s / run_s,
        "kernel_calls_per_run": sum(calls.values()),
        "by_kernel_s": dict(seconds.most_common()),
    }
    print(
        f"{args.scenario}: {run_s:.3f} s per run, {kernel_s:.3f} s of it inside the kernels "
        f"({100 * kernel_s / run_s:.0f} %, {sum(calls.values())} calls), "
        f"{run_s - kernel_s:.3f} s in Python between them"
    )
    speedup = RESULTS / "speedup.json"
    if speedup.exists():
        base = json.loads(speedup.read_text())
        base_s = base["median_s"]["base"]
        out["ceiling_over_base_x"] = base_s / kernel_s
        print(
            f"  base {base['base']} {base_s:.3f} s (speedup.json): with the kernels alone a run "
            f"would be {base_s / kernel_s:.1f}x faster than the base; now "
            f"{base_s / run_s:.1f}x"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "where.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
