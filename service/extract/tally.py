"""Counts of the record itself: how many problems, at which status. Every count a summary shows
(abstract, digest, checks against declared totals) comes from here, never from a model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, Field

from zhenggai.schemas.record import Problem, Status, SummaryRecord


def walk(problems: Iterable[Problem]) -> list[Problem]:
    """Every problem, in document order, children after their parent."""
    out: list[Problem] = []
    for p in problems:
        out.append(p)
        out.extend(walk(p.children))
    return out


def leaves(problems: list[Problem]) -> list[Problem]:
    """The problems as a report counts them: a problem restated by sub-problems counts once per
    sub-problem, not once more for the heading above them."""
    return [p for p in walk(problems) if not p.children]


class Tally(BaseModel):
    problems: int = Field(default=0, description="leaf problems")
    top_level: int = Field(default=0, description="problems with no problem above them")
    measures: int = 0
    by_status: dict[Status, int] = Field(default_factory=dict)

    def count(self, *statuses: Status) -> int:
        return sum(self.by_status.get(s, 0) for s in statuses)


def tally(record: SummaryRecord) -> Tally:
    flat = leaves(record.problems)
    statuses = Counter(p.status for p in flat)
    return Tally(
        problems=len(flat),
        top_level=len(record.problems),
        measures=sum(len(p.measures) for p in walk(record.problems)),
        by_status={s: statuses[s] for s in Status if statuses[s]},
    )
