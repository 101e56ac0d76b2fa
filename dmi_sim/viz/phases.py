"""The policy's days in words (the status line) and as spans (the plots' shading).

Both are read from the run's event log, one list of policy events per simulated day (what
``DrugMarketModel.events`` held that day: ``sweep``, ``hotspot``, the DMI's
``investigation`` / ``call_in`` / ``maintenance``), so the app never re-derives a policy's
calendar from its parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: What today's event means, for someone watching.
EVENT_WORDS = {
    "sweep": "Crackdown sweep: surge officers sweep the market area",
    "hotspot": "Hot-spot patrol: extra officers in the market area every day",
    "investigation": "DMI investigation: undercover buys build cases against sellers",
    "call_in": "DMI call-in: high-risk sellers arrested, low-risk sellers called in "
    "with banked cases",
    "maintenance": "DMI maintenance: banked cases enforced, residents report returns",
    "called_off": "DMI called off: the investigation made no case, so no call-in",
}
DMI_PHASES = ("investigation", "call_in", "maintenance")


@dataclass(frozen=True)
class Span:
    """Consecutive days ``first``..``last`` (inclusive) on which ``event`` happened."""

    event: str
    first: int
    last: int


def spans(event_log: Sequence[Sequence[str]]) -> list[Span]:
    """Runs of consecutive days with the same event, in order of their first day."""
    found: list[Span] = []
    open_runs: dict[str, int] = {}
    for day, events in enumerate([*event_log, []]):
        for event in list(open_runs):
            if event not in events:
                found.append(Span(event, open_runs.pop(event), day - 1))
        for event in events:
            open_runs.setdefault(event, day)
    return sorted(found, key=lambda span: (span.first, span.event))


def status(event_log: Sequence[Sequence[str]], policy_start: int) -> str:
    """The latest simulated day's policy phase in a sentence."""
    today = event_log[-1] if event_log else []
    if today:
        return "; ".join(EVENT_WORDS.get(event, event) for event in today)
    if len(event_log) <= policy_start:  # the last simulated day came before the start
        return f"Burn-in: reactive policing only; the policy starts on day {policy_start}"
    earlier = [event for events in event_log for event in events]
    if earlier and earlier[-1] == "sweep":
        return "Between sweeps: the surge has left, reactive policing only"
    if earlier and earlier[-1] in DMI_PHASES:
        return "After the DMI's maintenance period: reactive policing only"
    return "Reactive policing only"
