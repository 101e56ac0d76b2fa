"""Print the calibration anchors for the default baseline (and optionally other scenarios).

Usage: python scripts/calibration_check.py [SCENARIO ...] [--seeds N] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import tomllib

import numpy as np

import dmi_sim


def anchors(res) -> dict[str, float]:
    ts = res.timeseries
    start = res.params["run.intervention_start"]
    pre = ts.iloc[max(start - 180, 0) : start]
    seller_days = pre["active_sellers"].sum()
    return {
        "active_sellers": pre["active_sellers"].mean(),
        "high_risk_share": pre["active_sellers_high"].sum() / max(seller_days, 1),
        "arrests_per_seller_year": pre["arrests_sellers"].sum() / max(seller_days, 1) * 365,
        "sales_per_seller_day": pre["transactions"].sum() / max(seller_days, 1),
        "violence_per_day": pre["violent_incidents"].mean(),
        "reports_per_day": pre["reports"].mean(),
        "drug_reports_per_day": pre["drug_reports"].mean(),
        "outdoors_all": pre["residents_outdoors"].mean(),
        "outdoors_market_zone": pre["residents_outdoors_market"].mean(),
        "trust": pre["trust_in_police"].mean(),
        "incarcerated": pre["incarcerated"].mean(),
        "recruits_per_year": pre["new_recruits"].sum() * 365 / len(pre),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenarios", nargs="*", default=["baseline"])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--set", nargs="*", default=[])
    args = ap.parse_args()
    overrides = {k: tomllib.loads(f"v = {v}")["v"] for k, v in (s.split("=", 1) for s in args.set)}
    for scen in args.scenarios:
        rows = [
            anchors(dmi_sim.simulate(scen, seed=s, overrides=overrides)) for s in range(args.seeds)
        ]
        print(f"== {scen}")
        for key in rows[0]:
            vals = np.array([r[key] for r in rows])
            print(f"  {key:26s} {vals.mean():9.4f}  (sd {vals.std():.4f})")


if __name__ == "__main__":
    main()
