"""The trainer's controls and the parameters each one sets.

The strategy selector picks a shipped scenario; on Reset every other control overrides
that scenario's parameters. Slider defaults come from the parameter registry, which the
shipped scenarios do not change for these keys (a test holds them to it), so a slider left
alone runs the scenario as shipped. The DMI's fidelity and community knobs *do* differ
between scenarios (``dmi`` vs ``dmi_low_fidelity``), so those two controls are levels read
from the shipped DMI scenario files, with "as in the scenario" as the default. Nothing
here is a second copy of a model value that could drift from the model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from dmi_sim.params import PARAMETERS, Params, load_params, scenario_names
from dmi_sim.studies.kit.stats import COUNTERFACTUAL

DEFAULT_STRATEGY = "dmi"
AS_SCENARIO = "as in the scenario"
FIDELITY_KEYS = ("dmi.credible_case_share", "dmi.follow_through")
COMMUNITY_KEYS = ("dmi.community_awareness", "dmi.community_participation")
HIGH_FIDELITY, LOW_FIDELITY = "dmi", "dmi_low_fidelity"


def _default(key: str) -> Any:
    return PARAMETERS[key].default


def _shipped(scenario: str, keys: tuple[str, ...]) -> dict[str, Any]:
    params = load_params(scenario)
    return {key: params[key] for key in keys}


def _graded(keys: tuple[str, ...], describe: str) -> dict[str, dict[str, Any]]:
    """High, medium and low levels: the ``dmi`` and ``dmi_low_fidelity`` scenarios' values
    and their midpoint, each labelled with its numbers (``describe`` formats them)."""
    high, low = _shipped(HIGH_FIDELITY, keys), _shipped(LOW_FIDELITY, keys)
    medium = {key: round((high[key] + low[key]) / 2, 2) for key in keys}
    return {
        f"{name}: {describe.format(*values.values())}": values
        for name, values in (("high", high), ("medium", medium), ("low", low))
    }


@cache
def fidelity_levels() -> dict[str, dict[str, Any]]:
    """DMI fidelity: label -> overrides (credible cases and follow-through on relapse)."""
    return {AS_SCENARIO: {}} | _graded(
        FIDELITY_KEYS, "{:.0%} of cases credible, {:.0%} of relapses acted on"
    )


@cache
def community_levels() -> dict[str, dict[str, Any]]:
    """Community strength: label -> overrides (awareness, participation, or none at all)."""
    graded = {
        label.replace("high", "strong").replace("low", "weak"): {"dmi.community": True, **values}
        for label, values in _graded(
            COMMUNITY_KEYS, "{:.0%} of households aware, {:.0%} take part"
        ).items()
    }
    return {AS_SCENARIO: {}} | graded | {"none: no community component": {"dmi.community": False}}


@dataclass(frozen=True)
class Settings:
    """What the trainer chose; field names are the model's keyword arguments on Reset."""

    strategy: str = DEFAULT_STRATEGY
    officers: int = _default("police.officers")
    surge_officers: int = _default("crackdown.officers")
    crackdown_period: int = _default("crackdown.period_days")
    crackdown_length: int = _default("crackdown.duration_days")
    fidelity: str = AS_SCENARIO
    community: str = AS_SCENARIO
    policy_start: int = _default("run.intervention_start")
    seed: int = 0
    show_baseline: bool = True

    def overrides(self) -> dict[str, Any]:
        """Parameter overrides for the chosen scenario.

        A shorter burn-in moves ``crackdown_then_dmi``'s switch to the DMI by the same number
        of days, so the scenario keeps its year of crackdowns before the DMI.
        """
        shipped = load_params(self.strategy)
        shift = self.policy_start - shipped["run.intervention_start"]
        return {
            "police.officers": self.officers,
            "crackdown.officers": self.surge_officers,
            "crackdown.period_days": self.crackdown_period,
            "crackdown.duration_days": self.crackdown_length,
            "run.intervention_start": self.policy_start,
            "sequence.dmi_start": max(0, shipped["sequence.dmi_start"] + shift),
            **fidelity_levels()[self.fidelity],
            **community_levels()[self.community],
        }

    def params(self) -> Params:
        """The run's parameters."""
        return load_params(self.strategy, self.overrides())

    def baseline_params(self) -> Params | None:
        """The same-seed counterfactual's parameters (None: the run is the baseline, or the
        trainer switched the ghost off)."""
        if not self.show_baseline or self.strategy == COUNTERFACTUAL:
            return None
        return load_params(COUNTERFACTUAL, self.overrides())


#: Widget per setting: (label, kind, options). Sliders stay inside the registry's ranges
#: (tested).
_WIDGETS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "strategy": ("Strategy (scenario)", "Select", {"values": scenario_names()}),
    "officers": ("Beat officers", "SliderInt", {"min": 0, "max": 20, "step": 1}),
    "surge_officers": ("Crackdown: surge officers", "SliderInt", {"min": 0, "max": 60, "step": 1}),
    "crackdown_period": (
        "Crackdown: days between sweeps",
        "SliderInt",
        {"min": 10, "max": 365, "step": 1},
    ),
    "crackdown_length": (
        "Crackdown: sweep length (days)",
        "SliderInt",
        {"min": 1, "max": 60, "step": 1},
    ),
    "fidelity": ("DMI fidelity", "Select", {"values": list(fidelity_levels())}),
    "community": ("Community strength (DMI)", "Select", {"values": list(community_levels())}),
    "policy_start": (
        "Policy starts on day (burn-in)",
        "SliderInt",
        {"min": 0, "max": 365, "step": 5},
    ),
    "seed": ("Seed", "SliderInt", {"min": 0, "max": 99, "step": 1}),
    "show_baseline": ("Dashed lines: same seed, no policy", "Checkbox", {}),
}

#: The registry key each slider sets (for the range test and the README).
SLIDER_KEYS = {
    "officers": "police.officers",
    "surge_officers": "crackdown.officers",
    "crackdown_period": "crackdown.period_days",
    "crackdown_length": "crackdown.duration_days",
    "policy_start": "run.intervention_start",
}


def widgets() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """The app's control per ``Settings`` field, in field order: (label, kind, options),
    kind one of ``SliderInt``, ``Select``, ``Checkbox``."""
    return dict(_WIDGETS)


def model_params() -> dict[str, dict[str, Any]]:
    """The controls as Mesa SolaraViz ``model_params`` (one input per ``Settings`` field, at
    its default), for a notebook that wants SolaraViz around ``TrainerModel``."""
    defaults = asdict(Settings())
    return {
        name: {"type": kind, "label": label, "value": defaults[name], **options}
        for name, (label, kind, options) in _WIDGETS.items()
    }


def _count(n: int, noun: str) -> str:
    """``n`` of ``noun`` in words a trainer reads aloud: 1 officer, 2 officers, 1 day."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def readout(params: Params) -> str:
    """The running model's settings in one line (the controls may already show others,
    which take effect on Reset)."""
    strategy = params["policy.strategy"]
    parts = [
        _count(params["police.officers"], "beat officer"),
        f"policy from day {params['run.intervention_start']}",
    ]
    if strategy in ("crackdown", "crackdown_then_dmi"):
        parts.append(
            f"sweeps of {_count(params['crackdown.officers'], 'officer')} for "
            f"{_count(params['crackdown.duration_days'], 'day')} every "
            f"{_count(params['crackdown.period_days'], 'day')}"
        )
    if strategy == "crackdown_then_dmi":
        switch = max(params["sequence.dmi_start"], params["run.intervention_start"])
        parts.append(f"DMI from day {switch}")
    if strategy == "hotspot":
        parts.append(_count(params["hotspot.officers"], "hot-spot officer"))
    if strategy in ("dmi", "crackdown_then_dmi"):
        parts.append(
            f"DMI: {params['dmi.credible_case_share']:.0%} of cases credible, "
            f"{params['dmi.follow_through']:.0%} of relapses acted on"
        )
        parts.append(
            f"community: {params['dmi.community_awareness']:.0%} aware, "
            f"{params['dmi.community_participation']:.0%} take part"
            if params["dmi.community"]
            else "no community component"
        )
    return "; ".join(parts)
