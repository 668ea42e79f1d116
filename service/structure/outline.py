"""Read a report's own numbered structure into a tree of sections with exact spans.

Headings are recognised by their labels (numbering.py) and nested by label style in the usual
order 一、 > (一) > 1. > (1) > ①; a level missing in one branch simply nests the next style
directly. Numbering that skips, repeats or restarts is kept as written and noted.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from zhenggai.ingest.debris import Line, Lines, find_debris, split_lines
from zhenggai.ingest.gcpause import gc_paused
from zhenggai.ingest.trusted import from_fields, span, trusted
from zhenggai.schemas.document import DebrisKind, Enumeration, NumberingKind, Outline, OutlineWarning, Section
from zhenggai.structure.numbering import RANK, Label, find_enumerations, match_label
from zhenggai.structure.quiet import quiet_lines
from zhenggai.structure.roles import assign_roles
from zhenggai.structure.signals import field_at
from zhenggai.structure.titles import title_end
from zhenggai.vocab.roles import SectionRole
from zhenggai.vocab.spans import Span

_TITLE_WORDS = re.compile(r"通报|情况|公告|公布|报告")
# A sentence of the opening, not a title: 截止6月6日,…已完成2件,主要情况如下:
_NOT_TITLE_START = re.compile(r"^(?:根据|按照|截至|截止|经过|为了|自)")
_CLOSING_START = re.compile(r"^欢迎.{0,40}(?:监督|反映|意见)")
_CLOSING_KINDS = {
    DebrisKind.contact,
    DebrisKind.signature,
    DebrisKind.signature_date,
    DebrisKind.keywords,
    DebrisKind.footer,
    DebrisKind.page_menu,
}


# The most headings one outline reads: three times what the largest real report holds (well
# under 2,000; the seeds 57-100) and above the 5,792 of bench_parse's 5.7 MB file of 20 reports
# run together. Each heading costs about 1.4 kB as contract models (a `Section`, its two `Span`s,
# lists and strings), so a text of nothing but labels (one every 8 bytes) cost 170x its size in
# memory and several seconds a MB before this cap (README, bench_parse).
MAX_HEADINGS = 6_000


class _Node:
    __slots__ = ("children", "end", "label", "line", "own_lines", "rank", "section_fields")

    def __init__(self, label, line: Line, rank: int) -> None:
        self.label = label
        self.line = line
        self.rank = rank
        self.end = line.end
        self.children: list[_Node] = []
        self.own_lines: list[Line] = [line]


def _find_title(lines: Lines, skip: set[int]) -> int | None:
    for k, line in enumerate(lines[:12]):
        if k in skip or not line.text:
            continue
        if match_label(line.text):
            return None
        if (
            len(line.text) <= 100
            and _TITLE_WORDS.search(line.text)
            and not (">" in line.text and "关于" not in line.text)  # a breadcrumb: 首页 > 通知公告
            and not line.text.endswith(("。", ":"))
            and not _NOT_TITLE_START.match(line.text)
        ):
            return k
        if len(line.text) > 100:
            return None
    return None


def _closing_start(lines: Lines, kinds: dict[int, DebrisKind]) -> int:
    k = len(lines)
    while k > 0:
        line = lines[k - 1]
        if not line.text or kinds.get(k - 1) in _CLOSING_KINDS or _CLOSING_START.match(line.text):
            k -= 1
            continue
        break
    return k


def _to_section(node: _Node, parent_path: str, level: int) -> Section:
    """The section of a node and its subtree; iterative, so any depth of nesting is safe.

    Every value is computed here from the lines (offsets in order, enums from the label table),
    so the models are built without re-validating them (`trusted`): one heading every few bytes
    made validation most of the outline's time.
    """
    root = _section(node, parent_path, level)
    todo = [(node, root)]
    while todo:
        n, sec = todo.pop()
        children = sec.children
        for child in n.children:
            c = _section(child, sec.path, sec.level + 1)
            children.append(c)
            todo.append((child, c))
    return root


def _section(node: _Node, parent_path: str, level: int) -> Section:
    text = node.line.text
    label = node.label
    start = label.length
    end, run_in = title_end(text, start)
    path = f"{parent_path}.{label.label}" if parent_path else label.label
    line_start = node.line.start
    enumerations: list[Enumeration] = []
    for line in node.own_lines:
        body_from = end if line is node.line else 0
        if "是" not in line.text:
            continue
        body = line.text[body_from:] if body_from else line.text
        for name, number, s, e in find_enumerations(body, line.start + body_from):
            enumerations.append(trusted(Enumeration, label=name, number=number, span=span(s, e)))
    # every field, in the model's order (`from_fields`)
    return from_fields(
        Section,
        {
            "label": label.label,
            "kind": label.kind,
            "number": label.number,
            "path": path,
            "level": level,
            "title": text[start:end].strip(),
            "title_span": span(line_start + start, line_start + end),
            "run_in": run_in,
            "span": span(line_start, node.end),
            "role": SectionRole.other,
            "numbering_note": "",
            "enumerations": enumerations,
            "children": [],
        },
    )


def _note_numbering(sections: list[Section], warnings: list[OutlineWarning], last_seen: dict) -> None:
    prev: dict[NumberingKind, int] = {}
    for s in sections:
        before = prev.get(s.kind)
        if before is None:
            if s.number != 1:
                carried = last_seen.get(s.kind)
                s.numbering_note = "continued" if carried is not None and s.number == carried + 1 else "skip"
        elif s.number == before:
            s.numbering_note = "repeat"
        elif s.number > before + 1:
            s.numbering_note = "skip"
        elif s.number < before:
            s.numbering_note = "restart"
        if s.numbering_note in {"repeat", "skip", "restart"}:
            warnings.append(
                trusted(
                    OutlineWarning,
                    code=f"numbering_{s.numbering_note}",
                    message=f"{s.path}: label {s.label} after {before if before is not None else 'none'}",
                    span=s.title_span,
                )
            )
        prev[s.kind] = s.number
        last_seen[s.kind] = s.number
        _note_numbering(s.children, warnings, last_seen)


def _split_nested(line: Line) -> list[tuple[Line, Label | None]]:
    """ "(一)关于…方面。1、针对…问题。一是…": a deeper heading run into a heading's line starts its own,
    and so does the next sibling run in after a sentence ((1)开展….(2)建立….).

    Each piece comes with its label, so no line is matched twice.
    """
    pieces: list[tuple[Line, Label | None]] = []
    label = match_label(line.text)
    while label is not None:
        end, run_in = title_end(line.text, label.length)
        if not run_in:
            break
        cut = end + 1
        while cut < len(line.text) and line.text[cut] == " ":
            cut += 1
        inner = match_label(line.text[cut:])
        # deeper, or the next sibling run in after a full sentence: (1)开展….(2)建立…
        sibling = inner is not None and inner.kind == label.kind and inner.number == label.number + 1
        if inner is None or (RANK[inner.kind] <= RANK[label.kind] and not sibling):
            break
        pieces.append((Line(line.start, line.start + end + 1, line.text[: end + 1]), label))
        line = Line(line.start + cut, line.end, line.text[cut:])
        label = inner
    pieces.append((line, label))
    return pieces


def _continues(label, stack: list[_Node]) -> bool:
    """A label numbered below its previous sibling (and not 1) continues that sibling's text."""
    rank = RANK[label.kind]
    for node in reversed(stack):
        if node.label.kind == label.kind:
            return 1 < label.number < node.label.number and node.rank == rank
        if node.rank < rank:
            return False
    return False


class _Cap:
    """The heading cap, and the first heading read as plain text once it is passed."""

    __slots__ = ("limit", "made", "past")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.made = 0
        self.past: Line | None = None


def _body(lines: Lines, ks: range, skip: set[int], cap: _Cap) -> Iterator[tuple[Line, Label | None]]:
    """The body's paragraphs with their labels, a run-in deeper heading split off as its own
    piece; once the cap is passed, paragraphs come without one (no label read)."""
    for k in ks:
        if cap.past is not None:  # the rest is plain text: only the lines that change anything
            yield from ((line, None) for line in quiet_lines(lines, k, ks.stop, skip))
            return
        line = lines[k]
        if k in skip or not line.text:
            continue
        yield from _split_nested(line)


# label kinds ranked by the heading they follow, not by a fixed depth
_RELATIVE = (NumberingKind.problem_label, NumberingKind.ordinal)


@gc_paused
def parse_outline(text: str, *, max_headings: int = MAX_HEADINGS) -> Outline:
    """The outline of a normalised report text (see `zhenggai.ingest.normalize`).

    At most `max_headings` headings are read (far more than any report holds); past them the
    text stays in the outline as plain text of the section before, with one warning, so a text
    that is nothing but labels costs no more than any other text of its size.
    """
    lines = split_lines(text)
    debris = find_debris(text, lines)
    kinds = {bisect_left(lines.starts, d.span.start): d.kind for d in debris}  # a debris line is never empty
    skip = set(kinds)

    title_k = _find_title(lines, skip)
    closing_k = _closing_start(lines, kinds)
    body_from = title_k + 1 if title_k is not None else 0

    roots: list[_Node] = []
    stack: list[_Node] = []
    opening: list[Line] = []
    cap = _Cap(max_headings)
    field_anchor: _Node | None = None
    for line, label in _body(lines, range(body_from, closing_k), skip, cap):
        if label is not None and _continues(label, stack):
            label = None  # "3.…" after item 8: a wrapped line of a flattened table cell, not item 3
        if label is not None:
            if cap.made >= cap.limit:
                cap.past, label = cap.past or line, None
            else:
                cap.made += 1
        if label is None:
            if stack and field_at(line.text):
                # 整改措施: 1.… 2.… then 整改成效: / 责任单位:: the fields after the numbered items
                # belong to the heading the first field followed, not to the last item.
                if field_anchor is not None and field_anchor in stack:
                    while stack[-1] is not field_anchor:
                        stack.pop()
                else:
                    field_anchor = stack[-1]
            if stack:
                if "是" in line.text:  # all a section reads of its own lines: 一是… 二是…
                    stack[-1].own_lines.append(line)
                for node in stack:
                    node.end = line.end
            else:
                opening.append(line)
            continue
        rank = RANK[label.kind]
        if label.kind in _RELATIVE:
            # 问题1: / 第一, nests under whatever heading it follows (an area 一、/(一)/1.…方面), and
            # its own items (1./(1)) nest under it; the next 问题2: / 第二, closes the previous one.
            if any(n.label.kind == label.kind for n in stack):
                while stack[-1].label.kind != label.kind:
                    stack.pop()
                stack.pop()
            rank = (stack[-1].rank if stack else -1) + 0.5
        while stack and stack[-1].rank >= rank:
            stack.pop()
        node = _Node(label, line, rank)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
        for n in stack:
            n.end = line.end

    sections = [_to_section(n, "", 1) for n in roots]
    warnings: list[OutlineWarning] = []
    _note_numbering(sections, warnings, {})
    assign_roles(sections)
    if not sections:
        warnings.append(OutlineWarning(code="no_headings", message="no numbered headings found"))
    past_cap = cap.past
    if past_cap is not None:
        warnings.append(
            OutlineWarning(
                code="headings_capped",
                message=f"more than {max_headings:,} headings (a report holds a few hundred): from the one at "
                f"offset {past_cap.start} on, the text is kept as plain text of the section before it",
                span=Span(start=past_cap.start, end=past_cap.end),
            )
        )

    title_line = lines[title_k] if title_k is not None else None
    closing = None
    if closing_k < len(lines):
        tail = [ln for ln in lines[closing_k:] if ln.text]
        if tail:
            closing = Span(start=tail[0].start, end=tail[-1].end)
    return Outline(
        title=title_line.text if title_line else "",
        title_span=Span(start=title_line.start, end=title_line.end) if title_line else None,
        opening=Span(start=opening[0].start, end=opening[-1].end) if opening else None,
        closing=closing,
        sections=sections,
        debris=debris,
        warnings=warnings,
    )
