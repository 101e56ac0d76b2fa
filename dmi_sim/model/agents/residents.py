"""Residents: one household per residential cell; fear, collective efficacy, trust in police.

Each day a household updates its fear from what it sees (dealing, disorder, violence),
chooses whether to be in public space (guardianship), may report dealing it sees and makes
ordinary calls for service, updates collective efficacy and trust, and under lasting fear
may move out (replaced by a newcomer with weaker ties). The pull of neighbours who are out
makes going out self-reinforcing: the source of the two community states.
"""

from __future__ import annotations

import numpy as np

from dmi_sim.model import kernels
from dmi_sim.model.space import box_sum
from dmi_sim.params import Params


class Residents:
    """The households as columns; ``live`` is the daily submodel."""

    def __init__(self, model, params: Params) -> None:
        self.model = model
        self.p = params.section("residents")
        space, rng = model.space, model.rng
        self.x, self.y = np.nonzero(space.residential)
        n = self.x.size
        self.n = n
        self.in_market_zone = (space.market | space.catchment)[self.x, self.y]
        # eyes on the corner: households with a market cell within sight of their door
        self.overlooks_market = box_sum(space.market, self.p["sight_radius"])[self.x, self.y] > 0
        self.fear = np.where(
            self.in_market_zone, self.p["initial_fear_market"], self.p["initial_fear"]
        )
        self.efficacy = np.full(n, self.p["initial_efficacy"])
        self.trust = np.full(n, self.p["initial_trust"])
        self.outdoors = rng.random(n) < self.p["initial_outdoors"]
        self.aware = np.zeros(n, dtype=bool)
        self.pull = 0.0  # extra pull outdoors for aware households (DMI mobilisation)
        self.report_boost = 0.0  # extra reporting of aware households (DMI)
        self.engaged = False  # the community takes part in enforcement (no trust loss)
        self.households_near = box_sum(space.residential, 2)
        self.reports_on_cells = np.zeros((space.width, space.height))
        self.drug_reports = 0
        self.reports_market = 0  # today's calls from the market zone (market + catchment)
        self.informal_control = 0.0  # Q: the corner's neighbours' hold over it (0-1)
        self.moved_out = 0
        p = self.p
        self._k_see = np.array(
            [
                p["exposure_dealing"],
                p["exposure_disorder"],
                p["exposure_violence"],
                p["reassurance"],
                p["fear_rate"],
                p["outdoor_social"],
                p["outdoor_threshold"],
                p["outdoor_steepness"],
            ],
            dtype=float,
        )
        self._k_report = np.array(
            [
                p["exposure_dealing"],
                p["report_prob"],
                0.0,
                p["background_calls"],
                p["nuisance_calls"],
            ],
            dtype=float,
        )
        self._k_act = np.array(  # pull, engaged and trust_gain are today's (``live``)
            [
                0.0,
                p["efficacy_rate"],
                p["efficacy_base"],
                p["efficacy_social"],
                p["trust_rate"],
                p["trust_base"],
                p["trust_arrest_loss"],
                0.0,
                0.0,
            ],
            dtype=float,
        )
        self._k_close = np.array(
            [p["move_threshold"], p["move_rate"], p["newcomer_efficacy"], p["trust_base"]],
            dtype=float,
        )
        self._update_guardianship()

    def live(self, sellers_on_cells: np.ndarray, arrests_on_cells: np.ndarray) -> int:
        """One day of household life; returns today's reports (calls for service).

        See the street, fear it, go out or stay in, build efficacy, gain or lose trust,
        report, perhaps move out; then the street's guardianship follows who is outdoors.
        The steps are the methods below (``_see_the_street``, ``_fear``, ``_go_out``...);
        the day runs them as one compiled kernel (``kernels.residents_day``), drawing
        numpy's draws from the model's generator in the numpy code's order
        (``dmi_sim.model.stream``).
        """
        if self.n == 0:
            return 0
        p, space, x, y = self.p, self.model.space, self.x, self.y
        r = p["sight_radius"]
        self._k_act[0] = self.pull
        self._k_act[7] = float(self.engaged)
        self._k_act[8] = self.model.policy.trust_gain
        on_cells, n_drug, market, n_other, n_eyes, control, moved = kernels.residents_day(
            self.model.stream,
            x,
            y,
            sellers_on_cells,
            arrests_on_cells,
            space.field("guardianship"),
            space.field("disorder"),
            space.field("violence"),
            r,
            self.fear,
            self.efficacy,
            self.trust,
            self.aware,
            self.outdoors,
            float(self.pull),
            self.in_market_zone,
            self.overlooks_market,
            self.households_near,
            self._k_see,
            self._k_act,
            self._k_report,
            self._k_close,
        )
        self.reports_on_cells, self.drug_reports, self.reports_market = on_cells, n_drug, market
        if n_eyes:
            self.informal_control = control
        self.moved_out += moved
        return n_drug + n_other

    def live_stepwise(self, sellers_on_cells: np.ndarray, arrests_on_cells: np.ndarray) -> int:
        """``live`` as the numpy methods below, one after the other (the reference the
        kernels are checked against, tests/test_model_kernels.py)."""
        if self.n == 0:
            return 0
        p = self.p
        sellers_seen, guard, surroundings = self._see_the_street(sellers_on_cells)
        self._fear(sellers_seen, guard, surroundings)
        self._go_out(guard)
        self._build_efficacy(guard)
        self._update_trust(box_sum(arrests_on_cells, p["sight_radius"])[self.x, self.y])
        nuisance = p["exposure_dealing"] * sellers_seen / 2.0 + surroundings
        reports = self._report(np.minimum(1.0, sellers_seen / 2.0), nuisance)
        self._exert_informal_control()
        self._move_out()
        self._update_guardianship()
        return reports

    def mobilise(self, aware: np.ndarray, report_boost: float) -> None:
        """The DMI's call-in reaches households ``aware``; they take part in enforcement and
        report more (``report_boost``)."""
        self.aware = aware
        self.engaged = True
        self.report_boost = report_boost
        self._k_report[2] = report_boost

    def take_part(self, pull: float, engaged: bool) -> None:
        """Today's DMI community work: the pull outdoors on aware households, and whether
        the community is still part of the enforcement."""
        self.pull = pull
        self.engaged = engaged

    def _see_the_street(
        self, sellers_on_cells: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What each household sees within ``sight_radius``: sellers, guardianship at its
        cell, and its surroundings (disorder, violence nearby) weighted as exposure."""
        p, space, x, y = self.p, self.model.space, self.x, self.y
        r = p["sight_radius"]
        sellers_seen = box_sum(sellers_on_cells, r)[x, y]
        guard = space.field("guardianship")[x, y]
        surroundings = p["exposure_disorder"] * space.field("disorder")[x, y] + p[
            "exposure_violence"
        ] * np.minimum(1.0, box_sum(space.field("violence"), r)[x, y])
        return sellers_seen, guard, surroundings

    def _fear(self, sellers_seen: np.ndarray, guard: np.ndarray, surroundings: np.ndarray) -> None:
        """F <- F + r (clip(E (1 - reassurance G), 0, 1) - F), E the exposure to dealing
        (saturating at two sellers in sight) and surroundings."""
        p = self.p
        exposure = p["exposure_dealing"] * np.minimum(1.0, sellers_seen / 2.0) + surroundings
        target = np.clip(exposure * (1.0 - p["reassurance"] * guard), 0.0, 1.0)
        self.fear += p["fear_rate"] * (target - self.fear)

    def _build_efficacy(self, guard: np.ndarray) -> None:
        """E <- E + r (clip(base + social G + pull x aware, 0, 1) - E)."""
        p = self.p
        self.efficacy += p["efficacy_rate"] * (
            np.clip(
                p["efficacy_base"] + p["efficacy_social"] * guard + self.pull * self.aware, 0.0, 1.0
            )
            - self.efficacy
        )

    def _go_out(self, guard: np.ndarray) -> None:
        """P(out) = logistic(k (E - F + s G - theta + pull x aware))."""
        p = self.p
        u = self.efficacy - self.fear + p["outdoor_social"] * guard - p["outdoor_threshold"]
        u = u + self.pull * self.aware
        p_out = 1.0 / (1.0 + np.exp(-p["outdoor_steepness"] * u))
        self.outdoors = self.model.rng.random(self.n) < p_out

    def _update_trust(self, arrests_seen: np.ndarray) -> None:
        """Trust returns to its base, falls with arrests seen unless the community is part of
        the enforcement, and rises while the DMI engages aware households."""
        p = self.p
        self.trust += p["trust_rate"] * (p["trust_base"] - self.trust)
        loss = p["trust_arrest_loss"] * arrests_seen
        if self.engaged:
            loss = np.where(self.aware, 0.0, loss)
        self.trust -= loss
        self.trust += self.model.policy.trust_gain * self.aware
        np.clip(self.trust, 0.0, 1.0, out=self.trust)

    def _report(self, dealing_seen: np.ndarray, nuisance: np.ndarray) -> int:
        """Households outdoors report the dealing they see with P = p T (1 - F) (1 + boost) x
        min(1, sellers in sight / 2): open dealing on the corner is reported, a seller half
        hidden by lookouts and phones (``Sellers.visibility``) less often, as in fear.
        Every household also calls about other matters at a background rate that rises with
        disorder, and about the nuisance it sees and hears from its home, trusting the police
        or not: the terms of the fear exposure, but with the dealing in sight counted without
        its cap (fear saturates at two sellers in sight; the traffic that makes people call
        does not)."""
        p, rng, space = self.p, self.model.rng, self.model.space
        p_rep = p["report_prob"] * self.trust * (1.0 - self.fear)
        p_rep = np.minimum(1.0, p_rep * (1.0 + self.report_boost * self.aware))
        drug = self.outdoors & (rng.random(self.n) < p_rep * dealing_seen)
        disorder = space.field("disorder")[self.x, self.y]
        other = rng.poisson(
            p["background_calls"] * (1.0 + disorder) + p["nuisance_calls"] * nuisance
        )
        self.reports_on_cells = space.counts(self.x[drug], self.y[drug])
        self.drug_reports = int(drug.sum())
        zone = self.in_market_zone
        self.reports_market = int(drug[zone].sum() + other[zone].sum())
        return self.drug_reports + int(other.sum())

    def _exert_informal_control(self) -> None:
        """Q = mean over the households overlooking the market area of
        outdoors x efficacy x trust x (1 - fear): the neighbours of the corner who are out,
        tied to each other, ready to call the police and not afraid (Sampson et al. 1997;
        eyes on the street, Jacobs 1961). Sellers read it as risk (``Sellers.utilities``)."""
        eyes = self.overlooks_market
        if eyes.any():
            self.informal_control = float(
                np.mean(
                    self.outdoors[eyes]
                    * self.efficacy[eyes]
                    * self.trust[eyes]
                    * (1.0 - self.fear[eyes])
                )
            )

    def _move_out(self) -> None:
        """Lasting fear: P(move) = m (F - F_move) / (1 - F_move) above the threshold; the
        newcomer starts with weak ties, base trust and no fear of its own yet."""
        p = self.p
        excess = np.clip(
            (self.fear - p["move_threshold"]) / (1.0 - p["move_threshold"] + 1e-9), 0.0, 1.0
        )
        moves = self.model.rng.random(self.n) < p["move_rate"] * excess
        if moves.any():
            self.fear[moves] = 0.0
            self.efficacy[moves] = p["newcomer_efficacy"]
            self.trust[moves] = p["trust_base"]
            self.aware[moves] = False
            self.moved_out += int(moves.sum())

    def _update_guardianship(self) -> None:
        """Guardianship = share of households outdoors within two cells."""
        space = self.model.space
        out = space.counts(self.x[self.outdoors], self.y[self.outdoors])
        g = space.field("guardianship")
        g[:] = np.divide(
            box_sum(out, 2),
            self.households_near,
            out=np.zeros_like(g),
            where=self.households_near > 0,
        )
