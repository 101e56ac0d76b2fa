"""Unit tests of a run's outputs: summary, maps, snapshot (see tests/model_support.py)."""

from __future__ import annotations

import numpy as np
import pytest
from model_support import SMALL, make, run

from dmi_sim.params import load_params

SUMMARY_KEYS = {
    "closure_days",
    "days_to_closure",
    "reemerged",
    "replacement_ratio",
    "displacement_ratio",
    "incarceration_person_days",
    "cost_total",
}
RECT = {"space.width": 20, "space.height": 24}  # not square: catches [x, y] / [y, x] mix-ups


def test_summary_has_contract_keys_and_is_computed_from_the_series():
    from dmi_sim import simulate
    from dmi_sim.model.observe import MAIN_SERIES, summarise

    res = simulate("crackdown", seed=3, days=120, overrides={**SMALL, "run.intervention_start": 60})
    summary = res.summary
    assert set(summary) >= SUMMARY_KEYS
    for col in MAIN_SERIES:
        assert f"pre_{col}" in summary and f"post_{col}" in summary
    again = summarise(
        res.timeseries, load_params("crackdown", {**SMALL, "run.intervention_start": 60})
    )
    assert again.keys() == summary.keys()
    for key, value in summary.items():
        if isinstance(value, float) and np.isnan(value):
            assert np.isnan(again[key]), key
        else:
            assert again[key] == value, key
    policy = res.timeseries.iloc[60:]
    assert (
        summary["arrests_total"] == policy["arrests_sellers"].sum() + policy["arrests_buyers"].sum()
    )
    assert summary["pre_active_sellers"] == pytest.approx(
        res.timeseries["active_sellers"].iloc[:60].mean()
    )
    assert summary["cost_total"] == pytest.approx(
        summary["cost_officers"] + summary["cost_incarceration"] + summary["cost_services"]
    )
    assert summary["cost_total"] > 0


@pytest.mark.parametrize("start", [0, 40])
def test_maps_have_every_field_before_and_after_indexed_y_x(start):
    from dmi_sim import simulate

    res = simulate(
        "baseline", seed=1, days=100, overrides={**RECT, "run.intervention_start": start}
    )
    for when in ("before", "after"):
        assert set(res.maps[when]) == {"dealing", "disorder", "residents_outdoors"}, when
        for name, arr in res.maps[when].items():
            assert arr.shape == (24, 20), (when, name)


def test_snapshot_contract():
    m = run(make({**RECT, "policy.strategy": "crackdown", "run.intervention_start": 0}), 3)
    snap = m.snapshot()
    assert snap["day"] == m.day == 3
    n_active = int(m.sellers.active.sum())
    assert n_active > 0
    for key in ("x", "y", "high_risk", "new_recruit"):
        assert len(snap["sellers"][key]) == n_active
    assert snap["sellers"]["high_risk"].dtype == bool
    for name in (
        "disorder",
        "dealing",
        "residents_outdoors",
        "reputation",
        "police",
        "guardianship",
        "violence",
    ):
        assert snap["fields"][name].shape == (24, 20), name  # indexed [y, x], like maps
    assert snap["market_mask"].shape == snap["catchment_mask"].shape == (24, 20)
    assert "sweep" in snap["events"]
    assert len(snap["officers"]["x"]) == len(m.police.officers)
    # A read-only copy: changing it leaves the model alone.
    snap["fields"]["disorder"][:] = 99.0
    assert m.space.field("disorder").max() < 99.0
