"""Derived measures of a run's series that every study reads the same way.

The definitions live in ``dmi_sim.engine.derived`` because sweep workers compute
``rebound_days`` (and ``rebound_censored``) there, beside the summary; this module is the
studies' door to them.
"Rebound" means ``rebound_days`` everywhere (sweep frontier, sensitivity);
``replacement_days`` is a different question (back to half the pre-sweep level, per sweep)
that the validation study's B1a target asks, timed with the same primitives.
"""

from dmi_sim.engine.derived import (
    PRE_SWEEP_DAYS,
    REBOUND_LEVEL,
    REPLACEMENT_SHARE,
    SMOOTH_DAYS,
    days_until_back,
    rebound,
    replacement_days,
    sweep_plan,
    trailing_mean,
)

__all__ = [
    "PRE_SWEEP_DAYS",
    "REBOUND_LEVEL",
    "REPLACEMENT_SHARE",
    "SMOOTH_DAYS",
    "days_until_back",
    "rebound",
    "replacement_days",
    "sweep_plan",
    "trailing_mean",
]
