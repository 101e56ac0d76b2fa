"""Speed of the model: the default DMI scenario over its full horizon.

    python benchmarks/bench_model.py [--repeats 5] [--scenario dmi] [--grid]

Reports the median seconds per run (model construction included), µs per agent-day
(agents = potential sellers + buyers + households + officers), and the ratio to Mesa's
Epstein civil-violence example measured in the same process (benchmarks/epstein_reference.py),
in rounds of one run of each after a warm-up run (the median of the rounds' ratios).
With ``--grid``, also the cost of a run on 40x40, 80x80 and 160x160 grids (365 days) and
the exponent of cost in the number of cells (least squares on the log-log points).
Targets (issue 13): >= 150x cheaper per agent-day than Epstein; grid cost at most linear in
cells (exponent <= 1). The speed-up against the start of issue 13 is
benchmarks/bench_speedup.py. Writes benchmarks/results/model.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from benchmarks.epstein_reference import measure_epstein  # noqa: E402
from dmi_sim import load_params  # noqa: E402
from dmi_sim.api import simulate  # noqa: E402
from dmi_sim.model import DrugMarketModel  # noqa: E402

RESULT_FILE = Path(__file__).resolve().parent / "results" / "model.json"


def count_agents(scenario: str) -> int:
    """Agents of a freshly built model of the scenario: potential sellers, buyers and
    households (columns of arrays) and officers (Mesa agents). ``len(model.agents)`` alone
    counts only the officers since the populations became columns."""
    m = DrugMarketModel(load_params(scenario), rng=0)
    return m.sellers.n + m.buyers.n + m.residents.n + len(m.agents)


def measure_model(scenario: str = "dmi", repeats: int = 5, first_seed: int = 0) -> dict:
    """Median wall time of ``simulate(scenario)`` over ``repeats`` seeds from ``first_seed``."""
    days = load_params(scenario)["run.days"]
    times = []
    for seed in range(first_seed, first_seed + repeats):
        t0 = time.perf_counter()
        simulate(scenario, seed=seed)
        times.append(time.perf_counter() - t0)
    agents = count_agents(scenario)
    median = statistics.median(times)
    return {
        "scenario": scenario,
        "days": days,
        "agents": agents,
        "seconds_per_run": median,
        "runs": times,
        "us_per_agent_day": median / (agents * days) * 1e6,
    }


GRID_SIDES = (40, 80, 160)
GRID_DAYS = 365


def measure_grid(scenario: str = "dmi", repeats: int = 5) -> dict:
    """Median seconds of a GRID_DAYS run per grid side, interleaved, and the exponent b of
    seconds ~ cells^b fitted over the sides."""
    times: dict[int, list[float]] = {side: [] for side in GRID_SIDES}
    for seed in range(repeats):
        for side in GRID_SIDES:
            grid = {"space.width": side, "space.height": side}
            t0 = time.perf_counter()
            simulate(scenario, seed=seed, days=GRID_DAYS, overrides=grid)
            times[side].append(time.perf_counter() - t0)
    median = {side: statistics.median(t) for side, t in times.items()}
    cells = np.log([side * side for side in GRID_SIDES])
    exponent = float(np.polyfit(cells, np.log([median[s] for s in GRID_SIDES]), 1)[0])
    return {
        "days": GRID_DAYS,
        "seconds_per_run": {str(s): median[s] for s in GRID_SIDES},
        "runs": {str(s): t for s, t in times.items()},
        "exponent_in_cells": exponent,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scenario", default="dmi")
    ap.add_argument("--grid", action="store_true", help="also the cost on larger grids")
    args = ap.parse_args()
    simulate(args.scenario, seed=99)  # warm-up, not counted: imports, the kernels' disk cache
    # Rounds of one model run and one Epstein run, so both meet the same load on a shared
    # machine; the ratio reported is the median of the rounds' ratios.
    rounds = [
        (measure_model(args.scenario, 1, first_seed=r), measure_epstein(repeats=1))
        for r in range(args.repeats)
    ]
    ratios = [e["us_per_agent_step"] / m["us_per_agent_day"] for m, e in rounds]
    model = rounds[0][0] | {
        "runs": [m["seconds_per_run"] for m, _ in rounds],
        "seconds_per_run": statistics.median(m["seconds_per_run"] for m, _ in rounds),
        "us_per_agent_day": statistics.median(m["us_per_agent_day"] for m, _ in rounds),
    }
    epstein = rounds[0][1] | {
        "repeats": args.repeats,
        "us_per_agent_step": statistics.median(e["us_per_agent_step"] for _, e in rounds),
    }
    ratio = statistics.median(ratios)
    out = {"model": model, "epstein": epstein, "cheaper_than_epstein_x": ratio, "ratios": ratios}
    print(
        f"{args.scenario}: {model['seconds_per_run']:.3f} s per run "
        f"({model['days']} days, {model['agents']} agents; runs "
        + ", ".join(f"{t:.2f}" for t in model["runs"])
        + ")"
    )
    print(
        f"  {model['us_per_agent_day']:.3f} µs per agent-day; Epstein "
        f"{epstein['us_per_agent_step']:.2f} µs per agent-step -> {ratio:.0f}x cheaper "
        f"(median of {args.repeats} paired rounds: " + ", ".join(f"{r:.0f}" for r in ratios) + ")"
    )
    if args.grid:
        grid = measure_grid(args.scenario, args.repeats)
        out["grid"] = grid
        print(
            f"  grid ({grid['days']} days): "
            + ", ".join(
                f"{side}x{side} {sec:.2f} s"
                for side, sec in zip(GRID_SIDES, grid["seconds_per_run"].values(), strict=True)
            )
            + f"; cost ~ cells^{grid['exponent_in_cells']:.2f}"
        )
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULT_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=2))
    tmp.replace(RESULT_FILE)


if __name__ == "__main__":
    main()
