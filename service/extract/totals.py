"""The totals a report declares about itself, and how they compare with what the record found.

`反馈问题41个,其中30个已完成(含基本完成),仍需长期整改11个`: each number is read with the words
around it (up to the next number in its clause) and classed by what it counts, so the record can
set `41` against its leaf problems and `30` against the problems it found completed. Reports
often declare more than their text supports; the mismatch is a finding readers want, so it is
kept as a check and a warning, never "fixed".
"""

from __future__ import annotations

import re

from zhenggai.extract.tally import Tally, tally
from zhenggai.schemas.document import Outline, Section
from zhenggai.schemas.record import (
    DeclaredTotal,
    Evidence,
    SectionRole,
    Span,
    Status,
    SummaryRecord,
    TotalCheck,
    TotalKind,
    Warning,
)
from zhenggai.structure.numbering import cn_to_int

# A count: digits (or a Chinese numeral before 个方面) and a measure word; or a completion rate.
_COUNT_RE = re.compile(r"(?<![\d.])(\d{1,6})\s*(?:余|多)?\s*(个|项|条|类|件|批)|([一二三四五六七八九十两]{1,3})个?方面")
_RATE_RE = re.compile(r"完成率(?:达到?|为)?\s*(\d{1,3}(?:\.\d{1,2})?)\s*%")
_CLAUSE_RE = re.compile(r"[^,;。:!?\n]+")
_WINDOW = 16  # characters after (or before) a number that say what it counts

# Status words, most specific first; each a statement that the counted things reached it.
_STATUS_WORDS: list[tuple[re.Pattern[str], TotalKind]] = [
    (re.compile(r"含基本完成|含基本整改到位"), TotalKind.completed_or_basically),
    (re.compile(r"基本完成|基本整改到位"), TotalKind.basically_completed),
    (re.compile(r"未完成|未整改到位|尚未|未完全整改到位"), TotalKind.not_completed),
    (re.compile(r"长期|长效|持续整改|持续推动"), TotalKind.long_term),
    (re.compile(r"阶段性"), TotalKind.partly_completed),
    (re.compile(r"正在|推进中|整改中|持续推进|有序推进"), TotalKind.in_progress),
    (
        re.compile(r"已完成|已经完成|完成整改|整改完成|已整改|已销号|销号|全部完成|整改到位|全部整改"),
        TotalKind.completed,
    ),
]
_NOUNS: list[tuple[re.Pattern[str], TotalKind]] = [
    (re.compile(r"问题线索|线索|信访|办结"), TotalKind.other),
    (re.compile(r"措施"), TotalKind.measures),
    (re.compile(r"方面"), TotalKind.areas),
    (re.compile(r"事项|任务|要求|清单"), TotalKind.tasks),
    (re.compile(r"问题"), TotalKind.problems),
]
_ALL_RE = re.compile(r"全部|均已|均")
# Kinds compared with the record, and which leaf statuses each counts.
_FOUND: dict[TotalKind, tuple[Status, ...]] = {
    TotalKind.completed: (Status.completed,),
    TotalKind.completed_or_basically: (Status.completed, Status.basically_completed),
    TotalKind.basically_completed: (Status.basically_completed,),
    TotalKind.partly_completed: (Status.partly_completed,),
    TotalKind.in_progress: (Status.in_progress,),
    TotalKind.long_term: (Status.long_term,),
    TotalKind.not_completed: (Status.not_completed,),
}


def _first(patterns: list[tuple[re.Pattern[str], TotalKind]], text: str) -> tuple[TotalKind, re.Match[str]] | None:
    for pattern, kind in patterns:
        m = pattern.search(text)
        if m:
            return kind, m
    return None


# Words that name what a number counts when they stand right before it: 问题34个, 已完成整改19个.
_BEFORE_RE = re.compile(r"(?:问题|事项|任务|措施|完成|整改|销号|到位|推进|坚持)(?:共计|共|合计|总计|为|达|了)?$")


def _classify(before: str, after: str, claimed: bool) -> list[tuple[TotalKind, int, int]]:
    """What a number counts, and the stretch of words that says so (negative = before the number):
    the words after it (反馈的25个问题已全部完成) or those right before it (已完成整改19个).
    `claimed`: the next number of the clause takes the status words after this one
    (18个问题中已完成整改15个: 15 are completed, not 18)."""
    tail = before if _BEFORE_RE.search(before) else ""
    found: list[tuple[TotalKind, int, int]] = []
    noun = _first(_NOUNS, after[:8])
    if noun:
        found.append((noun[0], 0, noun[1].end()))
    elif tail and (n := _first(_NOUNS, tail[-6:])):
        found.append((n[0], -(len(tail[-6:]) - n[1].start()), 0))
    if found and found[0][0] != TotalKind.problems:
        return found  # measures, tasks, areas, leads: their completion is not the problems'
    status = None if claimed else _first(_STATUS_WORDS, after)
    if status:
        hit = (status[0], 0, status[1].end())
    elif tail and (st := _first(_STATUS_WORDS, tail[-10:])):
        hit = (st[0], -(len(tail[-10:]) - st[1].start()), 0)
    else:
        return found
    if found and _ALL_RE.search(after):
        return [found[0], hit]  # "25个问题已全部完成整改": how many, and that all of them are done
    return [hit]


def _zones(outline: Outline) -> list[Span]:
    """Where reports declare their totals: the opening, the overview, and the lead-in of the
    details, next-steps and status-group sections (before their first sub-heading)."""
    spans: list[Span] = [outline.opening] if outline.opening else []

    def intro(s: Section) -> Span:
        return Span(start=s.span.start, end=s.children[0].span.start if s.children else s.span.end)

    for s in outline.sections:
        if s.role == SectionRole.overview:
            spans.append(s.span)
        elif s.role in (SectionRole.details, SectionRole.next_steps):
            spans.append(intro(s))
            spans.extend(intro(c) for c in s.children if c.children)
    return spans


_SENTENCE_RE = re.compile(r"[^。;!?\n]+")
_STATUS_KINDS = set(_FOUND)
_SUBJECTS = {TotalKind.problems, TotalKind.tasks, TotalKind.measures, TotalKind.other}


def read_declared_totals(text: str, outline: Outline) -> list[DeclaredTotal]:
    out: list[DeclaredTotal] = []
    seen: set[tuple[int, TotalKind]] = set()
    for zone in _zones(outline):
        for sentence in _SENTENCE_RE.finditer(text, zone.start, zone.end):
            # 查摆举一反三整改事项59个,已完成整改56个: a status count speaks of the sentence's last subject
            subject: TotalKind | None = None
            for clause in _CLAUSE_RE.finditer(text, sentence.start(), sentence.end()):
                counts = list(_COUNT_RE.finditer(text, clause.start(), clause.end()))
                for k, m in enumerate(counts):
                    lo = counts[k - 1].end() if k else clause.start()
                    hi = counts[k + 1].start() if k + 1 < len(counts) else clause.end()
                    after = text[m.end() : min(hi, m.end() + _WINDOW)]
                    before = text[max(lo, m.start() - _WINDOW) : m.start()]
                    claimed = k + 1 < len(counts) and bool(_BEFORE_RE.search(text[m.end() : hi]))
                    for kind, lead, trail in _classify(before, after, claimed):
                        if kind in _SUBJECTS:
                            subject = kind
                        elif kind in _STATUS_KINDS and subject not in (None, TotalKind.problems):
                            kind = subject  # the completion of tasks or measures is not the problems'
                        if (m.start(), kind) not in seen:
                            seen.add((m.start(), kind))
                            out.append(_total(text, m, kind, lead, trail))
        for m in _RATE_RE.finditer(text, zone.start, zone.end):
            if (m.start(), TotalKind.rate) not in seen:
                seen.add((m.start(), TotalKind.rate))
                span = Span(start=m.start(), end=m.end())
                out.append(
                    DeclaredTotal(
                        label="完成率",
                        value=m.group(1),
                        number=float(m.group(1)),
                        unit="%",
                        kind=TotalKind.rate,
                        evidence=Evidence(text=m.group(0), span=span),
                    )
                )
    return sorted(out, key=lambda t: t.evidence.span.start)


def _total(text: str, m: re.Match[str], kind: TotalKind, lead: int, trail: int) -> DeclaredTotal:
    """The count `m` as a declared total; its evidence is the number with the words that class it."""
    if m.group(3):
        value, unit, number = m.group(3), "个", float(cn_to_int(m.group(3).replace("两", "二")))
    else:
        value, unit, number = m.group(1), m.group(2), float(m.group(1))
    span = _evidence_span(text, m.start() + min(lead, 0), m.end() + trail)
    label = (text[span.start : m.start()] + text[m.end() : span.end]).strip(" 余多")
    return DeclaredTotal(
        label=label,
        value=value,
        number=number,
        unit=unit,
        kind=kind,
        evidence=Evidence(text=text[span.start : span.end], span=span),
    )


def _evidence_span(text: str, start: int, end: int) -> Span:
    """The clause piece around a number, trimmed of blanks and enumeration commas."""
    while start < end and text[start] in " \t、":
        start += 1
    while end > start and text[end - 1] in " \t、":
        end -= 1
    return Span(start=start, end=end)


def check_totals(record: SummaryRecord) -> tuple[list[TotalCheck], list[Warning]]:
    """Each declared count of problems, or of problems at a status, against the record's leaves.

    A cut-off page has only part of its problems, so nothing is compared there.
    """
    if record.report.truncated:
        return [], []
    t: Tally = tally(record)
    if not t.problems:
        return [], []
    checks: list[TotalCheck] = []
    warnings: list[Warning] = []
    # Reports break their count down (13个重点问题、30个具体问题、举一反三59个): the first count of
    # problems is the whole, and the status counts that follow it (before the next) speak of it.
    subject: DeclaredTotal | None = None
    first: DeclaredTotal | None = None
    for total in record.overview.declared_totals:
        restated = False
        if total.kind == TotalKind.problems:
            restated = first is not None and total.number == first.number  # the whole counted again
            subject = first if restated else total
            first = first or total
        if total.number is None or subject is not first or restated:
            continue
        if total.kind == TotalKind.problems:
            # the report may count its top-level problems or the sub-problems under them
            found = t.problems if total.number != t.top_level else t.top_level
        elif total.kind in _FOUND:
            found = t.count(*_FOUND[total.kind])
        else:
            continue
        agrees = abs(total.number - found) < 1e-9
        checks.append(
            TotalCheck(
                kind=total.kind,
                declared=total.number,
                found=found,
                agrees=agrees,
                quote=total.evidence.text,
                span=total.evidence.span,
            )
        )
        if not agrees:
            warnings.append(
                Warning(
                    code="declared_total_mismatch",
                    message=f"the report declares {total.evidence.text!r} ({total.kind.value} {total.value}); "
                    f"the record has {found}",
                    span=total.evidence.span,
                )
            )
    return checks, warnings
