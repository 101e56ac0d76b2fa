"""Replications by precision: add replications batch by batch until every interval a study
asks about is narrow enough, or a cap.

A study names its *groups* (the validation's arms, the comparison's scenarios) and gives a
``check``: for a number of replications per group, it runs what is not yet stored and
returns the groups whose intervals are still too wide. The loop checks the counts
``start, start + batch, start + 2 batch, ...`` (the last one cut at the cap) and stops
each group at the first count whose intervals are narrow enough (not before, not after),
or at the cap. Seeds are prefix-stable (``engine.seeds.replication_seeds``) and run ids
do not depend on how many replications there are, so a step only runs the new
replications, and an interrupted loop, given the same command, retraces the steps over
the stored runs and goes on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dmi_sim.engine.seeds import MAX_REPLICATIONS

#: Replications added to a group that is still too wide, per step.
DEFAULT_BATCH = 10
#: The status of a group whose intervals became narrow enough, and of one the cap stopped.
REACHED = "reached"
CAPPED = "cap"


@dataclass(frozen=True)
class Stepping:
    """How replications grow: ``batch`` more per step, at most ``max_reps`` a group."""

    max_reps: int
    batch: int = DEFAULT_BATCH

    def problem(self, start: int) -> str | None:
        """Why these steps cannot start from ``start`` replications (one line naming the
        option), or None."""
        if self.batch < 1:
            return f"--batch {self.batch}: allowed: an integer >= 1"
        if self.max_reps < start:
            return (
                f"--max-reps {self.max_reps}: below the starting --reps {start}; "
                f"allowed: an integer >= {start}"
            )
        if self.max_reps > MAX_REPLICATIONS:
            return f"--max-reps {self.max_reps}: allowed: at most {MAX_REPLICATIONS:,}"
        return None


@dataclass
class Stopped:
    """Where the loop stopped: replications per group, the groups the cap stopped, and
    every check on the way (replications per group, groups too wide)."""

    replications: dict[str, int]
    too_wide: list[str]
    steps: list[dict[str, Any]] = field(default_factory=list)

    def status(self, group: str) -> str:
        return CAPPED if group in self.too_wide else REACHED

    @property
    def reached(self) -> bool:
        return not self.too_wide

    def record(self, start: int, stepping: Stepping) -> dict[str, Any]:
        """The stopping for a manifest (plain JSON)."""
        return {
            "start": start,
            "batch": stepping.batch,
            "max_reps": stepping.max_reps,
            "reached": self.reached,
            "groups": {
                g: {"replications": n, "status": self.status(g)}
                for g, n in self.replications.items()
            },
            "steps": self.steps,
        }


def replicate_until_precise(
    groups: Sequence[str],
    start: int,
    stepping: Stepping,
    check: Callable[[Mapping[str, int]], Collection[str]],
) -> Stopped:
    """Run ``check`` at growing replications until no group is too wide, or the cap.

    Args:
        groups: the groups whose replications grow independently.
        start: replications of every group at the first check.
        stepping: the batch added to a group still too wide, and the cap.
        check: given replications per group, runs what is missing and returns the groups
            whose intervals are still too wide (names outside ``groups`` are an error).
    """
    if problem := stepping.problem(start):
        raise ValueError(problem)
    reps = dict.fromkeys(groups, start)
    steps: list[dict[str, Any]] = []
    while True:
        named = set(check(dict(reps)))
        if unknown := named.difference(groups):
            raise ValueError(f"check named groups that are not compared: {sorted(unknown)}")
        wide = [g for g in groups if g in named]
        steps.append({"replications": dict(reps), "too_wide": wide})
        growing = [g for g in wide if reps[g] < stepping.max_reps]
        if not growing:
            return Stopped(dict(reps), wide, steps)
        for g in growing:
            reps[g] = min(reps[g] + stepping.batch, stepping.max_reps)
