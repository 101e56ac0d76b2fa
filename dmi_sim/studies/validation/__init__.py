"""Validation: every target of docs/EVIDENCE.md as a check anyone can re-run.

``targets`` is the table (what, band, source, how measured, which figure), ``plan`` the runs
they need, ``measures`` the numbers, ``figures`` and ``report`` the output, ``validate``
the command's work and ``cli`` its options.
"""

from dmi_sim.studies.validation.targets import TARGETS, Target, judge
from dmi_sim.studies.validation.validate import (
    DEFAULT_REPS,
    Validation,
    ValidationError,
    ValidationSpec,
)

__all__ = [
    "DEFAULT_REPS",
    "TARGETS",
    "Target",
    "Validation",
    "ValidationError",
    "ValidationSpec",
    "judge",
]
