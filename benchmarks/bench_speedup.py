"""Speed-up against a reference commit, measured side by side on the same machine.

    .venv/bin/python benchmarks/bench_speedup.py [--base 5b202e5] [--repeats 5]

The reference commit is exported with ``git archive`` into a temporary folder (no
worktree, nothing of the repository changed). Two worker processes, one importing
``dmi_sim`` from the reference and one from this checkout, run the same default DMI runs
(full horizon, seeds 0..repeats-1) strictly in turn, so both meet the same load on a
shared machine; each reports its own wall time per run (model construction included).
The ratio of the medians is the speed-up. A warm-up run in each worker is not counted
(imports, compilation of the model's kernels). Writes benchmarks/results/speedup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT_FILE = ROOT / "benchmarks" / "results" / "speedup.json"

#: Runs in each worker: reads "scenario seed" lines, answers with the seconds of each run.
WORKER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import dmi_sim
from dmi_sim.api import simulate
assert dmi_sim.__file__.startswith(sys.argv[1]), dmi_sim.__file__
print("ready", flush=True)
for line in sys.stdin:
    scenario, seed = line.split()
    t0 = time.perf_counter()
    simulate(scenario, seed=int(seed))
    print(time.perf_counter() - t0, flush=True)
"""


def export(commit: str, into: Path) -> Path:
    """The tree of ``commit`` unpacked under ``into`` (``git archive``)."""
    archive = into / "base.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), commit], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


class Worker:
    """A Python process running models from one checkout."""

    def __init__(self, tree: Path) -> None:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tree)],
            cwd=tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def run(self, scenario: str, seed: int) -> float:
        self.proc.stdin.write(f"{scenario} {seed}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--base",
        default="5b202e5",
        help="reference commit (default: 5b202e5, the start of issue 13)",
    )
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scenario", default="dmi")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workers = {"base": Worker(export(args.base, Path(tmp))), "now": Worker(ROOT)}
        try:
            for w in workers.values():
                w.run(args.scenario, 99)  # warm-up
            times: dict[str, list[float]] = {k: [] for k in workers}
            for seed in range(args.repeats):
                for name, w in workers.items():
                    times[name].append(w.run(args.scenario, seed))
        finally:
            for w in workers.values():
                w.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    out = {
        "base": args.base,
        "scenario": args.scenario,
        "repeats": args.repeats,
        "seconds": times,
        "median_s": med,
        "speedup": med["base"] / med["now"],
    }
    print(
        f"{args.scenario}, full horizon, median of {args.repeats}: {args.base} "
        f"{med['base']:.3f} s, this checkout {med['now']:.3f} s -> "
        f"{out['speedup']:.2f}x faster"
    )
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
