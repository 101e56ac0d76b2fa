"""Measures: the number each validation target is judged on, from the stored daily series.

Each ``measure_*`` function takes the runs (``plan.Runs``) and returns a ``Measurement``:
the estimate, its 95 % interval, how many replications (or runs) it rests on, and further
numbers the report shows beside it. The helpers they are built from work on plain arrays,
so they can be checked on hand-made series where the answer is known.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dmi_sim.studies.kit.derived import (
    replacement_days,
    sweep_plan,
)
from dmi_sim.studies.kit.stats import (
    WINDOW_DAYS,
    paired_effects,
    ratio_interval,
    t_interval,
    wilson_interval,
)
from dmi_sim.studies.validation.plan import Runs

#: Days before the intervention start that describe the market at baseline.
PRE_DAYS = 180
#: Sweep recovery (B1a) is ``kit.derived.replacement_days``: back to REPLACEMENT_SHARE of
#: the PRE_SWEEP_DAYS before the sweep, timed as the sweep study's rebound is.
#: Recovery horizons reported beside the median (days after police withdraw).
RECOVERY_HORIZONS = (30, 60)
#: The call-in: low-risk sellers before it, in its fourth week, and six months on.
CALL_IN_PRE = (-28, 0)
CALL_IN_WEEK4 = (21, 29)
CALL_IN_MONTH6 = (150, 181)
RELAPSE_DAYS = 42
#: Community end state: share of market-zone households outdoors over the last days.
END_DAYS = 90
#: A state is a cluster of end states holding at least this share of the sweep's runs.
MIN_STATE_SHARE = 0.1
N_BOOT = 2000


@dataclass(frozen=True)
class Measurement:
    """An estimate with its 95 % interval; ``values`` are per-replication values if any."""

    value: float
    low: float
    high: float
    n: int
    values: tuple[float, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    note: str = ""


#: How a target is measured: the runs in, a Measurement out.
Measure = Callable[[Runs], Measurement]


def fmt(x: float, percent: bool = False) -> str:
    """A number for a reader: about three significant digits, or a percentage."""
    if not math.isfinite(x):
        return "∞" if x == math.inf else "-∞" if x == -math.inf else "n/a"
    if percent:
        digits = 1 if abs(x) < 0.1 else 0
        return f"{round(100 * x, digits) + 0.0:.{digits}f} %"  # + 0.0: no "-0.0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


# --- generic helpers -------------------------------------------------------------------


def window_mean(matrix: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Per row, the mean over days ``[lo, hi)`` cut to the days simulated; NaN if none."""
    part = matrix[:, max(lo, 0) : max(hi, 0)]
    if part.shape[1] == 0:
        return np.full(matrix.shape[0], np.nan)
    return part.mean(axis=1)


def window_sum(matrix: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Per row, the sum over days ``[lo, hi)`` cut to the days simulated."""
    return matrix[:, max(lo, 0) : max(hi, 0)].sum(axis=1)


def paired(*arrays: np.ndarray) -> list[np.ndarray]:
    """The first n replications of each arm, n the fewest: replication i of every arm runs
    on seed i, so these are same-seed pairs."""
    n = min(len(a) for a in arrays)
    return [a[:n] for a in arrays]


def mean_interval(values: np.ndarray, **details: str) -> Measurement:
    """The t-interval for the mean of per-replication values (non-finite ones left out)."""
    values = np.asarray(values, dtype=float)
    mean, low, high = t_interval(values)
    return Measurement(
        mean, low, high, int(np.isfinite(values).sum()), tuple(values.tolist()), details
    )


def ratio_measure(num: np.ndarray, den: np.ndarray, **details: str) -> Measurement:
    """Σnum/Σden over replications with a paired bootstrap interval (replications kept)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    if num.size == 0 or den.sum() <= 0:
        return Measurement(
            math.nan,
            math.nan,
            math.nan,
            int(num.size),
            details=details,
            note="nothing to divide by",
        )
    value, low, high = ratio_interval(num, den, n_boot=N_BOOT)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_rep = np.where(den > 0, num / den, np.nan)
    return Measurement(value, low, high, int(num.size), tuple(per_rep.tolist()), details)


def proportion_measure(hits: np.ndarray, **details: str) -> Measurement:
    """A share of runs with its Wilson score interval (exact enough at small n)."""
    hits = np.asarray(hits, dtype=bool)
    if hits.size == 0:
        return Measurement(math.nan, math.nan, math.nan, 0, details=details)
    low, high = wilson_interval(int(hits.sum()), hits.size)
    return Measurement(
        float(hits.mean()),
        low,
        high,
        int(hits.size),
        tuple(hits.astype(float).tolist()),
        details,
    )


def cluster_bootstrap(
    groups: Sequence[np.ndarray],
    statistic: Callable[[np.ndarray], float],
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> tuple[float, float]:
    """95 % percentile interval of ``statistic`` over all values, resampling whole groups
    (one group per replication: its values share a seed and are not independent)."""
    rng = np.random.default_rng(seed)
    draws = np.empty(n_boot)
    for b in range(n_boot):
        picked = rng.integers(0, len(groups), size=len(groups))
        draws[b] = statistic(np.concatenate([groups[i] for i in picked]))
    if np.isnan(draws).all():
        return math.nan, math.nan
    low, high = np.nanpercentile(draws, [2.5, 97.5])  # NaN draws: nothing to measure
    return float(low), float(high)


def parameter(value: float, **details: str) -> Measurement:
    """A parameter checked against the literature: exact, no interval to speak of."""
    return Measurement(
        float(value),
        float(value),
        float(value),
        0,
        details=details,
        note="a parameter: set from the source, not fitted",
    )


def call_in_day(runs: Runs, arm: str, level: float | None = None) -> int:
    """The DMI's call-in: the intervention start plus the investigation."""
    p = runs.params(arm, level)
    return int(p["run.intervention_start"] + p["dmi.investigation_days"])


def effect(runs: Runs, arm: str, outcome: str, start: int, level: float | None = None) -> pd.Series:
    """Paired relative effect of ``arm`` against the same-seed baseline over the 12 months
    from ``start`` (``effects.paired_effects``: mean per-replication change, t-interval)."""
    long = runs.long({"baseline": ("baseline", None), arm: (arm, level)}, [outcome])
    rows = paired_effects(long, {arm: start}, [outcome])
    return rows[rows["scenario"] == arm].iloc[0]


def effect_measure(runs: Runs, arm: str, outcome: str, start: int, **details: str) -> Measurement:
    """``effect`` as a Measurement."""
    row = effect(runs, arm, outcome, start)
    details = {
        "window": f"days {row['window_start']}-{row['window_end'] - 1}",
        "baseline mean": f"{fmt(row['counterfactual_mean'])} a day",
        "intervention mean": f"{fmt(row['scenario_mean'])} a day",
        **details,
    }
    return Measurement(
        float(row["rel_effect"]),
        float(row["rel_low"]),
        float(row["rel_high"]),
        int(row["rel_n"]),
        details=details,
    )


# --- calibration anchors ---------------------------------------------------------------


def pre_window(runs: Runs, column: str) -> np.ndarray:
    """Per baseline replication, the sum of ``column`` over the pre-intervention window."""
    start = runs.params("baseline")["run.intervention_start"]
    return window_sum(runs.matrix("baseline", column), start - PRE_DAYS, start)


def measure_sellers(runs: Runs) -> Measurement:
    start = runs.params("baseline")["run.intervention_start"]
    m = mean_interval(
        window_mean(runs.matrix("baseline", "active_sellers"), start - PRE_DAYS, start)
    )
    inside = 15 <= m.value <= 20
    m.details["default target 15-20"] = "within" if inside else "outside"
    return m


def measure_high_risk_share(runs: Runs) -> Measurement:
    return mean_interval(
        pre_window(runs, "active_sellers_high") / pre_window(runs, "active_sellers")
    )


def measure_arrest_rate(runs: Runs) -> Measurement:
    seller_days = pre_window(runs, "active_sellers")
    return mean_interval(pre_window(runs, "arrests_sellers") / seller_days * 365)


def sales_per_seller_day(runs: Runs) -> np.ndarray:
    return pre_window(runs, "transactions") / pre_window(runs, "active_sellers")


def measure_earnings_ratio(runs: Runs) -> Measurement:
    p = runs.params("baseline")
    sales = sales_per_seller_day(runs)
    hourly = (
        sales
        * p["sellers.price_per_sale"]
        * p["sellers.margin"]
        / p["sellers.dealing_hours_per_day"]
    )
    m = mean_interval(hourly / p["sellers.legal_wage_hourly"])
    m.details.update(
        {
            "dealing earnings": f"${fmt(float(np.mean(hourly)))} an hour",
            "legal wage": f"${fmt(p['sellers.legal_wage_hourly'])} an hour",
        }
    )
    return m


def measure_sentence(key: str) -> Measure:
    """A sentence-length parameter, in years."""

    def measure(runs: Runs) -> Measurement:
        days = runs.params("baseline")[key]
        return parameter(days / 365.25, **{key: f"{fmt(days)} days"})

    return measure


def measure_investigation(runs: Runs) -> Measurement:
    return parameter(runs.params("dmi")["dmi.investigation_days"])


def measure_relapse(runs: Runs) -> Measurement:
    called = runs.matrix("dmi", "called_in")
    if called.shape[1] <= call_in_day(runs, "dmi") + RELAPSE_DAYS:
        return Measurement(
            math.nan, math.nan, math.nan, 0, note="the run ends within six weeks of the call-in"
        )
    relapsed = runs.matrix("dmi", "relapsed_6wk")[:, -1]
    m = ratio_measure(relapsed, called[:, -1])
    m.details["called in"] = f"{fmt(float(called[:, -1].mean()))} per replication"
    return m


def measure_sales(runs: Runs) -> Measurement:
    p = runs.params("baseline")
    return mean_interval(
        sales_per_seller_day(runs),
        **{
            "price per sale (parameter)": f"${fmt(p['sellers.price_per_sale'])}",
            "non-local buyers (parameter)": fmt(p["buyers.nonlocal_share"], percent=True),
        },
    )


# --- 1. replacement after sweeps -------------------------------------------------------


@dataclass(frozen=True)
class SweepRecovery:
    """Per replication, per sweep: recovery time and the entrants meanwhile."""

    sweeps: list[tuple[int, int, int]]
    times: np.ndarray  # replications x sweeps, days (inf censored, NaN no market)
    entrants: np.ndarray  # replications: entrants from withdrawal to recovery
    with_record: np.ndarray  # replications: of them, with a criminal record


def sweep_recovery(runs: Runs, column: str = "market_sellers") -> SweepRecovery:
    """Recovery after every sweep of every crackdown replication (computed once)."""

    def compute() -> SweepRecovery:
        p = runs.params("crackdown")
        sellers = runs.matrix("crackdown", column)
        entered = runs.matrix("crackdown", "new_recruits") + np.diff(
            runs.matrix("crackdown", "relapsed"), axis=1, prepend=0
        )
        record = runs.matrix("crackdown", "entrants_with_record")
        plan = sweep_plan(
            p["run.intervention_start"],
            p["crackdown.period_days"],
            p["crackdown.duration_days"],
            sellers.shape[1],
        )
        times = np.array([[replacement_days(row, s) for s in plan] for row in sellers])
        times = times.reshape(len(sellers), len(plan))
        entrants, with_record = np.zeros(len(sellers)), np.zeros(len(sellers))
        for k, (_, withdrawal, gap_end) in enumerate(plan):
            for i, t in enumerate(times[:, k]):
                if math.isnan(t):
                    continue
                upto = gap_end if math.isinf(t) else withdrawal + int(t) + 1
                entrants[i] += entered[i, withdrawal:upto].sum()
                with_record[i] += record[i, withdrawal:upto].sum()
        return SweepRecovery(plan, times, entrants, with_record)

    return runs.memo(("sweep_recovery", column), compute)


def censored_median(values: np.ndarray) -> float:
    """Median of recovery times, censored ones counted as never (inf); NaN if none."""
    values = values[~np.isnan(values)]
    return float(np.median(values)) if values.size else math.nan


def measure_recovery(runs: Runs) -> Measurement:
    rec = sweep_recovery(runs)
    times = rec.times
    known = times[~np.isnan(times)]
    value = censored_median(known)
    low, high = cluster_bootstrap(list(times), censored_median)
    gaps = [gap_end - withdrawal for _, withdrawal, gap_end in rec.sweeps]
    details = {
        f"back within {h} days": fmt(float(np.mean(known <= h)), percent=True)
        for h in RECOVERY_HORIZONS
    }
    details[f"back before the next sweep ({min(gaps, default=0)} days)"] = fmt(
        float(np.mean(np.isfinite(known))), percent=True
    )
    details["sweeps measured"] = f"{known.size} ({len(rec.sweeps)} per replication)"
    details["median by sweep"] = ", ".join(
        f"#{k + 1}: {fmt(censored_median(times[:, k]))} d" for k in range(times.shape[1])
    )
    return Measurement(
        value,
        low,
        high,
        len(times),
        details=details,
        note="not-recovered sweeps count as never recovered (censored)",
    )


def measure_new_entrants(runs: Runs) -> Measurement:
    rec = sweep_recovery(runs)
    share_record = ratio_measure(rec.with_record, rec.entrants)
    return Measurement(
        1 - share_record.value,
        1 - share_record.high,
        1 - share_record.low,
        share_record.n,
        tuple(1 - v for v in share_record.values),
        {
            "entrants during recovery": f"{fmt(float(rec.entrants.mean()))} per replication",
            "of them with a record": f"{fmt(float(rec.with_record.mean()))} per replication",
        },
    )


# --- 2. abrupt collapse after the call-in ------------------------------------------------


def call_in_levels(runs: Runs, arm: str = "dmi") -> dict[str, np.ndarray]:
    """Per replication, low-risk sellers before the call-in, in week 4 and at 6 months."""
    low = runs.matrix(arm, "active_sellers_low")
    c = call_in_day(runs, arm)
    return {
        name: window_mean(low, c + lo, c + hi)
        for name, (lo, hi) in (
            ("pre", CALL_IN_PRE),
            ("week4", CALL_IN_WEEK4),
            ("month6", CALL_IN_MONTH6),
        )
    }


def measure_collapse(runs: Runs) -> Measurement:
    levels = call_in_levels(runs)
    with np.errstate(invalid="ignore", divide="ignore"):
        fall = 1 - levels["week4"] / levels["pre"]
    c = call_in_day(runs, "dmi")
    base = window_mean(
        runs.matrix("baseline", "active_sellers_low"), c + CALL_IN_WEEK4[0], c + CALL_IN_WEEK4[1]
    )
    details = {
        "before (days -28..-1)": f"{fmt(float(np.mean(levels['pre'])))} sellers",
        "week 4 (days +21..+28)": f"{fmt(float(np.mean(levels['week4'])))} sellers",
        "same-seed baseline, week 4": f"{fmt(float(np.mean(base)))} sellers",
    }
    return mean_interval(fall, **details)


def measure_step(runs: Runs) -> Measurement:
    levels = call_in_levels(runs)
    m = ratio_measure(levels["pre"] - levels["week4"], levels["pre"] - levels["month6"])
    m.details["6 months (days +150..+180)"] = f"{fmt(float(np.mean(levels['month6'])))} sellers"
    return m


# --- 3. moderate DMI effect, 7. failure at low fidelity -----------------------------------


def dmi_effect(arm: str, outcome: str, also: Sequence[str] = ()) -> Measure:
    """The paired effect of a DMI arm on ``outcome`` over the 12 months after its call-in;
    its effects on the ``also`` outcomes are reported beside it."""

    def measure(runs: Runs) -> Measurement:
        c = call_in_day(runs, arm)
        m = effect_measure(runs, arm, outcome, c)
        for other in also:
            row = effect(runs, arm, other, c)
            m.details[f"effect on {other}"] = (
                f"{fmt(row['rel_effect'], True)} "
                f"({fmt(row['rel_low'], True)} to "
                f"{fmt(row['rel_high'], True)})"
            )
        return m

    return measure


# --- 4. arrests ----------------------------------------------------------------------------


def policy_arrests(runs: Runs, arm: str, columns: Sequence[str]) -> np.ndarray:
    """Per replication, arrests summed over ``columns`` from the intervention start on."""
    start = runs.params(arm)["run.intervention_start"]
    return sum(runs.matrix(arm, c)[:, start:].sum(axis=1) for c in columns)


def arrests_ratio(columns: Sequence[str]) -> Measure:
    """Crackdown arrests per DMI arrest over the same policy period (same seeds); seller and
    buyer arrests of each are shown apart."""

    def measure(runs: Runs) -> Measurement:
        crack, dmi = paired(
            policy_arrests(runs, "crackdown", columns), policy_arrests(runs, "dmi", columns)
        )
        details = {}
        for arm in ("crackdown", "dmi"):
            sellers = policy_arrests(runs, arm, ("arrests_sellers",)).mean()
            buyers = policy_arrests(runs, arm, ("arrests_buyers",)).mean()
            details[arm if arm == "crackdown" else "DMI"] = (
                f"{fmt(float(sellers))} seller and {fmt(float(buyers))} buyer arrests per "
                "replication"
            )
        return ratio_measure(crack, dmi, **details)

    return measure


def policy_sum(runs: Runs, arm: str, column: str) -> np.ndarray:
    """Per replication, ``column`` summed from the intervention start to the end of the run."""
    start = runs.params(arm)["run.intervention_start"]
    return runs.matrix(arm, column)[:, start:].sum(axis=1)


def custody_difference(column: str, what: str) -> Measure:
    """Crackdown minus DMI of ``column`` summed over the policy period, paired on seeds."""

    def measure(runs: Runs) -> Measurement:
        crack, dmi = paired(policy_sum(runs, "crackdown", column), policy_sum(runs, "dmi", column))
        return mean_interval(
            crack - dmi,
            **{
                "crackdown": f"{fmt(float(crack.mean()))} {what} per replication",
                "DMI": f"{fmt(float(dmi.mean()))} {what} per replication",
            },
        )

    return measure


# --- 8. initial and residual deterrence ----------------------------------------------------

#: B8 windows, in days from the start of the sustained crackdown.
EARLY_DAYS, LATE_DAYS, AFTER_DAYS = (0, 28), (90, 180), 14


def suppression(runs: Runs, lo: int, hi: int) -> np.ndarray:
    """Per replication, 1 - active sellers under the sustained crackdown / the same-seed
    baseline's, over days [start + lo, start + hi)."""
    start = runs.params("long_crackdown")["run.intervention_start"]
    crack, base = paired(
        runs.matrix("long_crackdown", "active_sellers"), runs.matrix("baseline", "active_sellers")
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - window_mean(crack, start + lo, start + hi) / window_mean(
            base, start + lo, start + hi
        )


def measure_deterrence_decay(runs: Runs) -> Measurement:
    early, late = suppression(runs, *EARLY_DAYS), suppression(runs, *LATE_DAYS)
    return mean_interval(
        early - late,
        **{
            "suppression, days 1-28": fmt(float(np.nanmean(early)), percent=True),
            "suppression, days 91-180": fmt(float(np.nanmean(late)), percent=True),
        },
    )


def measure_residual_deterrence(runs: Runs) -> Measurement:
    held = int(runs.params("long_crackdown")["crackdown.duration_days"])
    return mean_interval(
        suppression(runs, held, held + AFTER_DAYS), **{"withdrawal": f"day {held} of the crackdown"}
    )


# --- 9. presence deters more than it arrests -------------------------------------------------

#: B9 describes doubled presence: the hot-spot arm must put about twice the baseline's
#: officer-hours into the market area, or the target is not measured.
DOSE_RANGE = (1.5, 2.5)


def presence_effect(outcome: str) -> Measure:
    """The hot-spot patrol's paired effect on ``outcome`` over its first 12 months, with the
    dose (market-area officer-hours against the baseline's) beside it."""

    def measure(runs: Runs) -> Measurement:
        start = int(runs.params("hotspot")["run.intervention_start"])
        hours = [
            window_mean(runs.matrix(arm, "officer_hours_market"), start, start + WINDOW_DAYS).mean()
            for arm in ("hotspot", "baseline")
        ]
        dose = hours[0] / hours[1] if hours[1] > 0 else math.nan
        m = effect_measure(
            runs,
            "hotspot",
            outcome,
            start,
            **{
                "market-area officer-hours a day": f"{fmt(hours[1])} at baseline, "
                f"{fmt(hours[0])} with hot-spot patrol"
            },
        )
        if not DOSE_RANGE[0] <= dose <= DOSE_RANGE[1]:
            return Measurement(
                math.nan,
                math.nan,
                math.nan,
                m.n,
                details=m.details,
                note=f"the hot-spot arm gives {fmt(dose)}x the baseline's "
                "officer-hours in the market area, not about 2x",
            )
        m.details["dose"] = f"{fmt(dose)}x the baseline's officer-hours"
        return m

    return measure


def measure_handled(runs: Runs) -> Measurement:
    c = call_in_day(runs, "dmi")
    if c >= runs.days("dmi"):
        return Measurement(math.nan, math.nan, math.nan, 0, note="no call-in within the run")
    called = runs.matrix("dmi", "called_in")[:, -1]
    taken = runs.matrix("dmi", "arrests_sellers")[:, c]
    return mean_interval(
        called + taken,
        **{
            "called in": f"{fmt(float(called.mean()))}",
            "arrested at the take-down": f"{fmt(float(np.mean(taken)))}",
        },
    )


# --- 5. displacement ---------------------------------------------------------------------


def displacement(arm: str) -> Measure:
    """Change of catchment-ring transactions against the same-seed baseline, as a share of
    the baseline's whole-zone (market + ring) transactions, over the 12 months from the
    call-in (DMI) or the intervention start."""

    def measure(runs: Runs) -> Measurement:
        p = runs.params(arm)
        w0 = (
            call_in_day(runs, arm) if p["policy.strategy"] == "dmi" else p["run.intervention_start"]
        )
        w1 = w0 + WINDOW_DAYS

        def mean(a: str, column: str) -> np.ndarray:
            return window_mean(runs.matrix(a, column), w0, w1)

        ring, base_ring, base_market = paired(
            mean(arm, "transactions_catchment"),
            mean("baseline", "transactions_catchment"),
            mean("baseline", "transactions_market"),
        )
        zone = base_ring + base_market
        return mean_interval(
            (ring - base_ring) / zone,
            **{
                "window": f"days {w0}-{min(w1, runs.days(arm)) - 1}",
                "ring, baseline": f"{fmt(float(base_ring.mean()))} sales a day",
                "ring, intervention": f"{fmt(float(ring.mean()))} sales a day",
                "ring against its own baseline (ratio of means)": fmt(
                    float(ring.sum() / base_ring.sum() - 1) if base_ring.sum() > 0 else math.nan,
                    percent=True,
                ),
                "market area, baseline": f"{fmt(float(base_market.mean()))} sales a day",
            },
        )

    return measure


# --- 6. two community states -------------------------------------------------------------


def two_means_split(x: np.ndarray) -> float:
    """The threshold between two 1-D clusters that minimises the within-cluster sum of
    squares (exact 2-means in one dimension): the midpoint of the best gap."""
    x = np.sort(np.asarray(x, dtype=float))
    if x.size < 2 or x[0] == x[-1]:
        return float(x[0]) if x.size else math.nan
    k = np.arange(1, x.size)  # size of the lower cluster
    lower = np.cumsum(x)[:-1]
    upper = x.sum() - lower
    # within SS = total SS - (lower^2 / k + upper^2 / (n - k)): maximise the second term
    gain = lower**2 / k + upper**2 / (x.size - k)
    best = int(np.argmax(gain))
    return float((x[best] + x[best + 1]) / 2)


def end_state(runs: Runs, arm: str, level: float | None = None) -> np.ndarray:
    """Per run, the share of market-zone households outdoors over the last 90 days."""
    outdoors = runs.matrix(arm, "residents_outdoors_market", level)
    return window_mean(outdoors, outdoors.shape[1] - END_DAYS, outdoors.shape[1])


@dataclass(frozen=True)
class CommunityStates:
    """The baseline sweep of starting fear: end states, the split, the clusters."""

    levels: np.ndarray  # starting fear of each run
    ends: np.ndarray  # end state of each run
    replication: np.ndarray
    threshold: float  # above: reclaimed; below: abandoned

    def reclaimed(self, ends: np.ndarray) -> np.ndarray:
        return ends > self.threshold


def community_states(runs: Runs) -> CommunityStates:
    def compute() -> CommunityStates:
        levels, ends, reps = [], [], []
        for level in runs.levels("community"):
            e = end_state(runs, "community", level)
            levels += [level] * e.size
            ends += e.tolist()
            reps += list(range(e.size))
        ends_arr = np.array(ends)
        return CommunityStates(
            np.array(levels), ends_arr, np.array(reps), two_means_split(ends_arr)
        )

    return runs.memo("community_states", compute)


def between_states(ends: np.ndarray) -> float:
    """Share of end states in the middle third between the two 2-means cluster means.

    Two stable states leave that stretch empty (only runs still in transit land there); a
    single state split in two does not (about 21 % of a normal sample, 17 % of a uniform
    one). NaN when either cluster holds fewer than MIN_STATE_SHARE of the runs: then there
    are no two states to be between.
    """
    cut = two_means_split(ends)
    high, low = ends[ends > cut], ends[ends <= cut]
    if min(high.size, low.size) < MIN_STATE_SHARE * ends.size:
        return math.nan
    third = (high.mean() - low.mean()) / 3
    return float(np.mean((ends > low.mean() + third) & (ends < high.mean() - third)))


def measure_two_states(runs: Runs) -> Measurement:
    cs = community_states(runs)
    groups = [cs.ends[cs.replication == r] for r in np.unique(cs.replication)]
    value = between_states(cs.ends)
    low, high = cluster_bootstrap(groups, between_states)
    reclaimed = cs.reclaimed(cs.ends)
    by_level = ", ".join(
        f"{fmt(lv)}: {fmt(float(reclaimed[cs.levels == lv].mean()), True)}"
        for lv in np.unique(cs.levels)
    )
    return Measurement(
        value,
        low,
        high,
        len(groups),
        details={
            "split between states": f"{fmt(cs.threshold)} of households outdoors",
            "abandoned state (mean)": fmt(float(np.mean(cs.ends[~reclaimed]))),
            "reclaimed state (mean)": fmt(float(np.mean(cs.ends[reclaimed]))),
            "runs ending reclaimed": f"{int(reclaimed.sum())} of {reclaimed.size}",
            "share reclaimed by starting fear": by_level,
        },
        note=""
        if math.isfinite(value)
        else f"one state only: fewer than "
        f"{MIN_STATE_SHARE:.0%} of the runs end on one side of the split",
    )


def share_in_state(arm: str, reclaimed: bool) -> Measure:
    """Share of an arm's runs that end in the given state (split from the sweep)."""

    def measure(runs: Runs) -> Measurement:
        cs = community_states(runs)
        ends = end_state(runs, arm)
        hits = cs.reclaimed(ends) == reclaimed
        start = runs.params(arm)["residents.initial_fear_market"]
        return proportion_measure(
            hits,
            **{
                "starting fear in the market zone": fmt(start),
                "end state, mean": f"{fmt(float(ends.mean()))} of households outdoors",
                "split between states (from B6a)": fmt(cs.threshold),
            },
        )

    return measure
