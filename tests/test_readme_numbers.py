"""``scripts/readme_numbers.py``: the README's numbers come from a comparison's data, and
``--check`` catches a README that says something else (a small synthetic comparison)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "readme_numbers.py"
sys.path.insert(0, str(SCRIPT.parent))
import readme_numbers  # noqa: E402


def _fake_compare(folder: Path) -> Path:
    rng = np.random.default_rng(1)
    rows = []
    for name, sellers, near in (
        ("baseline", 12.0, 0.68),
        ("crackdown", 9.0, 0.70),
        ("dmi", 4.0, 0.88),
    ):
        for rep in range(4):
            rows.append(
                {
                    "scenario": name,
                    "replication": rep,
                    "run_id": f"{name}-r{rep:03d}",
                    "post_active_sellers": sellers + rng.normal(0, 0.5),
                    "post_violent_incidents": 0.5 + rng.normal(0, 0.02),
                    "post_residents_outdoors_market": near + rng.normal(0, 0.01),
                    "arrests_sellers_total": 20 + rep,
                    "arrests_buyers_total": 5 + rep,
                    "incarceration_person_days": 900.0 + rep,
                    "cost_total": 1.5e6 + rep,
                }
            )
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "summary.csv", index=False)
    manifest = {
        "days": None,
        "intervention_start": 365,
        "parameters": {"baseline": {"run.days": 1095, "run.intervention_start": 365}},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# x\n\n{readme_numbers.BEGIN}\nstale: 23 sellers\n{readme_numbers.END}\n\nrest\n"
    )
    return _fake_compare(tmp_path / "cmp"), readme


def _run(*args: str) -> int:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT
    ).returncode


def test_check_fails_on_stale_numbers_and_passes_once_written(setup) -> None:
    folder, readme = setup
    common = ("--from", str(folder), "--readme", str(readme))
    assert _run("--check", *common) == 1
    assert _run("--write", *common) == 0
    assert _run("--check", *common) == 0
    text = readme.read_text()
    assert text.endswith("\n\nrest\n") and "stale" not in text
    # the numbers are the data's: the baseline's sellers and the DMI's near-market share
    summary = pd.read_csv(folder / "summary.csv")
    base = summary[summary["scenario"] == "baseline"]
    dmi = summary[summary["scenario"] == "dmi"]
    assert f"{base['post_active_sellers'].mean():.1f} active sellers" in text
    assert "**dmi**: active sellers " in text
    assert f"outdoors {100 * dmi['post_residents_outdoors_market'].mean():.0f} %" in text
    assert "days 365-729" in text and "days 365-1094" in text
    readme.write_text(text.replace("active sellers", "active dealers", 1))
    assert _run("--check", *common) == 1


def test_the_readme_has_the_block() -> None:
    readme_numbers.split((ROOT / "README.md").read_text(encoding="utf-8"))
