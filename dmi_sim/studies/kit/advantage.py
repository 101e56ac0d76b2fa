"""The DMI's advantage over crackdowns, defined once for every study that asks about it.

The advantage holds when, against the same seeds and parameters, the DMI leaves no more
active sellers than crackdowns, no more violent incidents, and makes at most
``ARREST_RATIO`` times their arrests: the market cut at least as much, without more
violence, for far fewer arrests (docs/EVIDENCE.md, behaviours 4 and 10). The sensitivity
study tests them on each seed, ``compare --posterior`` on each posterior draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The DMI's arrests must be at most this share of the crackdown's to count as "far fewer".
ARREST_RATIO = 0.5
#: The tests, in reading order, with what each compares.
TESTS = {
    "sellers": "active sellers no more than under crackdowns",
    "violence": "violent incidents no more than under crackdowns",
    "arrests": f"arrests at most {ARREST_RATIO:g} times the crackdowns'",
}

#: The run-summary key each test compares when it is applied to runs: the policy year's
#: active sellers and violent incidents, and arrests from the start.
SUMMARY_KEYS = {
    "sellers": "post_active_sellers",
    "violence": "post_violent_incidents",
    "arrests": "arrests_total",
}

#: A level, or levels per seed or per parameter draw.
Level = float | np.ndarray | pd.Series


def advantage_tests(
    sellers: tuple[Level, Level], violence: tuple[Level, Level], arrests: tuple[Level, Level]
) -> dict[str, bool | np.ndarray | pd.Series]:
    """Each test of ``TESTS`` on (DMI, crackdown) levels of one measure each; the levels can
    be numbers, arrays or series (one per seed or per parameter draw)."""
    return {
        "sellers": sellers[0] <= sellers[1],
        "violence": violence[0] <= violence[1],
        "arrests": arrests[0] <= ARREST_RATIO * arrests[1],
    }
