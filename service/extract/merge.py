"""Merge judged units into the report's problem tree, keeping the report's own numbering paths.

A problem's measures are its measure-kind sub-units, the 一是/二是 items of its own text, or,
when it has neither, its own paragraphs. Figures are found in that text, never by the model.
"""

from __future__ import annotations

import re

from zhenggai.extract.figures import find_figures
from zhenggai.extract.judge import Judged
from zhenggai.extract.sentences import first_clause, split_sentences
from zhenggai.schemas.record import Evidence, Figure, Measure, Problem, Span
from zhenggai.structure.signals import NON_MEASURE_FIELDS, field_at, head_status, whole_problem_status

_BOILERPLATE_RE = re.compile(
    r"[。,:;”的问题 ]*(?:进行了以下整改|进行了整改|整改如下|采取了以下措施|采取以下措施)?[。,:;]*"
)


def _ev(text: str, span: Span) -> Evidence:
    return Evidence(text=text[span.start : span.end], span=span)


def _measure(text: str, span: Span) -> Measure:
    sentences = split_sentences(text, span.start, span.end)
    first = sentences[0] if sentences else None
    ev_span = Span(start=first.start, end=first.end) if first else span
    return Measure(
        text=first_clause(text[ev_span.start : ev_span.end]),
        evidence=_ev(text, ev_span),
        figures=find_figures(text, span.start, span.end),
    )


def _own_measures(text: str, j: Judged) -> list[Measure]:
    u = j.unit
    if u.enumerations:
        return [_measure(text, s) for s in u.enumerations]
    out = []
    for part in u.own:
        start = max(part.start, u.title_span.end)
        # skip the rest of the heading line up to its full stop, and "进行了以下整改。"
        if start == u.title_span.end:
            start += _BOILERPLATE_RE.match(text, start).end() - start
        pos = start
        for k, line in enumerate(text[start : part.end].split("\n")):
            if "\t" in line:  # a table row's cells (ingest/linebreaks.py): the measures are cells of words
                out += [_measure(text, Span(start=a, end=b)) for a, b in _measure_cells(text, pos, line)]
                pos += len(line) + 1
                continue
            # the rest of a heading line ("着重从两个方面抓好整改。") is not a measure unless it says more
            on_heading = k == 0 and part.start <= u.title_span.start
            skip = _field_skip(line) if not _status_only(line) else None
            body = line[skip:] if skip is not None else ""
            if body.strip() and len(body.strip()) > (20 if on_heading else 6):
                for a, b in _inline_items(text, pos + skip, pos + len(line)):
                    out += [_measure(text, Span(start=x, end=y)) for x, y in _semicolon_parts(text, a, b)]
            pos += len(line) + 1
    return out


# 1.… 2.… or (1)…(2)… after a stop, a space or a field label (整改措施:1.…;2.…), or ①…②…
_INLINE_ITEM_RE = re.compile(
    r"(?:^|(?<=[;。,: \t\n]))(?:(\d{1,2})[.、](?=[\u4e00-\u9fff《“])|([①-⑳])|\((\d{1,2})\)(?=[\u4e00-\u9fff《“]))"
)


# A cell that is a deadline, not a measure: 2025年1月, 2024年12月31日前, 长期坚持, 立行立改.
_DEADLINE_CELL_RE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:前|底|内)?|长期坚持|立行立改|持续推进|长期")


def _measure_cells(text: str, pos: int, line: str) -> list[tuple[int, int]]:
    """The measures among a table row's cells: those of more than a few words that are neither a
    status (已完成), a deadline nor a name."""
    out: list[tuple[int, int]] = []
    at = pos
    for cell in line.split("\t"):
        words = cell.strip()
        if len(words) > 6 and head_status(words) is None and not _DEADLINE_CELL_RE.fullmatch(words):
            out += _inline_items(text, at, at + len(cell))
        at += len(cell) + 1
    return out


def _inline_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A line's measures: its run of 1.…;2.…;3.… or ①…②… items (a table cell, a field, a run-in
    list), else the line."""
    marks: list[int] = []
    first = 0
    for m in _INLINE_ITEM_RE.finditer(text, start, end):
        digits = m.group(1) or m.group(3)
        n = int(digits) if digits else ord(m.group(2)) - ord("①") + 1
        # a circled run may go on from the item the line belongs to (①… as a heading, ②③ in its text)
        if n == (first or 1) + len(marks) or (not marks and m.group(2)):
            first = first or n
            marks.append(m.start())
    if len(marks) < 2 and not (marks and first > 1):
        return [(start, end)]
    cuts = [*marks, end]
    head = [(start, marks[0])] if text[start : marks[0]].strip() else []
    return head + [(cuts[k], cuts[k + 1]) for k in range(len(marks))]


# a sentence that adds another piece of work: 。同时,建立… / 。此外,对… / 。另外,与…
_ALSO_RE = re.compile(r"(?<=。)(?:同时|此外|另外|与此同时)[,:]?")


def _semicolon_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A measure line's parts at its semicolons before the first full stop (开展…清理;建立…机制。)
    and at each sentence that adds more work (。同时,建立…): one measure each; a part too short to
    be work (…;等) stays with the one before it."""
    stop = text.find("。", start, end)
    cuts = [k + 1 for k in range(start, stop if stop >= 0 else end) if text[k] == ";"]
    also = {m.start(): m.end() for m in _ALSO_RE.finditer(text, start, end)}
    cuts = sorted({*cuts, *(k for k in also if k > start)})
    parts: list[tuple[int, int]] = []
    for a, b in zip([start, *cuts], [*cuts, end], strict=True):
        if parts and len(text[a:b].strip(" ;。")) < 6:
            parts[-1] = (parts[-1][0], b)
        else:
            parts.append((min(also.get(a, a), b), b))  # the measure starts past 同时,
    return parts


def _status_only(line: str) -> bool:
    """A line that only tells where the problem stands (目前,该问题已完成整改。): no measure."""
    sentences = [x for x in re.split(r"(?<=[。;])", line.strip()) if x.strip()]
    # short: a sentence that also tells work done (专项清查已完成,…,此项工作长期坚持。) holds a measure
    return bool(sentences) and all(len(x) <= 20 and whole_problem_status(x.strip()) is not None for x in sentences)


def _field_skip(line: str) -> int | None:
    """Where a line's measures start past its field label and status words (整改情况:已完成整改。修订…);
    None for a field that holds no measures (整改时限: / 责任单位: / 完成情况:已完成)."""
    m = field_at(line)
    if m is None:
        return 0
    if m.group(1).startswith(NON_MEASURE_FIELDS):
        return None
    pos = m.end()
    if head_status(line[pos:]) is not None:
        stop = line.find("。", pos)
        if stop < 0:
            return None
        pos = stop + 1
    return pos


def merge_units(text: str, judged: list[Judged]) -> list[Problem]:
    """Build the problem tree.

    Units are taken in document order and a parent is the latest unit seen at its path, so a
    label the report repeats (two "(2)") still hands each child to the heading it follows.
    """
    latest: dict[str, Judged] = {}
    problems: dict[int, Problem] = {}  # by unit id
    roots: list[Problem] = []

    def nearest(path: str, kind: str) -> Judged | None:
        parent = latest.get(path)
        while parent is not None:
            if parent.kind == kind:
                return parent
            parent = latest.get(parent.unit.parent_path)
        return None

    for j in sorted(judged, key=lambda j: j.unit.id):
        u = j.unit
        owner = nearest(u.parent_path, "problem")
        latest[u.path] = j
        if j.kind == "measure":
            # a measure group becomes measures of its problem: its heading, then its own items
            if owner is not None and owner.unit.id in problems:
                target = problems[owner.unit.id]
                figures = find_figures(text, u.title_span.start, u.title_span.end)
                target.measures.append(Measure(text=u.title, evidence=_ev(text, u.title_span), figures=figures))
                target.measures.extend(_own_measures(text, j))
            continue
        if j.kind != "problem":
            continue
        area = nearest(u.parent_path, "area")
        status_ev = _ev(text, j.evidence) if j.evidence is not None else None
        measures = _own_measures(text, j)
        in_measures = {(f.evidence.span.start, f.evidence.span.end) for m in measures for f in m.figures}
        figures: list[Figure] = [
            f
            for part in u.own
            for f in find_figures(text, part.start, part.end)
            if (f.evidence.span.start, f.evidence.span.end) not in in_measures
            and f.evidence.span.start >= u.title_span.end
        ]
        p = Problem(
            path=u.path,
            area=area.unit.title if area else "",
            title=u.title,
            evidence=_ev(text, u.title_span),
            status=j.status,
            status_evidence=status_ev,
            status_scope=j.scope,
            measures=measures,
            figures=figures,
        )
        problems[u.id] = p
        if owner is not None and owner.unit.id in problems:
            problems[owner.unit.id].children.append(p)
        else:
            roots.append(p)
    return roots
