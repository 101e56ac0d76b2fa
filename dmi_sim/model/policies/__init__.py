"""Policies: each decides where police time goes each day and what else the state does."""

from dmi_sim.model.policies.base import Policy
from dmi_sim.model.policies.crackdown import CrackdownPolicy
from dmi_sim.model.policies.dmi import DMIPolicy
from dmi_sim.model.policies.hotspot import HotspotPolicy
from dmi_sim.model.policies.sequence import CrackdownThenDMI

POLICIES: dict[str, type[Policy]] = {
    "baseline": Policy,
    "crackdown": CrackdownPolicy,
    "hotspot": HotspotPolicy,
    "dmi": DMIPolicy,
    "crackdown_then_dmi": CrackdownThenDMI,
}


def make_policy(model, params) -> Policy:
    """The policy named by ``policy.strategy``."""
    return POLICIES[params["policy.strategy"]](model, params)


__all__ = ["POLICIES", "Policy", "make_policy"]
