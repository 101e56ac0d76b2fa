"""The scenario comparison: paired runs against the same-seed baseline, one result folder.

``pipeline`` builds the tasks and writes the folder, ``figures`` and ``animation`` draw,
``report`` writes the Markdown.
"""

from dmi_sim.studies.compare.pipeline import (
    DEFAULT_REPS,
    DEFAULT_SCENARIOS,
    CompareError,
    CompareSpec,
    run_compare,
)

__all__ = ["DEFAULT_REPS", "DEFAULT_SCENARIOS", "CompareError", "CompareSpec", "run_compare"]
