"""The words of every verdict as shares of the runs, the same for RQ1-RQ4.

A verdict counts runs that go the claim's way and runs that go the other way; "most",
"more than half" and "few" mean the shares below in every research question.
"""

from __future__ import annotations

#: "Most runs": the share that must go the claim's way for a verdict of **support**;
#: three in four, so that one run in four may miss by chance without losing it.
MOST_RUNS = 0.75
#: "More than half": a majority, what a verdict **in part** needs (and what a part of a
#: claim needs to count as held).
MAJORITY = 0.5
#: "Few": under one run in four going the other way still allows a verdict in part.
FEW = 0.25
