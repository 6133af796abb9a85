"""How the chapters write numbers: table cells, counts, ranges and Markdown tables.

Pure formatting, no statistics: every function here turns numbers the other modules
computed into the strings the chapters print.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from tabulate import tabulate


def fmt(x: float | None, digits: int = 2) -> str:
    """A number for a table: scientific, '-' when missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}e}"


def signed(x: float) -> str:
    """A correlation for a table: two decimals with its sign, '-' when missing."""
    return f"{x:+.2f}" if math.isfinite(x) else "-"


def rate(x: float) -> str:
    """An error decay rate (decades per 1,000 steps) for a table, '-' when missing."""
    return f"{x:+.3f}" if math.isfinite(x) else "-"


def per_layer(values: np.ndarray, digits: int) -> str:
    """Signed per-layer values, layer 1 first: "+0.12 / -0.30 / ..."."""
    return " / ".join(f"{x:+.{digits}f}" for x in values)


def count(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless ``n`` is 1: "1 seed", "3 seeds"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def value_range(values: Sequence[float]) -> str:
    """The range "lo to hi (n runs)" of the finite values, or a clause saying there is none."""
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return "no run (none reached this phase)"
    return f"{min(v):.1e} to {max(v):.1e} ({len(v)} runs)"


def jumps_text(jumps: Sequence[int | None]) -> str:
    """The detected jump steps of some seeds, and how many seeds have one."""
    found = [j for j in jumps if j is not None]
    return f"{', '.join(map(str, found)) or 'none'} ({len(found)} of {count(len(jumps), 'seed')})"


def markdown_table(rows: list[list[Any]], headers: list[str]) -> str:
    """A GitHub-flavoured Markdown table (rendered by MyST)."""
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
