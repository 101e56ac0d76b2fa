"""Unit tests of the model's observation (``dmi_sim.model``); see tests/model_support.py."""

from __future__ import annotations

from model_support import make, run

from dmi_sim.model.observe import COLUMNS


def test_timeseries_has_the_contract_columns():
    contract = {
        "day",
        "active_sellers",
        "active_sellers_low",
        "active_sellers_high",
        "new_recruits",
        "transactions",
        "transactions_catchment",
        "arrests_sellers",
        "arrests_buyers",
        "incarcerated",
        "violent_incidents",
        "disorder",
        "residents_outdoors",
        "collective_efficacy",
        "trust_in_police",
        "reports",
        "officer_hours",
        "called_in",
        "banked_cases",
        "in_services",
        "relapsed",
    }
    m = run(make(), 3)
    ts = m.observer.frame()
    assert contract <= set(ts.columns)
    assert list(ts.columns) == list(COLUMNS) and ts.columns[0] == "day"
    assert ts["day"].tolist() == [0, 1, 2]


def test_model_uses_no_deprecated_mesa_api():
    """Building, stepping and looking at a model raises no FutureWarning or
    DeprecationWarning from Mesa or the model (pyproject also makes Mesa FutureWarnings errors
    for the whole test run)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for strategy in ("baseline", "crackdown", "dmi", "crackdown_then_dmi"):
            m = make(
                {
                    "policy.strategy": strategy,
                    "run.intervention_start": 2,
                    "dmi.investigation_days": 3,
                    "sequence.dmi_start": 4,
                }
            )
            run(m, 8)
            m.snapshot()
            list(m.agents)
            _ = m.space.cell(0, 0)
    bad = [
        w
        for w in caught
        if issubclass(w.category, FutureWarning | DeprecationWarning | PendingDeprecationWarning)
        and ("mesa" in w.filename or "dmi_sim" in w.filename)
    ]
    assert not bad, [f"{w.filename}:{w.lineno}: {w.message}" for w in bad]
