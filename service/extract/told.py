"""Statuses the structure tells a problem, before and beside the model's judgement.

Its own status field (整改结果:已完成 / 完成情况:已完成 / a table's status cell), the status group
heading above it (一、已完成整改的问题), and a sentence that covers its section or the whole
report (反馈的25个问题已全部完成整改), each with its sentence and the scope that sentence covers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from zhenggai.extract.instructions import looks_like_instruction
from zhenggai.extract.sentences import split_sentences
from zhenggai.schemas.document import Outline
from zhenggai.schemas.record import SectionRole, Span, Status, StatusScope
from zhenggai.structure.signals import (
    STATUS_FIELDS,
    clause_status,
    covering_status,
    field_at,
    head_status,
    status_group,
    status_head,
    status_tail,
)

if TYPE_CHECKING:
    from zhenggai.extract.units import Unit


class StatusTold(BaseModel):
    """A status told outside the model's judgement, with its sentence and what that sentence covers."""

    status: Status
    span: Span
    scope: StatusScope
    source: str = Field(description="'field' (整改结果:已完成), 'group' (已完成整改的问题), 'cover' (…已全部完成整改)")


def subtract(span: Span, holes: list[Span]) -> list[Span]:
    out, pos = [], span.start
    for h in sorted(holes, key=lambda s: s.start):
        if h.start > pos:
            out.append(Span(start=pos, end=h.start))
        pos = max(pos, h.end)
    if pos < span.end:
        out.append(Span(start=pos, end=span.end))
    return out


def _field_status(text: str, parts: list[Span]) -> StatusTold | None:
    """A status field of the unit's own text: 整改结果:已整改完成 / 完成情况:已完成 / 整改情况:已完成整改。…,
    or the last cell of a flattened table row (…<TAB>已完成)."""
    for part in parts:
        for line_start, line in _lines(text, part):
            cells = line.rstrip().replace("\t", " ").rsplit(" ", 1)
            cell = cells[-1].strip() if len(cells) == 2 else ""
            # a short last word, or a table's last cell (after a tab) with a few words of what remains
            limit = 30 if "\t" in line and line.rstrip().rsplit("\t", 1)[-1].strip() == cell else 12
            if cell and len(cell) <= limit and (status := head_status(cell)) is not None:
                at = line_start + line.rindex(cell)
                span = Span(start=at, end=at + len(cell))
                return StatusTold(status=status, span=span, scope=StatusScope.own, source="field")
    for part in parts:
        for sent in split_sentences(text, part.start, part.end):
            # a field opens the sentence, or follows another one on its line after a space
            # (整改时限:2024年7月底前 整改进展:已完成。)
            for at in [0, *(k + 1 for k, ch in enumerate(sent.text) if ch in " \t")]:
                m = field_at(sent.text, at)
                if m is None or not m.group(1).startswith(STATUS_FIELDS):
                    continue
                status = head_status(sent.text[m.end() :]) or clause_status(sent.text[m.end() :])
                if status is not None:
                    span = Span(start=sent.start + at, end=sent.end)
                    return StatusTold(status=status, span=span, scope=StatusScope.own, source="field")
    return None


def _heading_status(text: str, unit: Unit) -> StatusTold | None:
    """A status the heading's own line closes with, in brackets: 1.…流于形式(已完成), or opens
    with after its label: 1.【已办结】科普阵地…."""
    start = text.rfind("\n", 0, unit.title_span.start) + 1
    end = text.find("\n", unit.title_span.start)
    end = len(text) if end < 0 else end
    return _bracketed(text, start, end, status_head) or _bracketed(text, start, end, status_tail)


def _closing_tag(text: str, unit: Unit) -> StatusTold | None:
    """A status tag closing the unit's last line: …召开村民代表会议解答群众疑问3次。(已整改)."""
    if not unit.own:
        return None
    last = unit.own[-1]
    start = max(text.rfind("\n", last.start, last.end) + 1, last.start, unit.title_span.end)
    return _bracketed(text, start, start + len(text[start : last.end].rstrip()), status_tail)


def _bracketed(
    text: str, start: int, end: int, read: Callable[[str], tuple[Status, int, int] | None]
) -> StatusTold | None:
    """The bracketed status `read` (signals.status_head / status_tail) finds in `text[start:end]`,
    as the unit's own."""
    found = read(text[start:end])
    if found is None:
        return None
    status, a, b = found
    return StatusTold(status=status, span=Span(start=start + a, end=start + b), scope=StatusScope.own, source="field")


def _lines(text: str, part: Span) -> list[tuple[int, str]]:
    out, pos = [], part.start
    for line in text[part.start : part.end].split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _covered(count: int | None, units: list[Unit], prefix: str) -> set[str] | None:
    """The problems a covering sentence counts, among the open units under `prefix` ('' = all).

    Uncounted (以上/所有) or counting every leaf problem there, or more: all of them. Counting fewer: the
    items numbered 1…N when the report numbers exactly those N and numbers others on after them
    (30个具体问题 = items 1.-30., then 31.-70. of another kind). Otherwise it does not say which.
    """
    inside = [u for u in units if not u.prior and (not prefix or f"{u.path}.".startswith(prefix + "."))]
    parents = {u.parent_path for u in inside}
    leaves = [u for u in inside if u.path not in parents]
    if count is None or count >= len(leaves):
        # counting at least every leaf seen (a page cut before the rest, or problems the report
        # counts finer than it lists): every one of them is among those it counts
        return {u.path for u in inside}
    numbered = [u for u in inside if u.label.isdigit() and 1 <= int(u.label) <= count]
    if len(numbered) == count and {int(u.label) for u in numbered} == set(range(1, count + 1)):
        heads = {u.path for u in numbered}
        return {u.path for u in inside if any(u.path == h or u.path.startswith(h + ".") for h in heads)}
    return None


def _covering(
    text: str, parts: list[Span], scope: StatusScope, units: list[Unit], prefix: str, *, back: bool = False
) -> tuple[StatusTold, set[str]] | None:
    """A sentence giving every problem it covers one status (反馈的25个问题已全部完成整改), with the
    problems it covers."""
    for part in parts:
        for sent in split_sentences(text, part.start, part.end):
            if back and not sent.text.startswith(("以上", "上述")):
                continue  # after the last item, only a sentence that looks back covers them all
            found = None if looks_like_instruction(sent.text) else covering_status(sent.text)
            if found is None:
                continue
            covered = _covered(found[1], units, prefix)
            if covered:
                span = Span(start=sent.start, end=sent.end)
                if covered == {u.path for u in units if not u.prior}:
                    scope = StatusScope.report  # the details' opening words about every problem
                return StatusTold(status=found[0], span=span, scope=scope, source="cover"), covered
    return None


def attach_told(text: str, outline: Outline, units: list[Unit]) -> None:
    """Statuses the structure tells each problem-like unit: its own status field, the status group
    heading above it, and a sentence covering its section or the whole report."""
    report_parts = [outline.opening] if outline.opening else []
    report_parts += [s.span for s in outline.sections if s.role == SectionRole.overview]
    covers: list[tuple[StatusTold, set[str]]] = []  # most specific last
    found = _covering(text, report_parts, StatusScope.report, units, "")
    if found is not None:
        covers.append(found)
    for top in outline.sections:
        if top.role != SectionRole.details:
            continue
        # sections whose problems are not headings: 针对“…”问题 paragraphs (#k), 一是/二是 items
        unnumbered = {u.path.rsplit(".", 1)[0] for u in units if u.label.startswith("#") or u.label.endswith("是")}
        for s in top.walk():
            # a section holds problems as sub-headings, or as unnumbered 针对“…”问题 paragraphs
            if s.children or s.path in unnumbered:
                own = subtract(s.span, [c.span for c in s.children])
                found = _covering(text, own, StatusScope.section, units, s.path)
                last = s.children[-1] if s.children else None
                if found is None and last is not None and not last.children:
                    # "以上3个具体问题已全部完成整改。" after the last item is read into that item's text
                    tail = Span(start=last.title_span.end, end=last.span.end)
                    found = _covering(text, [tail], StatusScope.section, units, s.path, back=True)
                if found is not None:
                    covers.append(found)
    by_path = {u.path: u for u in units}
    for u in units:
        if u.prior:
            continue
        field = _field_status(text, u.own) or _heading_status(text, u) or _closing_tag(text, u)
        if field is not None:
            u.told.append(field)
        parent = by_path.get(u.parent_path)
        while parent is not None:
            status = status_group(parent.heading) if parent.prior == "group" else None
            if status is not None:
                u.told.append(
                    StatusTold(status=status, span=parent.title_span, scope=StatusScope.group, source="group")
                )
                break
            parent = by_path.get(parent.parent_path)
        cover = next((t for t, paths in reversed(covers) if u.path in paths), None)
        if cover is not None:
            u.told.append(cover)
