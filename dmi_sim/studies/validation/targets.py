"""The validation targets: every calibration anchor and behaviour of docs/EVIDENCE.md, as data.

One row per target: what the evidence says, the band the measured value must land in,
the source with its tag ([V] verified, [P] press or practitioner, [M] unverified), the runs
it needs (``plan`` arms), how it is measured (``measures``), and the figure that shows it.

The verdict (``judge``): PASS when the estimate lies in the band *and* its 95 % interval is
narrower than the band (docs/EVIDENCE.md asks for enough replications for that); INCONCLUSIVE
when the estimate lies in the band but its interval is too wide to tell (or, where a target
asks for it, not wholly inside): more replications are needed, nothing is shown wrong; FAIL
when the estimate lies outside the band or could not be measured.
Whether the whole interval lies inside the band is reported beside it. Targets for which
docs/EVIDENCE.md gives no figure to test against are ``info``: measured, never passed or failed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dmi_sim.studies.validation import measures as m

INF = math.inf
#: The verdict of an estimate in its band whose interval is too wide to tell.
INCONCLUSIVE = "INCONCLUSIVE"
SOURCE = {
    "high_point": "High Point call-ins: 9, 12, ~20, 27 invited [P]",
    "risk": "West End ≈ 4 of 16 prosecuted [M]; later call-in 6 of 27 [P]",
    "levitt": "Levitt & Venkatesh 2000: 5.9 arrests in 4 years [V]",
    "reuter": "Reuter, MacCoun & Murphy 1990: ≈ $30/h dealing vs ≈ $7/h legal [V]",
    "bjs": "BJS 2004 [V]",
    "west_end": "West End accounts [P]",
    "brooks": "Daniel Brooks call-in: 1 of 9 [P]",
    "unverified": "no verified figure [M]",
    "replacement": "Kennedy & Wong 2009 [V]; Washington DC 57th Place [P]",
    "overnight": "High Point West End 'disappeared overnight' [P]",
    "moderate": "Corsaro et al. 2012 [V]; Saunders et al. 2015 [V]",
    "arrests": "Operation Pressure Point [V]; DMI ≈ 10-30 handled [P]",
    "handled": "DMI closes a market with ≈ 10-30 individuals handled [P]",
    "displacement": "Weisburd et al. 2006; Braga et al. 2019; Saunders et al. 2015 [V]",
    "states": "Skogan 1990; Markowitz et al. 2001; Steenbeek & Hipp 2011 [V]",
    "failure": "Corsaro, Brunson & Gau 2013 (Peoria) [V]; Saunders, Robbins & Ober 2017 [V]",
    "sherman": "Sherman 1990: initial deterrence decayed in most long crackdowns, residual "
    "deterrence followed many short ones [V]",
    "minneapolis": "Sherman & Weisburd 1995, Minneapolis hot-spots experiment [V]",
    "custody": "Seed documents; Washington DC 57th Place: 150 dealers in 5 months [P]; High "
    "Point West End: ≈ 16 identified, a handful prosecuted [P]",
}


@dataclass(frozen=True)
class Target:
    """One validation target."""

    id: str
    name: str
    evidence: str  # what docs/EVIDENCE.md says, in a line
    band: tuple[float, float]
    unit: str
    source: str
    arms: tuple[str, ...]
    measure: m.Measure
    method: str  # how the number is measured, for the report
    figure: str | None = None
    percent: bool = False  # shown as a percentage
    info: bool = False  # no figure in the evidence to pass or fail against
    require_inside: bool = False  # the evidence asks for the whole interval inside the band

    def show(self, x: float) -> str:
        return m.fmt(x, self.percent)

    def band_text(self) -> str:
        low, high = self.band
        if self.info:
            return "none (info)"
        if high == INF:
            return f"≥ {self.show(low)}"
        return f"{self.show(low)} to {self.show(high)}"


@dataclass(frozen=True)
class Verdict:
    """PASS, INCONCLUSIVE, FAIL or info, with the reason in words."""

    status: str
    reason: str
    interval_inside: bool


def judge(target: Target, result: m.Measurement) -> Verdict:
    """The pass/fail rule of the module docstring. A one-sided band (≥ x) sets no width."""
    low, high = target.band
    inside = low <= result.low and result.high <= high
    if target.info:
        return Verdict("info", "no figure in the evidence to test against", inside)
    if math.isnan(result.value):
        return Verdict("FAIL", f"not measured ({result.note or 'no value'})", False)
    if not low <= result.value <= high:
        return Verdict("FAIL", "estimate outside the band", inside)
    if target.require_inside and not inside:
        return Verdict(
            INCONCLUSIVE,
            "estimate in the band, but its 95 % interval is not "
            "wholly inside it (this target asks for that): more replications "
            "needed",
            inside,
        )
    if not narrower_than_band(target, result):
        return Verdict(
            INCONCLUSIVE,
            "estimate in the band, but its 95 % interval is not "
            "narrower than the band: more replications needed",
            inside,
        )
    return Verdict("PASS", "estimate in the band, interval narrower than the band", inside)


def narrower_than_band(target: Target, result: m.Measurement) -> bool:
    """Whether the 95 % interval is narrower than the band; a one-sided band (≥ x) sets no
    width, and a NaN width (too few replications) is never narrower."""
    low, high = target.band
    width = result.high - result.low
    return not math.isnan(width) and (math.isinf(high - low) or width < high - low)


@dataclass(frozen=True)
class Checked:
    """A target with its measurement and verdict: what the report and figures read."""

    target: Target
    result: m.Measurement
    verdict: Verdict

    @property
    def needs_replications(self) -> bool:
        """A graded target whose interval is not yet narrow enough for its verdict: wider
        than its band, or in the band but not wholly inside where the target asks for
        that (``validate --precision`` adds replications until no target needs more)."""
        if self.verdict.status == "info":
            return False
        return self.verdict.status == INCONCLUSIVE or not narrower_than_band(
            self.target, self.result
        )


SWEEP = ("baseline", "crackdown")
DMI = ("baseline", "dmi")
STATES = ("community",)

TARGETS: tuple[Target, ...] = (
    # --- calibration anchors (baseline, the 180 days before the intervention start) ---
    Target(
        "A1",
        "Sellers in one overt market",
        "10-30 active sellers (default ≈ 15-20)",
        (10, 30),
        "sellers",
        SOURCE["high_point"],
        ("baseline",),
        m.measure_sellers,
        "mean active sellers over the 180 days before the intervention start, per "
        "baseline replication; t-interval over replications",
        "anchors",
    ),
    Target(
        "A2",
        "High-risk share of active sellers",
        "20-35 % of sellers are high-risk",
        (0.20, 0.35),
        "share",
        SOURCE["risk"],
        ("baseline",),
        m.measure_high_risk_share,
        "high-risk seller-days / all seller-days in the pre-intervention window, per "
        "replication; t-interval",
        "anchors",
        percent=True,
    ),
    Target(
        "A3",
        "Arrests per active seller per year",
        "≈ 1-2 at baseline policing",
        (1, 2),
        "arrests per seller-year",
        SOURCE["levitt"],
        ("baseline",),
        m.measure_arrest_rate,
        "seller arrests / seller-days x 365 in the pre-intervention "
        "window, per replication; t-interval",
        "anchors",
    ),
    Target(
        "A4",
        "Dealing pays vs the legal wage",
        "dealing pays ≈ 2-4x the legal hourly wage",
        (2, 4),
        "x legal hourly wage",
        SOURCE["reuter"],
        ("baseline",),
        m.measure_earnings_ratio,
        "(sales per seller-day x sellers.price_per_sale x "
        "sellers.margin / sellers.dealing_hours_per_day) / sellers.legal_wage_hourly, sales "
        "from the pre-intervention window; t-interval",
        "anchors",
    ),
    Target(
        "A5a",
        "State drug-felony sentence",
        "mean ≈ 2.6 years",
        (2.55, 2.65),
        "years",
        SOURCE["bjs"],
        ("baseline",),
        m.measure_sentence("justice.sentence_days"),
        "the parameter justice.sentence_days, in years; band: the cited figure to its rounding",
    ),
    Target(
        "A5b",
        "Coordinated (federal) sentence",
        "≈ 7 years",
        (6.5, 7.5),
        "years",
        SOURCE["bjs"],
        ("baseline",),
        m.measure_sentence("justice.coordinated_sentence_days"),
        "the parameter justice.coordinated_sentence_days, in years; band: the cited figure "
        "to its rounding",
    ),
    Target(
        "A6",
        "DMI investigation phase",
        "≈ 3 months of undercover buys",
        (80, 100),
        "days",
        SOURCE["west_end"],
        ("dmi",),
        m.measure_investigation,
        "the parameter dmi.investigation_days",
    ),
    Target(
        "A7",
        "Called-in sellers dealing again within 6 weeks",
        "≈ 10-20 %",
        (0.10, 0.20),
        "share of called-in sellers",
        SOURCE["brooks"],
        ("dmi",),
        m.measure_relapse,
        "called-in sellers who dealt again within 42 days of their call-in "
        "(relapsed_6wk) / sellers called in, pooled over replications (ratio estimator, "
        "bootstrap over replications)",
        "relapse",
        percent=True,
    ),
    Target(
        "A8",
        "Sales per seller per day",
        "≈ 20 a day, ≈ $10 a sale, ≈ 50 % non-local buyers",
        (-INF, INF),
        "sales per seller-day",
        SOURCE["unverified"],
        ("baseline",),
        m.measure_sales,
        "transactions / seller-days in the pre-intervention window, per "
        "replication; price and non-local share are parameters",
        "anchors",
        info=True,
    ),
    # --- 1. replacement after sweeps ---
    Target(
        "B1a",
        "Replacement after sweeps: recovery time",
        "sellers back to ≥ 50 % of their pre-sweep level within 1-3 months of police withdrawing",
        (0, 90),
        "days after withdrawal",
        SOURCE["replacement"],
        SWEEP,
        m.measure_recovery,
        "per sweep and crackdown replication: days from the end of the sweep until the "
        "7-day trailing mean of market-area sellers is back to 50 % of its mean over the 14 "
        "days before the sweep (not back before the next sweep: censored, counted as "
        "never); median over all sweeps, bootstrap over replications",
        "sweeps",
    ),
    Target(
        "B1b",
        "Replacement after sweeps: new entrants",
        "most of the recovery is new entrants, not returning arrestees",
        (0.5, 1.0),
        "share of entrants",
        SOURCE["replacement"],
        SWEEP,
        m.measure_new_entrants,
        "entrants (new_recruits + relapses) from each withdrawal to the recovery day who "
        "have no criminal record: 1 - Σ entrants_with_record / Σ entrants, pooled; "
        "bootstrap over replications",
        "sweeps",
        percent=True,
    ),
    # --- 2. abrupt collapse ---
    Target(
        "B2a",
        "DMI collapse: fall of low-risk sellers",
        "active low-risk sellers fall by > 50 % within 1-4 weeks of the call-in",
        (0.5, 1.0),
        "fall",
        SOURCE["overnight"],
        DMI,
        m.measure_collapse,
        "1 - (low-risk sellers, days +21..+28 after the call-in) / (days -28..-1), per "
        "DMI replication; t-interval",
        "call_in",
        percent=True,
    ),
    Target(
        "B2b",
        "DMI collapse: a step, not a slow decline",
        "the fall is a step, not a slow decline",
        (0.5, INF),
        "share of the 6-month fall",
        SOURCE["overnight"],
        DMI,
        m.measure_step,
        "fall by week 4 (days +21..+28) / fall by month 6 (days "
        "+150..+180), both from days -28..-1; ratio estimator, bootstrap over "
        "replications. ≥ 50 %: most of the fall in the first 4 weeks",
        "call_in",
        percent=True,
    ),
    # --- 3. moderate effect ---
    Target(
        "B3a",
        "DMI effect on violence",
        "violent incidents -15 % to -35 % over the 12 months after the call-in",
        (-0.35, -0.15),
        "relative change",
        SOURCE["moderate"],
        DMI,
        m.dmi_effect("dmi", "violent_incidents"),
        "mean per-replication change of violent_incidents against the same-seed baseline, "
        "12 months from the call-in (effects.paired_effects); t-interval",
        "effects",
        percent=True,
    ),
    Target(
        "B3b",
        "DMI effect on calls for service (target area)",
        "calls for service -15 % to -20 %",
        (-0.20, -0.15),
        "relative change",
        SOURCE["moderate"],
        DMI,
        m.dmi_effect("dmi", "reports_market"),
        "as B3a, for reports_market: calls from households in the market zone (market area "
        "+ catchment ring), the area the DMI evaluations measured",
        "effects",
        percent=True,
    ),
    Target(
        "B3c",
        "DMI effect on calls, whole neighbourhood",
        "(the evaluations measured the target area)",
        (-INF, INF),
        "relative change",
        SOURCE["moderate"],
        DMI,
        m.dmi_effect("dmi", "reports"),
        "as B3a, for reports (every call in the grid)",
        "effects",
        percent=True,
        info=True,
    ),
    # --- 4. arrests ---
    Target(
        "B4a",
        "Arrests: crackdown vs DMI",
        "crackdown arrests exceed DMI arrests by one to two orders of magnitude",
        (10, 100),
        "crackdown / DMI arrests",
        SOURCE["arrests"],
        ("crackdown", "dmi"),
        m.arrests_ratio(("arrests_sellers", "arrests_buyers")),
        "Σ arrests (sellers + buyers) from the intervention start to the end of the run, "
        "crackdown / DMI on the same seeds; ratio estimator, bootstrap",
        "arrests",
    ),
    Target(
        "B4c",
        "Persons handled by the DMI",
        "≈ 10-30 individuals handled",
        (10, 30),
        "persons",
        SOURCE["handled"],
        ("dmi",),
        m.measure_handled,
        "sellers called in + sellers arrested on the call-in day (the take-down), per "
        "replication; t-interval",
        "arrests",
    ),
    # --- 5. displacement ---
    Target(
        "B5a",
        "Displacement after the DMI",
        "catchment activity rises by ≤ ≈ 5 %; a fall is common",
        (-1.0, 0.05),
        "share of zone transactions",
        SOURCE["displacement"],
        DMI,
        m.displacement("dmi"),
        "(ring transactions under the DMI - same-seed baseline) / baseline market + ring "
        "transactions, 12 months from the call-in, per replication; t-interval",
        "displacement",
        percent=True,
    ),
    Target(
        "B5b",
        "Displacement after crackdowns",
        "catchment activity rises by ≤ ≈ 5 %",
        (-1.0, 0.05),
        "share of zone transactions",
        SOURCE["displacement"],
        SWEEP,
        m.displacement("crackdown"),
        "as B5a, 12 months from the intervention start",
        "displacement",
        percent=True,
    ),
    Target(
        "B5c",
        "Displacement after hot-spot patrol",
        "(not in the evidence's list)",
        (-INF, INF),
        "share of zone transactions",
        SOURCE["displacement"],
        ("baseline", "hotspot"),
        m.displacement("hotspot"),
        "as B5b",
        "displacement",
        percent=True,
        info=True,
    ),
    # --- 6. two community states ---
    Target(
        "B6a",
        "Two community states",
        "the same parameters give an abandoned and a "
        "reclaimed neighbourhood depending on the starting point",
        (0.0, 0.1),
        "share of runs between the states",
        SOURCE["states"],
        STATES,
        m.measure_two_states,
        "baseline runs from 9 starting fears of market-zone households (0-1); end state = "
        "share of market-zone households outdoors over the last 90 days; the end states "
        "split into two clusters (exact 1-D 2-means); measured: the share of end states in "
        "the middle third between the cluster means (not measured if either cluster holds "
        "< 10 % of the runs); bootstrap over seeds. Two states leave it empty; one state "
        "split in two puts about a fifth of its runs there; ≤ 10 % allows for runs still "
        "in transit",
        "community",
        percent=True,
    ),
    Target(
        "B6b",
        "Reclaimed start stays reclaimed",
        "(hysteresis: the starting point decides)",
        (0.8, 1.0),
        "share of runs",
        SOURCE["states"],
        (*STATES, "reclaimed_start"),
        m.share_in_state("reclaimed_start", reclaimed=True),
        "baseline runs from starting fear 0 that end above the B6a split; Wilson interval",
        "community",
        percent=True,
    ),
    Target(
        "B6c",
        "Abandoned start stays abandoned",
        "(hysteresis: the starting point decides)",
        (0.8, 1.0),
        "share of runs",
        SOURCE["states"],
        (*STATES, "abandoned_start"),
        m.share_in_state("abandoned_start", reclaimed=False),
        "baseline runs from starting fear 1 that end below the B6a split; Wilson interval",
        "community",
        percent=True,
    ),
    Target(
        "B6d",
        "The DMI reclaims an abandoned neighbourhood",
        "the DMI with community participation can move the neighbourhood to the reclaimed state",
        (0.5, 1.0),
        "share of runs",
        SOURCE["states"],
        (*STATES, "abandoned_dmi"),
        m.share_in_state("abandoned_dmi", reclaimed=True),
        'DMI runs from starting fear 1 that end above the B6a split ("can move": at least '
        "half of the runs); Wilson interval",
        "community",
        percent=True,
    ),
    Target(
        "B6e",
        "A crackdown does not",
        "a crackdown alone does not move it",
        (0.0, 0.2),
        "share of runs",
        SOURCE["states"],
        (*STATES, "abandoned_crackdown"),
        m.share_in_state("abandoned_crackdown", reclaimed=True),
        'crackdown runs from starting fear 1 that end above the B6a split ("does not": '
        "at most one run in five); Wilson interval",
        "community",
        percent=True,
    ),
    # --- 7. failure at low fidelity ---
    Target(
        "B7",
        "The DMI fails at low fidelity",
        "with low fidelity the effect falls to about zero (RAND: 4 % overall; Peoria: none)",
        (-0.10, 0.10),
        "relative change",
        SOURCE["failure"],
        ("baseline", "dmi_low_fidelity", "fidelity"),
        m.dmi_effect("dmi_low_fidelity", "violent_incidents", also=("active_sellers",)),
        "as B3a, for the dmi_low_fidelity scenario",
        "fidelity",
        percent=True,
    ),
    # --- 8. initial deterrence decays, residual deterrence lingers ---
    Target(
        "B8a",
        "Initial deterrence decays",
        "in a crackdown held 180 days, suppression of "
        "active sellers in days 91-180 is ≥ 10 points smaller than in days 1-28",
        (0.10, INF),
        "points of suppression",
        SOURCE["sherman"],
        ("baseline", "long_crackdown"),
        m.measure_deterrence_decay,
        "suppression = 1 - active sellers under one crackdown held 180 days from the "
        "intervention start / same-seed baseline; per replication, suppression in days "
        "1-28 minus days 91-180; t-interval",
        "deterrence",
        percent=True,
    ),
    Target(
        "B8b",
        "Residual deterrence",
        "suppression in the 14 days after withdrawal ≥ 10 %",
        (0.10, 1.0),
        "suppression",
        SOURCE["sherman"],
        ("baseline", "long_crackdown"),
        m.measure_residual_deterrence,
        "as B8a, over the 14 days after the police withdraw; t-interval",
        "deterrence",
        percent=True,
    ),
    # --- 9. presence deters more than it arrests ---
    Target(
        "B9a",
        "Hot-spot patrol: calls for service",
        "twice the patrol presence cut crime calls -6 % to -13 %; band -5 % to -20 %",
        (-0.20, -0.05),
        "relative change",
        SOURCE["minneapolis"],
        ("baseline", "hotspot"),
        m.presence_effect("reports_market"),
        "paired effect of the hotspot scenario on reports_market (calls from the market "
        "zone) over its first 12 months; the arm must put 1.5-2.5x the baseline's "
        "officer-hours into the market area (Minneapolis doubled presence); t-interval",
        "effects",
        percent=True,
    ),
    Target(
        "B9b",
        "Hot-spot patrol: disorder",
        "observed disorder roughly halved; band -30 % to -70 %",
        (-0.70, -0.30),
        "relative change",
        SOURCE["minneapolis"],
        ("baseline", "hotspot"),
        m.presence_effect("disorder_market"),
        "as B9a, for disorder in the market area",
        "effects",
        percent=True,
    ),
    Target(
        "B9c",
        "Hot-spot patrol: street dealing stays",
        "active sellers in the market area fall by less than 80 %",
        (-0.80, INF),
        "relative change",
        SOURCE["minneapolis"],
        ("baseline", "hotspot"),
        m.presence_effect("market_sellers"),
        "as B9a, for sellers in the market area",
        "effects",
        percent=True,
    ),
    # --- 10. crackdowns fill prisons, the DMI does not ---
    Target(
        "B10a",
        "Seller arrests: crackdown vs DMI",
        "over the two policy years crackdown cycles arrest ≥ 3x as many sellers as the DMI",
        (3, INF),
        "crackdown / DMI seller arrests",
        SOURCE["custody"],
        ("crackdown", "dmi"),
        m.arrests_ratio(("arrests_sellers",)),
        "Σ seller arrests from the intervention start to the end of the run, crackdown / "
        "DMI on the same seeds; ratio estimator, bootstrap",
        "arrests",
    ),
    Target(
        "B10b",
        "Distinct people sent to prison",
        "crackdowns admit more distinct people "
        "to custody (paired difference, 95 % interval above zero)",
        (0, INF),
        "persons",
        SOURCE["custody"],
        ("crackdown", "dmi"),
        m.custody_difference("custody_new_persons", "persons admitted"),
        "per replication, persons admitted to prison at least once from the intervention "
        "start, crackdown minus DMI on the same seed; t-interval, which must lie above "
        "zero",
        "arrests",
        require_inside=True,
    ),
    Target(
        "B10c",
        "Custody person-days",
        "crackdowns accumulate more custody person-days "
        "(paired difference, 95 % interval above zero)",
        (0, INF),
        "person-days",
        SOURCE["custody"],
        ("crackdown", "dmi"),
        m.custody_difference("incarcerated", "person-days in custody"),
        "per replication, person-days held (jail before disposition and prison) from the "
        "intervention start, crackdown minus DMI on the same seed; t-interval, which must "
        "lie above zero",
        "arrests",
        require_inside=True,
    ),
)

BY_ID = {t.id: t for t in TARGETS}
