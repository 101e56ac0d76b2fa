"""Observation: the daily series and the run summary.

The observer reads the model's populations and tallies once a day, after every submodel
has run; it never changes the model. The summary is computed from the series alone, so it
can be recomputed from a stored time series.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np
import pandas as pd

from dmi_sim.model import kernels
from dmi_sim.model.agents.sellers import SellerState

COLUMNS = (
    "day",
    "active_sellers",
    "active_sellers_low",
    "active_sellers_high",
    "market_sellers",
    "new_recruits",
    "transactions",
    "transactions_market",
    "transactions_catchment",
    "buyer_visits",
    "arrests_sellers",
    "arrests_buyers",
    "incarcerated",
    "violent_incidents",
    "disorder",
    "disorder_market",
    "residents_outdoors",
    "residents_outdoors_market",
    "fear",
    "collective_efficacy",
    "trust_in_police",
    "reports",
    "drug_reports",
    "officer_hours",
    "officer_budget",
    "called_in",
    "banked_cases",
    "in_services",
    "relapsed",
    "deterred",
    "released",
    "moved_out",
    "entrants_with_record",
    "relapsed_6wk",
    "reports_market",
    "officer_hours_market",
    "custody_admissions",
    "custody_new_persons",
    "buyers_aware",
    "perceived_risk",
    "adaptation",
)

MAIN_SERIES = (
    "active_sellers",
    "market_sellers",
    "transactions",
    "transactions_market",
    "transactions_catchment",
    "arrests_sellers",
    "arrests_buyers",
    "incarcerated",
    "violent_incidents",
    "disorder",
    "residents_outdoors",
    "residents_outdoors_market",
    "collective_efficacy",
    "trust_in_police",
    "reports",
    "officer_hours",
)

DAILY_TALLIES = (
    "new_recruits",
    "arrests_sellers",
    "arrests_buyers",
    "released",
    "entrants_with_record",
    "custody_admissions",
    "custody_new_persons",
)
RUNNING_TALLIES = ("called_in", "relapsed", "relapsed_6wk")

#: Seller states whose perceived risk is frozen (no decision while held).
HELD = (SellerState.ARRESTED, SellerState.INCARCERATED)
_in_column_order = itemgetter(*COLUMNS)  # a row dict as a tuple in COLUMNS order


_sum = np.add.reduce  # what ndarray.sum and ndarray.mean call, without their Python wrappers


def _average(values: np.ndarray) -> float:
    """``values.mean()`` to the last bit: numpy's pairwise sum (in float64) over the count."""
    return float(_sum(values, axis=None, dtype=np.float64) / values.size)


class Observer:
    """Collects one row a day into columns."""

    def __init__(self, model) -> None:
        self.model = model
        self.rows: list[tuple] = []

    def record(self, violent_incidents: int, reports: int) -> None:
        """Append today's row, in COLUMNS order. The counts and means come from one
        compiled pass (``kernels.observe_day``); the reference, every column computed
        under its name, is ``record_stepwise``."""
        m = self.model
        s, res, space = m.sellers, m.residents, m.space
        counts, means, aware = kernels.observe_day(
            s.state,
            s.high_risk,
            s.x,
            s.y,
            s.banked_case,
            s.perceived_risk,
            float(s.salience),
            space.market,
            space.market_cells,
            space.catchment_cells,
            m.market.sales_per_cell,
            space.field("disorder"),
            m.police.field,
            res.outdoors,
            res.in_market_zone,
            res.fear,
            res.efficacy,
            res.trust,
            m.buyers.knows_market,
        )
        active, low, high, market_sellers, held, banked, services, deterred = counts.tolist()
        (
            transactions,
            transactions_market,
            transactions_catchment,
            disorder,
            disorder_market,
            outdoors,
            outdoors_market,
            fear,
            efficacy,
            trust,
            officer_hours_market,
            perceived_risk,
        ) = means.tolist()
        tally, police = m.tally, m.police
        self.rows.append(
            (  # in COLUMNS order (tests check it against the named columns of record_stepwise)
                m.day,
                active,
                low,
                high,
                market_sellers,
                tally["new_recruits"],
                transactions,
                transactions_market,
                transactions_catchment,
                int(m.buyers.n_visits),
                tally["arrests_sellers"],
                tally["arrests_buyers"],
                held,
                violent_incidents,
                disorder,
                disorder_market,
                outdoors,
                outdoors_market,
                fear,
                efficacy,
                trust,
                reports,
                res.drug_reports,
                police.hours_used(),
                police.budget(),
                tally["called_in"],
                banked,
                services,
                tally["relapsed"],
                deterred,
                tally["released"],
                res.moved_out,
                tally["entrants_with_record"],
                tally["relapsed_6wk"],
                res.reports_market,
                officer_hours_market,
                tally["custody_admissions"],
                tally["custody_new_persons"],
                aware,
                perceived_risk,
                m.sellers.adaptation,
            )
        )

    def record_stepwise(self, violent_incidents: int, reports: int) -> None:
        """``record`` as numpy reductions, one per column (the reference the kernel is
        checked against, tests/test_model_kernels.py)."""
        m = self.model
        s, res, space = m.sellers, m.residents, m.space
        active, low, high, market_sellers, held, banked, services, deterred = (
            int(c)
            for c in kernels.observe_sellers(
                s.state, s.high_risk, space.market, s.x, s.y, s.banked_case
            )
        )
        sales = m.market.sales_per_cell
        zone = res.in_market_zone
        market_res = _average(res.outdoors[zone]) if zone.any() else np.nan
        disorder = space.field("disorder")
        row = {
            "active_sellers": active,
            "active_sellers_low": low,
            "active_sellers_high": high,
            "market_sellers": market_sellers,
            "transactions": float(_sum(sales, axis=None)),
            "transactions_market": float(_sum(sales[space.market])),
            "transactions_catchment": float(_sum(sales[space.catchment])),
            "incarcerated": held,
            "disorder": _average(disorder),
            "disorder_market": _average(disorder[space.market]),
            "residents_outdoors": _average(res.outdoors) if res.n else np.nan,
            "residents_outdoors_market": float(market_res),
            "fear": _average(res.fear) if res.n else np.nan,
            "collective_efficacy": _average(res.efficacy) if res.n else np.nan,
            "trust_in_police": _average(res.trust) if res.n else np.nan,
            "banked_cases": banked,
            "in_services": services,
            "deterred": deterred,
            "officer_hours_market": float(_sum(m.police.field[space.market])),
            "buyers_aware": int(np.count_nonzero(m.buyers.knows_market)),
            "perceived_risk": _average(np.maximum(s.perceived_risk, s.salience)[free])
            if (free := ~np.isin(s.state, HELD)).any()
            else np.nan,
        }
        self.rows.append(self._row(row, violent_incidents, reports))

    def _row(self, observed: dict, violent_incidents: int, reports: int) -> tuple:
        """Today's row in COLUMNS order: the observed counts and means, and the model's
        tallies, reports and hours."""
        m = self.model
        res, tally = m.residents, m.tally
        row = observed | {
            "day": m.day,
            "new_recruits": tally["new_recruits"],
            "buyer_visits": int(m.buyers.n_visits),
            "arrests_sellers": tally["arrests_sellers"],
            "arrests_buyers": tally["arrests_buyers"],
            "violent_incidents": violent_incidents,
            "reports": reports,
            "drug_reports": res.drug_reports,
            "officer_hours": m.police.hours_used(),
            "officer_budget": m.police.budget(),
            "called_in": tally["called_in"],
            "relapsed": tally["relapsed"],
            "released": tally["released"],
            "moved_out": res.moved_out,
            "entrants_with_record": tally["entrants_with_record"],
            "relapsed_6wk": tally["relapsed_6wk"],
            "reports_market": res.reports_market,
            "custody_admissions": tally["custody_admissions"],
            "custody_new_persons": tally["custody_new_persons"],
            "adaptation": m.sellers.adaptation,
        }
        return _in_column_order(row)

    def frame(self) -> pd.DataFrame:
        """The time series so far, one row per day (built column by column: a third of
        the time of ``DataFrame.from_records``, the same frame)."""
        if not self.rows:
            return pd.DataFrame.from_records(self.rows, columns=COLUMNS)
        return pd.DataFrame(
            {
                name: np.array(column)
                for name, column in zip(COLUMNS, zip(*self.rows, strict=True), strict=True)
            }
        )


def _mean(ts: pd.DataFrame, col: str, lo: int, hi: int) -> float:
    window = ts[col].to_numpy()[max(lo, 0) : max(hi, 0)]
    return float(window.mean()) if window.size else float("nan")


def summarise(ts: pd.DataFrame, params) -> dict[str, float | int | bool]:
    """Run summary from the series: pre/post means, closure, replacement, displacement, cost.

    pre = the 180 days before the intervention start; post = the 365 days from the start
    (for the DMI that includes the investigation). Closure: market-area sellers below
    closure_threshold x their pre mean. Re-emergence: after closing, back above half the pre
    level for 14 consecutive days. Replacement ratio: new recruits after the start per
    seller removed (arrested or called in). Displacement ratio: change in catchment
    transactions per transaction lost in the market area (negative = diffusion of benefits).
    """
    start = params["run.intervention_start"]
    n = len(ts)
    pre, post = (start - 180, start), (start, start + 365)
    out: dict[str, float | int | bool] = {}
    for col in MAIN_SERIES:
        out[f"pre_{col}"] = _mean(ts, col, *pre)
        out[f"post_{col}"] = _mean(ts, col, *post)
    market = ts["market_sellers"].to_numpy()
    after = market[start:] if start < n else market[:0]
    base = out["pre_market_sellers"]
    closed = after < params["run.closure_threshold"] * base if base > 0 else after < 0
    out["closure_days"] = int(closed.sum())
    first = int(np.argmax(closed)) if closed.any() else -1
    out["days_to_closure"] = float(first) if first >= 0 else float("nan")
    reemerged = False
    if first >= 0:
        above = after[first:] >= 0.5 * base
        run = np.convolve(above.astype(int), np.ones(14, dtype=int), mode="valid")
        reemerged = bool((run >= 14).any())
    out["reemerged"] = reemerged
    policy = ts.iloc[start:] if start < n else ts.iloc[:0]
    called = ts["called_in"].to_numpy()
    called_before = called[start - 1] if 0 < start <= n else 0
    removals = policy["arrests_sellers"].sum() + (called[-1] - called_before if n else 0)
    entrants = policy["new_recruits"].sum()
    out["replacement_ratio"] = float(entrants / removals) if removals > 0 else float("nan")
    d_market = out["pre_transactions_market"] - out["post_transactions_market"]
    d_catch = out["post_transactions_catchment"] - out["pre_transactions_catchment"]
    out["displacement_ratio"] = float(d_catch / d_market) if d_market > 0 else float("nan")
    pre_zone = out["pre_transactions_market"] + out["pre_transactions_catchment"]
    out["catchment_change"] = (
        (out["post_transactions_catchment"] - out["pre_transactions_catchment"]) / pre_zone
        if pre_zone > 0
        else float("nan")
    )  # rise of catchment activity as a share of the whole market's pre-intervention activity
    person_days = float(policy["incarcerated"].sum())
    out["incarceration_person_days"] = person_days
    out["officer_hours_total"] = float(policy["officer_hours"].sum())
    out["arrests_total"] = int(policy["arrests_sellers"].sum() + policy["arrests_buyers"].sum())
    out["arrests_sellers_total"] = int(policy["arrests_sellers"].sum())
    out["violent_incidents_total"] = int(policy["violent_incidents"].sum())
    services_days = float(policy["in_services"].sum())  # person-days in services
    out["cost_officers"] = out["officer_hours_total"] * params["police.cost_per_hour"]
    out["cost_incarceration"] = person_days * params["justice.cost_per_day"]
    out["cost_services"] = services_days * params["services.cost_per_day"]
    out["cost_total"] = out["cost_officers"] + out["cost_incarceration"] + out["cost_services"]
    out["called_in_total"] = int(ts["called_in"].iloc[-1]) if n else 0
    out["relapsed_total"] = int(ts["relapsed"].iloc[-1]) if n else 0
    return out


def summary_keys() -> list[str]:
    """The keys ``summarise`` returns, read from a run of no days so they cannot drift from
    it (experiments check their outcomes against them before running)."""
    from dmi_sim.params import load_params

    return list(summarise(pd.DataFrame(columns=COLUMNS), load_params()))
