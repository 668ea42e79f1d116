"""Give back the line structure a page lost: run-on reports and tables flattened to text.

Some copies hold a whole report in one line (headings, items and labelled fields run on, the
paragraph breaks left as single spaces) and some hold a table as one run of cells. The outline
reads one line as one paragraph, so this pass breaks such lines where the genre's own signals say
a new part starts, and nowhere else:

- only in a text that clearly lacks line structure: heading labels that follow a sentence end
  inside long lines outnumber those that start a line (an ordinary report has none inside);
- a break goes before a heading label (一、 (一) 1. (1) ① 问题1: 整改措施: …) that follows a sentence
  end (。;!?), a space, or the end of a quoted title, and at a space after a sentence end or after a
  short heading, so run-in text like `2020年1.5亿元` or `第1.` is never split;
- a table flattened to text (序号 问题 整改措施 完成情况 1 … 2 …) gets one row per line.

A space that becomes a line break keeps its place; an inserted break maps to the position it was
inserted at, so every offset still leads back to the original.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from zhenggai.ingest.offsets import OffsetMap

_CN = "一二三四五六七八九十"
_NUMBERED = re.compile(rf"[{_CN}]{{1,3}}、|\([{_CN}]{{1,3}}\)|\d{{1,2}}(?:\.(?!\d)|、)|\(\d{{1,2}}\)|[①-⑳]")
_FIELD = re.compile(
    rf"(?:反馈)?问题[{_CN}\d]{{1,3}}[:、.]"
    r"|(?:整改(?:进展|落实)?情况|整改措施|整改成效|整改结果|完成情况|整改时限|责任单位|责任领导|责任人)[:]"
)
_MAJOR = re.compile(rf"[{_CN}]{{1,3}}、|\([{_CN}]{{1,3}}\)|\(\d{{1,2}}\)")
_SENTENCE_END = frozenset("。;!?")
_QUOTE_END = frozenset("”》」』")
_STOPS = re.compile(r"[。;!?]")
LONG_LINE = 200  # a paragraph this long with headings inside it has lost its breaks
SHORT_HEADING = 60
# A table header: 序号 and two or more column names the genre uses.
_COLUMN = re.compile(
    r"(?:反馈|存在|主要)?问题(?:表现|描述|清单)?|整改(?:措施|情况|进展|时限|目标|结果|成效|要求)|"
    r"(?:完成|进展|落实)情况|责任(?:单位|领导|人|部门)|牵头(?:单位|领导)|完成时限|时限|备注|状态"
)
_HEADER = re.compile(r"序号 ")


@dataclass(frozen=True)
class Rebroken:
    text: str
    offsets: OffsetMap  # rebroken text → the text given
    lines_added: int


def _labels(line: str) -> list[re.Match[str]]:
    found = [*_NUMBERED.finditer(line), *_FIELD.finditer(line)]
    return sorted(found, key=lambda m: m.start())


def _break_before(line: str, m: re.Match[str]) -> bool:
    """The label at `m` starts a new part: it follows a sentence end, a space or a quoted title."""
    p = m.start()
    if p == 0:
        return False
    prev = line[p - 1]
    if prev == " ":
        return True
    if prev in _SENTENCE_END:
        return True
    numbered = _NUMBERED.fullmatch(m.group()) is not None
    if prev == ":" and numbered:
        return True
    return prev in _QUOTE_END and _MAJOR.fullmatch(m.group()) is not None


def _inline_labels(line: str) -> int:
    return sum(1 for m in _labels(line) if _break_before(line, m))


def lacks_line_structure(lines: list[str]) -> bool:
    """Headings run on inside long lines outnumber the headings that start a line."""
    inside = sum(_inline_labels(ln) for ln in lines if len(ln) >= LONG_LINE)
    starting = sum(1 for ln in lines if _NUMBERED.match(ln) or _FIELD.match(ln))
    return inside >= 2 and inside > starting


def _run_on_breaks(line: str) -> tuple[set[int], set[int]]:
    """(spaces to turn into line breaks, positions to insert one before) in a run-on line."""
    spaces: set[int] = set()
    inserts: set[int] = set()
    for m in _labels(line):
        if _break_before(line, m):
            p = m.start()
            if line[p - 1] == " ":
                spaces.add(p - 1)
            else:
                inserts.add(p)
    pending = sorted(inserts)
    j, seg_start = 0, 0
    for k, ch in enumerate(line):
        while j < len(pending) and pending[j] <= k:
            seg_start = pending[j]
            j += 1
        if ch != " ":
            continue
        before = line[k - 1] if k else ""
        if before in _SENTENCE_END or (before in _QUOTE_END and k > 1 and line[k - 2] in _SENTENCE_END):
            spaces.add(k)
        elif (
            k - seg_start <= SHORT_HEADING
            and _NUMBERED.match(line, seg_start)
            and not _STOPS.search(line, seg_start, k)
        ):
            spaces.add(k)  # a short heading's title ends here: 一、整改工作组织领导情况 中心党委…
        if k in spaces:
            seg_start = k + 1
    return spaces, inserts


def _tokens(line: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for part in line.split(" "):
        out.append((pos, part))
        pos += len(part) + 1
    return out


def _table_breaks(line: str) -> set[int]:
    """Spaces before each row of a flattened table: 序号 问题 整改措施 完成情况 1 … 2 … 3 …"""
    spaces: set[int] = set()
    tokens = _tokens(line)
    heads = [k for k, (_s, t) in enumerate(tokens) if t == "序号"] + [len(tokens)]
    for h, stop in itertools.pairwise(heads):
        columns = 1
        while h + columns < stop and _COLUMN.fullmatch(tokens[h + columns][1]):
            columns += 1
        if columns < 3:
            continue
        expected, since = 1, 0
        for start, token in tokens[h + columns : stop]:
            if token == str(expected) and (expected == 1 or since >= columns - 1):
                spaces.add(start - 1)
                expected, since = expected + 1, 0
            else:
                since += 1
        if expected > 2 and tokens[h][0] > 0:
            spaces.add(tokens[h][0] - 1)  # the table starts on its own line
    return spaces


def rebreak(text: str) -> Rebroken:
    """`text` with line breaks where its lines ran parts of the report together."""
    lines = text.split("\n")
    run_on = lacks_line_structure(lines)
    out: list[str] = []
    omap = OffsetMap()
    omap.add_run(0, 0)
    length, base, added = 0, 0, 0  # length of the output so far; start of `line` in `text`
    for k, line in enumerate(lines):
        if k:
            out.append("\n")
            length += 1
        spaces = _table_breaks(line) if "序号 " in line else set()
        inserts: set[int] = set()
        if run_on and len(line) >= LONG_LINE:
            more, inserts = _run_on_breaks(line)
            spaces |= more
        chars = list(line) if spaces else line
        for p in spaces:
            chars[p] = "\n"
        pos = 0
        for p in sorted(inserts):
            out.append("".join(chars[pos:p]))
            length += p - pos
            omap.add_run(length, base + p)  # the inserted break maps to where it was inserted
            out.append("\n")
            length += 1
            omap.add_run(length, base + p)
            pos = p
        out.append("".join(chars[pos:]))
        length += len(line) - pos
        added += len(spaces) + len(inserts)
        base += len(line) + 1
    result = "".join(out)
    omap.dst_length = len(result)
    omap.src_length = len(text)
    return Rebroken(text=result, offsets=omap, lines_added=added)
