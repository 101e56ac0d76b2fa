"""Reference speed: Mesa's own Epstein civil-violence example on a 40x40 grid.

It is the closest model Mesa ships to ours (citizens and cops on a grid, per-agent
radius-7 neighbourhood scans), so the DMI benchmark reports its cost as a ratio to this
one; the ratio is comparable across machines where raw milliseconds are not.

    python benchmarks/epstein_reference.py [--steps 50] [--repeats 5]

Prints a small table and writes benchmarks/results/epstein_reference.json.
Other benchmarks import ``measure_epstein``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULT_FILE = RESULTS_DIR / "epstein_reference.json"


def _build(width: int, height: int, seed: int):
    """One Epstein model with the example's defaults (Von Neumann grid, density 0.7/0.074)."""
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    return EpsteinCivilViolence(width=width, height=height, scenario=EpsteinScenario(rng=seed))


def measure_epstein(
    steps: int = 50, repeats: int = 5, width: int = 40, height: int = 40, seed: int = 42
) -> dict:
    """Time ``steps`` steps of the Epstein example, ``repeats`` times; return medians.

    Every repeat uses the same seed, so each does the same work and the spread is timing
    noise only. Model construction is not timed; ``model.step()`` is timed as shipped
    (agent activation plus the example's DataCollector), which is what a user pays.
    Agent-steps = number of agents (citizens + cops, jailed ones included) x steps.
    """
    if steps < 1 or repeats < 1:
        raise ValueError(f"steps and repeats must be >= 1, got steps={steps}, repeats={repeats}")
    import mesa

    # Warm-up: imports, first-call caches; not counted.
    warm = _build(width, height, seed)
    for _ in range(2):
        warm.step()

    run_seconds: list[float] = []
    n_agents = n_citizens = n_cops = 0
    for _ in range(repeats):
        model = _build(width, height, seed)
        n_agents = len(model.agents)
        n_cops = sum(1 for a in model.agents if type(a).__name__ == "Cop")
        n_citizens = n_agents - n_cops
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        run_seconds.append(time.perf_counter() - t0)

    median_s = statistics.median(run_seconds)
    return {
        "model": "mesa.examples.advanced.epstein_civil_violence (defaults)",
        "width": width,
        "height": height,
        "seed": seed,
        "steps": steps,
        "repeats": repeats,
        "n_agents": n_agents,
        "n_citizens": n_citizens,
        "n_cops": n_cops,
        "agent_steps": n_agents * steps,
        "median_run_s": median_s,
        "ms_per_step": 1e3 * median_s / steps,
        "us_per_agent_step": 1e6 * median_s / (n_agents * steps),
        "ms_per_step_runs": [1e3 * s / steps for s in run_seconds],
        "mesa_version": mesa.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def format_table(res: dict) -> str:
    """A few aligned lines for the terminal."""
    runs = ", ".join(f"{x:.1f}" for x in res["ms_per_step_runs"])
    rows = [
        ("model", f"Epstein civil violence, {res['width']}x{res['height']} grid"),
        ("agents", f"{res['n_agents']} ({res['n_citizens']} citizens, {res['n_cops']} cops)"),
        ("steps x repeats", f"{res['steps']} x {res['repeats']} (median reported)"),
        ("ms per step", f"{res['ms_per_step']:.2f}  (runs: {runs})"),
        ("us per agent-step", f"{res['us_per_agent_step']:.2f}"),
        ("mesa / python", f"{res['mesa_version']} / {res['python']}"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULT_FILE, help="JSON file to write")
    args = parser.parse_args(argv)

    res = measure_epstein(steps=args.steps, repeats=args.repeats)
    print(format_table(res))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
