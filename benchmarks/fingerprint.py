"""Same seed, same output: fingerprints of several scenarios' daily series.

Speed work (issue 13) must not change what a seed produces. This stores, for a few short
runs that reach every policy's phases, a SHA-256 of each run's whole time series (every
column, floats rounded to 12 significant digits so that a change in the last bit of a
reduction order does not count) and the totals a reader can compare by eye.

    python benchmarks/fingerprint.py --write    # store benchmarks/fingerprints.json
    python benchmarks/fingerprint.py --check    # exit 1 naming each run whose series changed

``tests/test_fingerprint.py`` runs the check. A change that must alter a draw order says so
in its own commit, shows the validation measures unchanged in distribution, and rewrites
the file once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

STORE = Path(__file__).resolve().parent / "fingerprints.json"
SEED = 7
DAYS = 300
#: scenario: overrides, short policy timings so every phase of each policy happens.
RUNS: dict[str, dict[str, int]] = {
    "baseline": {},
    "crackdown": {"run.intervention_start": 60, "crackdown.period_days": 60},
    "hotspot": {"run.intervention_start": 60},
    "dmi": {
        "run.intervention_start": 60,
        "dmi.investigation_days": 40,
        "dmi.maintenance_days": 120,
    },
    "crackdown_then_dmi": {
        "run.intervention_start": 40,
        "sequence.dmi_start": 120,
        "dmi.investigation_days": 30,
    },
}
TOTALS = (
    "active_sellers",
    "transactions",
    "arrests_sellers",
    "arrests_buyers",
    "incarcerated",
    "violent_incidents",
    "reports",
)


def series_digest(series: pd.DataFrame) -> str:
    """SHA-256 of the series: column names, then each column's values (floats to 12
    significant digits, as text, so the digest does not depend on the platform's bytes)."""
    h = hashlib.sha256()
    for name in series.columns:
        values = series[name].to_numpy()
        if values.dtype.kind == "f":
            values = np.array([f"{v:.12g}" for v in values])
        h.update(name.encode())
        h.update("\x1f".join(map(str, values)).encode())
    return h.hexdigest()


def fingerprints() -> dict[str, dict]:
    """Run every entry of RUNS once and fingerprint its series."""
    from dmi_sim import simulate

    out = {}
    for scenario, overrides in RUNS.items():
        ts = simulate(scenario, seed=SEED, days=DAYS, overrides=overrides).timeseries
        out[scenario] = {
            "overrides": overrides,
            "digest": series_digest(ts),
            "totals": {c: round(float(ts[c].sum()), 6) for c in TOTALS},
        }
    return out


def changed(stored: dict[str, dict], now: dict[str, dict]) -> list[str]:
    """One line per run whose fingerprint differs from the stored one."""
    lines = []
    for scenario in sorted(set(stored) | set(now)):
        old, new = stored.get(scenario), now.get(scenario)
        if old is None or new is None:
            lines.append(f"{scenario}: {'not stored' if old is None else 'no longer run'}")
        elif old != new:
            diff = {
                k: (old["totals"][k], new["totals"][k])
                for k in TOTALS
                if old["totals"].get(k) != new["totals"].get(k)
            }
            lines.append(f"{scenario}: series changed; totals (stored, now): {diff}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help=f"store the fingerprints in {STORE}")
    mode.add_argument("--check", action="store_true", help="compare with the stored ones")
    args = parser.parse_args(argv)
    now = {"seed": SEED, "days": DAYS, "runs": fingerprints()}
    if args.write:
        STORE.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n")
        print(f"{STORE}: {len(now['runs'])} fingerprints written")
        return 0
    stored = json.loads(STORE.read_text())
    lines = changed(stored["runs"], now["runs"])
    for line in lines:
        print(line, file=sys.stderr)
    print(f"{STORE}: {'current' if not lines else f'{len(lines)} changed'}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
