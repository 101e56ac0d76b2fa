"""The scenario comparison: paired runs against the same-seed baseline, one result folder.

``pipeline`` builds the tasks and writes the folder, ``figures`` and ``animation`` draw,
``report`` writes the Markdown. ``posterior`` runs the comparison over draws from a
parameter posterior, ``uncertainty`` pools its effects over the draws and tests the DMI's
advantage at each, ``posterior_report`` writes its Markdown.
"""

from dmi_sim.studies.compare.pipeline import (
    DEFAULT_REPS,
    DEFAULT_SCENARIOS,
    CompareError,
    CompareSpec,
    run_compare,
)
from dmi_sim.studies.compare.posterior import DEFAULT_DRAWS, run_posterior_compare

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_REPS",
    "DEFAULT_SCENARIOS",
    "CompareError",
    "CompareSpec",
    "run_compare",
    "run_posterior_compare",
]
