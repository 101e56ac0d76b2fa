"""Quick paired look at each scenario against the same-seed baseline (development aid).

Usage: python scripts/scenario_check.py [SCENARIO ...] [--seeds N] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import tomllib
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import dmi_sim

SERIES = (
    "active_sellers",
    "active_sellers_low",
    "violent_incidents",
    "reports",
    "reports_market",
    "transactions_catchment",
    "transactions_market",
    "residents_outdoors_market",
    "trust_in_police",
)


def one(args):
    scen, seed, overrides = args
    return dmi_sim.simulate(scen, seed=seed, overrides=overrides)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "scenarios",
        nargs="*",
        default=["crackdown", "hotspot", "dmi", "dmi_no_community", "dmi_low_fidelity"],
    )
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--set", nargs="*", default=[])
    args = ap.parse_args()
    ov = {k: tomllib.loads(f"v = {v}")["v"] for k, v in (s.split("=", 1) for s in args.set)}
    with ProcessPoolExecutor(2) as pool:
        base = list(pool.map(one, [("baseline", s, ov) for s in range(args.seeds)]))
        for scen in args.scenarios:
            runs = list(pool.map(one, [(scen, s, ov) for s in range(args.seeds)]))
            start = runs[0].params["run.intervention_start"]
            w0 = start + (runs[0].params["dmi.investigation_days"] if "dmi" in scen else 0)
            print(f"== {scen} (window from day {w0})")
            for col in SERIES:
                eff = [
                    r.timeseries[col].iloc[w0 : w0 + 365].mean()
                    / max(b.timeseries[col].iloc[w0 : w0 + 365].mean(), 1e-9)
                    - 1
                    for r, b in zip(runs, base, strict=True)
                ]
                print(f"  effect {col:28s} {np.mean(eff):+.3f} (sd {np.std(eff):.3f})")
            arr = [
                r.summary["arrests_total"] / max(b.summary["arrests_total"], 1)
                for r, b in zip(runs, base, strict=True)
            ]
            print(
                f"  arrests total {np.mean([r.summary['arrests_total'] for r in runs]):.0f}"
                f" (baseline {np.mean([b.summary['arrests_total'] for b in base]):.0f},"
                f" ratio {np.mean(arr):.2f})"
            )
            for key in (
                "closure_days",
                "days_to_closure",
                "reemerged",
                "replacement_ratio",
                "displacement_ratio",
                "catchment_change",
                "incarceration_person_days",
                "called_in_total",
                "relapsed_total",
                "cost_total",
            ):
                print(f"  {key:28s} {np.nanmean([float(r.summary[key]) for r in runs]):.2f}")
            ts = np.mean([r.timeseries["active_sellers"].to_numpy() for r in runs], axis=0)
            print(
                "  sellers every 30d from start:",
                " ".join(f"{v:.0f}" for v in ts[start - 30 :: 30][:26]),
            )


if __name__ == "__main__":
    main()
