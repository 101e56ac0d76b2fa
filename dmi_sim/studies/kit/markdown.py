"""Markdown for every study's report: numbers as a reader wants them, and tables."""

from __future__ import annotations

import math
from collections.abc import Sequence


def num(x: float) -> str:
    """A number as a reader wants it: thousands separated, about three significant digits."""
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"  # an exact zero (no buyer arrests), not a rounded 0.00
    size = abs(x)
    if size >= 100:
        return f"{x:,.0f}"
    if size >= 0.1:
        return f"{x:.1f}" if size >= 10 else f"{x:.2f}"
    return f"{x:.2g}"


def signed(x: float) -> str:
    """``num`` with its sign always shown."""
    return ("+" if x >= 0 else "-") + num(abs(x))


def pct(x: float, signed: bool = True) -> str:
    """A relative change in percent, one decimal below 10 %."""
    v = 100 * x
    text = f"{v:+.1f}" if abs(v) < 10 else f"{v:+.0f}"
    return (text if signed else text.lstrip("+-")) + " %"


def counted(n: int, noun: str) -> str:
    """'1 distinct particle', '3 distinct particles': a count with its noun in number."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table: one header row, a rule, the rows."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
