"""Same seed, same output: the stored fingerprints of several scenarios' series still hold
(benchmarks/fingerprint.py; the guard for speed work, issue 13)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fingerprint.py"
spec = importlib.util.spec_from_file_location("fingerprint", SCRIPT)
fingerprint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fingerprint)


def test_every_stored_run_reproduces_its_series() -> None:
    stored = json.loads(fingerprint.STORE.read_text())
    assert (stored["seed"], stored["days"]) == (fingerprint.SEED, fingerprint.DAYS)
    now = fingerprint.fingerprints()
    assert fingerprint.changed(stored["runs"], now) == []


def test_the_digest_sees_a_change_in_the_last_digits_that_count() -> None:
    series = pd.DataFrame({"day": [0, 1], "fear": [0.1234567890123, 0.2]})
    same = series.assign(fear=[0.1234567890123 + 1e-16, 0.2])  # below 12 digits: the same
    other = series.assign(fear=[0.123456789013, 0.2])  # the 12th digit: a change
    assert fingerprint.series_digest(series) == fingerprint.series_digest(same)
    assert fingerprint.series_digest(series) != fingerprint.series_digest(other)
    stored = {
        "dmi": {"overrides": {}, "digest": "a", "totals": dict.fromkeys(fingerprint.TOTALS, 1.0)}
    }
    now = {
        "dmi": {
            **stored["dmi"],
            "digest": "b",
            "totals": {**stored["dmi"]["totals"], "arrests_sellers": 2.0},
        }
    }
    [line] = fingerprint.changed(stored, now)
    assert line.startswith("dmi: series changed") and "arrests_sellers" in line
