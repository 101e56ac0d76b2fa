"""Speed of the model: the default DMI scenario over its full horizon.

    python benchmarks/bench_model.py [--repeats 5] [--scenario dmi]

Reports the median seconds per run (model construction included), µs per agent-day
(agents = potential sellers + buyers + households + officers), and the ratio to Mesa's
Epstein civil-violence example measured in the same process (benchmarks/epstein_reference.py).
Targets (issue 2): <= 1 s per default run on one core; >= 20x cheaper per agent-day than
Epstein. Writes benchmarks/results/model.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.epstein_reference import measure_epstein  # noqa: E402
from dmi_sim import load_params  # noqa: E402
from dmi_sim.api import simulate  # noqa: E402
from dmi_sim.model import DrugMarketModel  # noqa: E402

RESULT_FILE = Path(__file__).resolve().parent / "results" / "model.json"


def count_agents(scenario: str) -> int:
    """Mesa agents in a freshly built model of the scenario."""
    return len(DrugMarketModel(load_params(scenario), rng=0).agents)


def measure_model(scenario: str = "dmi", repeats: int = 5) -> dict:
    """Median wall time of ``simulate(scenario)`` over ``repeats`` seeds."""
    days = load_params(scenario)["run.days"]
    times = []
    for seed in range(repeats):
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scenario", default="dmi")
    args = ap.parse_args()
    model = measure_model(args.scenario, args.repeats)
    epstein = measure_epstein(repeats=args.repeats)
    ratio = epstein["us_per_agent_step"] / model["us_per_agent_day"]
    out = {"model": model, "epstein": epstein, "cheaper_than_epstein_x": ratio}
    print(f"{args.scenario}: {model['seconds_per_run']:.3f} s per run "
          f"({model['days']} days, {model['agents']} agents; runs "
          + ", ".join(f"{t:.2f}" for t in model["runs"]) + ")")
    print(f"  {model['us_per_agent_day']:.3f} µs per agent-day; Epstein "
          f"{epstein['us_per_agent_step']:.2f} µs per agent-step -> {ratio:.0f}x cheaper")
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULT_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=2))
    tmp.replace(RESULT_FILE)


if __name__ == "__main__":
    main()
