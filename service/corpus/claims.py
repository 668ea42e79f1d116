"""Claimed against evidenced: what a report declares about its completion, set against the
statuses its record found with evidence, and the problems whose own text says the work goes on
although the report declares them (or all problems) complete.

The rule is plain and reads only quotes the record already holds, so every finding points at
characters of the source: the declaration's quote and the continuing words' quote, each with
its span. A problem's title is not read: it states what was wrong, not how far the work is.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from zhenggai.extract.tally import leaves
from zhenggai.schemas.record import (
    DeclaredTotal,
    Evidence,
    Problem,
    Span,
    Status,
    StatusScope,
    SummaryRecord,
    TotalKind,
)

# Words that say the work is still going on. 正在 not after 真 (真正在…上下功夫 is not 正在);
# 持续 not before 性/时间 (持续性, 持续时间 name a property, not ongoing work).
CONTINUING_RE = re.compile(r"(?<!真)正在|持续(?![性时])|年内|尚未|逐步|仍在|还在")
_ALL_RE = re.compile(r"全部(?:完成|整改|办结)|均已(?:完成|整改)|已全部")
_DONE = (Status.completed,)


class Declaration(BaseModel):
    """One thing the report says about its own completion, with its words."""

    kind: str = Field(description="completed (a count), rate (a percentage) or all (全部完成)")
    number: float | None = None
    quote: str
    span: Span


class Finding(BaseModel):
    """A problem declared complete whose own quoted text says work continues."""

    path: str
    title: str
    declared_by: str = Field(description="own (its status sentence), group, section, report, or totals")
    declared_quote: str
    declared_span: Span
    word: str = Field(description="the continuing word, e.g. 持续")
    word_span: Span
    quote: str = Field(description="the sentence of the problem's own that holds the word")
    span: Span


class Completion(BaseModel):
    """Per report: the declared completion against the statuses found with evidence."""

    leaves: int = Field(description="problems as the report counts them (leaf problems)")
    evidenced: dict[str, int] = Field(default_factory=dict, description="leaf problems per status, with evidence")
    evidenced_completed: int = 0
    evidenced_rate: float | None = Field(default=None, description="completed with evidence / leaves")
    declared: list[Declaration] = Field(default_factory=list)
    declared_completed: float | None = None
    declared_rate: float | None = Field(default=None, description="as declared, 0–1 (完成率100% → 1.0)")
    declares_all: bool = False
    findings: list[Finding] = Field(default_factory=list)


def _declarations(totals: list[DeclaredTotal]) -> list[Declaration]:
    out = []
    for t in totals:
        span, quote = t.evidence.span, t.evidence.text
        if t.kind == TotalKind.rate and t.number is not None:
            out.append(Declaration(kind="rate", number=t.number, quote=quote, span=span))
        elif t.kind == TotalKind.completed:
            if _ALL_RE.search(quote):
                out.append(Declaration(kind="all", number=t.number, quote=quote, span=span))
            elif t.number is not None:
                out.append(Declaration(kind="completed", number=t.number, quote=quote, span=span))
    return out


def _declared_problems(totals: list[DeclaredTotal]) -> float | None:
    """The problem count the report declares (the largest, as 30个具体问题 follows 13个重点问题)."""
    numbers = [t.number for t in totals if t.kind == TotalKind.problems and t.number is not None]
    return max(numbers) if numbers else None


def _own_quotes(p: Problem) -> list[Evidence]:
    """The quotes that are this problem's own account of the work (not its title)."""
    quotes: list[Evidence] = []
    if p.status_evidence is not None and p.status_scope == StatusScope.own:
        quotes.append(p.status_evidence)
    quotes.extend(m.evidence for m in p.measures)
    quotes.extend(d.evidence for d in p.deadlines)
    seen: set[tuple[int, int]] = set()
    return [q for q in quotes if not ((q.span.start, q.span.end) in seen or seen.add((q.span.start, q.span.end)))]


def _continuing(p: Problem) -> tuple[Evidence, re.Match[str]] | None:
    for q in _own_quotes(p):
        m = CONTINUING_RE.search(q.text)
        if m:
            return q, m
    return None


def completion(record: SummaryRecord) -> Completion:
    """The declared completion, the evidenced one, and the contradicting problems of `record`."""
    flat = leaves(record.problems)
    evidenced: dict[str, int] = {}
    for p in flat:
        if p.status_evidence is not None:
            evidenced[p.status.value] = evidenced.get(p.status.value, 0) + 1
    done = sum(evidenced.get(s.value, 0) for s in _DONE)
    totals = record.overview.declared_totals
    decl = _declarations(totals)
    rates = [d.number for d in decl if d.kind == "rate" and d.number is not None]
    counts = [d.number for d in decl if d.kind == "completed" and d.number is not None]
    of = _declared_problems(totals)
    # the first of each is the headline; later rates and counts are usually of a part (事项, 线索)
    declared_completed = counts[0] if counts else None
    declares_all = any(d.kind == "all" for d in decl) or bool(rates and rates[0] >= 100)
    if not declares_all and declared_completed is not None and of is not None and declared_completed >= of:
        declares_all = True
    declared_rate = rates[0] / 100 if rates else None
    if declared_rate is None and declared_completed is not None and of:
        declared_rate = min(declared_completed / of, 1.0)
    if declared_rate is None and declares_all:
        declared_rate = 1.0
    report_decl = next((d for d in decl if d.kind == "all" or (d.kind == "rate" and (d.number or 0) >= 100)), None)
    if report_decl is None and declares_all:
        report_decl = next((d for d in decl if d.kind == "completed"), None)

    findings = []
    for p in flat:
        hit = _continuing(p)
        if hit is None:
            continue
        if p.status in _DONE and p.status_evidence is not None:
            by, dq = p.status_scope.value, p.status_evidence
            declared_quote, declared_span = dq.text, dq.span
        elif report_decl is not None:
            by, declared_quote, declared_span = "totals", report_decl.quote, report_decl.span
        else:
            continue
        q, m = hit
        findings.append(
            Finding(
                path=p.path,
                title=p.title,
                declared_by=by,
                declared_quote=declared_quote,
                declared_span=declared_span,
                word=m.group(0),
                word_span=Span(start=q.span.start + m.start(), end=q.span.start + m.end()),
                quote=q.text,
                span=q.span,
            )
        )
    return Completion(
        leaves=len(flat),
        evidenced=evidenced,
        evidenced_completed=done,
        evidenced_rate=done / len(flat) if flat else None,
        declared=decl,
        declared_completed=declared_completed,
        declared_rate=declared_rate,
        declares_all=declares_all,
        findings=findings,
    )
