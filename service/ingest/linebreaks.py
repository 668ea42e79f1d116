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
- a table flattened to text (序号 问题 整改措施 完成情况 1 … 2 …) gets one row per line, and so
  does one copied a cell per line (序号 问题 …, then `1`, its cells, `2`, …): each row's cells are
  run into one line, a tab between cells (each break becomes one character, so nothing moves).

A space that becomes a line break keeps its place; an inserted break maps to the position it was
inserted at, so every offset still leads back to the original.
"""

from __future__ import annotations

import itertools
import operator
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from zhenggai.ingest.offsets import OffsetMap

_CN = "一二三四五六七八九十"
_NUMBERED = re.compile(
    rf"[{_CN}]{{1,3}}、|\([{_CN}]{{1,3}}\)|\d{{1,2}}(?:\.(?!\d)|、)|\(\d{{1,2}}\)|[①-⑳]"
    r"|\d{1,2}-\d{1,2}(?= [\u4e00-\u9fff])"  # 1-2 对…: an item numbered within its area
)
_FIELD = re.compile(
    rf"(?:反馈)?问题[{_CN}\d]{{1,3}}[:、.]"
    r"|(?:整改(?:进展|落实)?情况|整改措施|整改举措|整改成效|整改结果|整改状态|完成情况|整改时限|责任单位|责任领导|责任人"
    r"|问题描述|问题表现|目前进展)[:]"
)
# `1.关于“…”` / `(一)关于…` run on after a heading without any stop: 方面1.关于 (not 第1.关于, 1.1.关于).
_ITEM_AFTER_TITLE = re.compile(rf"(?<=[\u4e00-\u9fff])(?<!第)(?:\d{{1,2}}\.|\([{_CN}]{{1,3}}\))(?=关于|针对)")
# In the head of a run-on page: the source line and the opening sentence (根据…统一部署).
_HEAD_PARTS = re.compile(
    r"发布(?:日期|时间)[:]|(?:信息|文章)?来源[:]|(?:浏览|访问|阅读|点击)(?:次数|量)?[:]|字号[:]|【字体|"
    r"(?:根据|按照)[^。,;.]{1,24}?(?:统一部署|统一安排|工作部署|工作安排|有关要求)"
)
# The title after a breadcrumb, only where a space sets it apart: 巡察工作 中共…关于…的通报
_HEAD_TITLE = re.compile(r"(?<= )(?:中共|中国共产党)[^\s。,;]{2,30}?关于[^\s。,;]{2,60}?(?:通报|公告|公示)")
HEAD = 400
# The closing: 欢迎…监督 and the signature with its date run on at the end.
_CLOSING = re.compile(r"欢迎[^。;.]{0,40}?(?:监督|反映|意见)|联系(?:电话|方式)[:]")
_SIGNED_END = re.compile(
    r"((?:中共|中国共产党)?[^\s,。;:.]{2,30}?(?:委员会|党委|党组|党工委|工委|人民政府))? ?(\d{4}年\d{1,2}月\d{1,2}日)$"
)
_CN_NUMERAL = frozenset(_CN)
_MAJOR = re.compile(rf"[{_CN}]{{1,3}}、|\([{_CN}]{{1,3}}\)|\(\d{{1,2}}\)")
_SENTENCE_END = frozenset("。;!?")
_QUOTE_END = frozenset("”》」』")
_STOPS = re.compile(r"[。;!?]")
LONG_LINE = 200  # a paragraph this long with headings inside it has lost its breaks
SHORT_HEADING = 60
MAX_ROW_TOKENS = 60  # cells of one table row, at most
# A table header: 序号 and two or more column names the genre uses.
_COLUMN = re.compile(
    r"(?:反馈|存在|主要)?问题(?:表现|描述|清单)?|(?:主要)?整改(?:措施|举措|情况|进展|时限|目标|结果|成效|要求|状态)|"
    r"(?:完成|进展|落实)情况|责任(?:单位|领导|人|部门)|牵头(?:单位|领导)|完成时限|时限|备注|状态"
)
_SPACE = re.compile(" ")


@dataclass(frozen=True)
class Rebroken:
    text: str
    offsets: OffsetMap  # rebroken text → the text given
    lines_added: int
    twin: str | None = None  # the same breaks made in a same-length twin text (the original script)


def _labels(line: str) -> Iterator[re.Match[str]]:
    """Every label in `line`, in order, one at a time: a run-on line of megabytes holds hundreds
    of thousands, and a list of their match objects was most of the stage's memory. Not in the
    line's order (each reader only counts them or collects their places; a merge by position was
    a third of a run-on line's time)."""
    return itertools.chain(_NUMBERED.finditer(line), _FIELD.finditer(line), _CLOSING.finditer(line))


def _sentence_end(line: str, k: int) -> bool:
    """`line[k]` ends a sentence: 。;!? or an ASCII full stop after a Chinese word (整改.二、), not
    a decimal point (41.7) or a label's dot (二.)."""
    ch = line[k]
    if ch in _SENTENCE_END:
        return True
    if ch != "." or k == 0:
        return False
    prev = line[k - 1]
    return ("\u4e00" <= prev <= "\u9fff" and prev not in _CN_NUMERAL) or prev in '”")》'


def _break_before(line: str, m: re.Match[str]) -> bool:
    """The label at `m` starts a new part: it follows a sentence end, a space or a quoted title."""
    p = m.start()
    if p == 0:
        return False
    prev = line[p - 1]
    if prev == " ":
        return True
    if _sentence_end(line, p - 1):
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
    if inside < 2:
        return False  # (most texts: no line is long) no need to read every line's start
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
    for m in _ITEM_AFTER_TITLE.finditer(line):
        inserts.add(m.start())
    for m in [*_HEAD_PARTS.finditer(line, 0, HEAD), *_HEAD_TITLE.finditer(line, 0, HEAD)]:
        p = m.start()
        if p and line[p - 1] == " ":
            spaces.add(p - 1)
        elif p and not _sentence_end(line, p - 1):
            inserts.add(p)
    signed = _SIGNED_END.search(line, max(len(line) - 50, 0))
    for g in (1, 2):
        at = signed.start(g) if signed and signed.group(g) else 0
        if at > 0 and line[at - 1] == " ":
            spaces.add(at - 1)
        elif at > 0:
            inserts.add(at)
    pending = sorted(inserts)
    j, seg_start = 0, 0
    for sm in _SPACE.finditer(line):
        k = sm.start()
        while j < len(pending) and pending[j] <= k:
            seg_start = pending[j]
            j += 1
        if k in spaces:
            seg_start = k + 1
            continue
        before = line[k - 1] if k else ""
        if (k and _sentence_end(line, k - 1)) or (before in _QUOTE_END and k > 1 and _sentence_end(line, k - 2)):
            spaces.add(k)
            seg_start = k + 1
        elif (
            k - seg_start <= SHORT_HEADING
            and _NUMBERED.match(line, seg_start)
            and not _STOPS.search(line, seg_start, k)
        ):
            spaces.add(k)  # a short heading's title ends here: 一、整改工作组织领导情况 中心党委…
            seg_start = k + 1
    return spaces, inserts


def _table_breaks(line: str) -> set[int]:
    """Spaces before each row of a flattened table: 序号 问题 整改措施 完成情况 1 … 2 … 3 …

    Tokens are read lazily from each 序号 header up to the next header, and a table ends when no
    next row number comes within `MAX_ROW_TOKENS` tokens, so any line costs linear time.
    """
    spaces: set[int] = set()
    head = line.find("序号 ")
    while head >= 0:
        nxt_head = line.find("序号 ", head + 3)
        stop = len(line) if nxt_head < 0 else nxt_head
        pos, columns, since, expected = head + 3, 1, 0, 1
        in_header = True
        while pos < stop:
            end = line.find(" ", pos, stop)
            end = stop if end < 0 else end
            token = line[pos:end]
            if in_header and _COLUMN.fullmatch(token):
                columns += 1
            elif in_header and columns < 3:
                break
            else:
                in_header = False
                if token == str(expected) and (expected == 1 or since >= columns - 1):
                    spaces.add(pos - 1)
                    expected, since = expected + 1, 0
                else:
                    since += 1
                    if since > MAX_ROW_TOKENS:
                        break
            pos = end + 1
        if expected > 2 and head > 0 and line[head - 1] == " ":
            spaces.add(head - 1)  # the table starts on its own line
        head = nxt_head
    return spaces


def _header_columns(line: str) -> int:
    """Columns of a table header line (序号 问题 整改措施 完成情况 → 4, or 序号|问题|… with bars),
    0 when it is not one."""
    tokens = [t.strip() for t in line.split("|")] if "|" in line else line.split(" ")
    if tokens[0] != "序号" or not 3 <= len(tokens) <= 12:
        return 0
    return len(tokens) if all(_COLUMN.fullmatch(t) for t in tokens[1:]) else 0


def _cell_table_joins(lines: list[str]) -> dict[int, str]:
    """Line breaks to turn into a space or a tab: a table copied one cell per line (its header,
    then each row as a line holding just its number, 1, 2, … in order, and at most as many lines
    of cells as the header has columns) becomes one line per row, `1 <cell>\t<cell>\t…`, as a
    flattened table reads; the tab keeps the cells apart (a title ends at it)."""
    joins: dict[int, str] = {}
    base = 0
    k = 0
    while k < len(lines):
        columns = _header_columns(lines[k])
        if not columns or k + 1 >= len(lines) or lines[k + 1] != "1":
            base += len(lines[k]) + 1
            k += 1
            continue
        row, j = 1, k + 1
        pos = base + len(lines[k]) + 1  # where line j starts
        while j < len(lines) and lines[j] == str(row):
            cells = 1
            while (
                j + cells < len(lines)
                and cells < columns
                and lines[j + cells] != str(row + 1)
                and not _MAJOR.match(lines[j + cells])
            ):
                cells += 1
            for c in range(cells - 1):  # the break after the row's last cell stays
                pos += len(lines[j + c]) + 1
                joins[pos - 1] = " " if c == 0 else "\t"
            pos += len(lines[j + cells - 1]) + 1
            j += cells
            row += 1
        base = pos
        k = j
    return joins


def _row_cell_tabs(lines: list[str]) -> dict[int, str]:
    """A table copied a row per line, its cells apart by spaces (序号 问题 整改措施 完成情况, then
    `1 <cell> <cell> <cell>`): a row of exactly as many space-free cells as the header has columns
    gets a tab between its cells, as a flattened table's rows have (the first space stays)."""
    tabs: dict[int, str] = {}
    base, columns, expected, bar = 0, 0, 0, False
    for line in lines:
        found = _header_columns(line)
        if found:
            columns, expected, bar = found, 1, "|" in line
        elif columns:
            cells = line.split("|" if bar else " ")
            if cells[0].strip() != str(expected):
                columns = 0  # the table has ended
            # (bars leave no doubt where a cell ends, so a row cut off after its second cell is one too)
            elif (len(cells) == columns or (bar and 2 <= len(cells) < columns)) and all(c.strip() for c in cells):
                pos = base + len(cells[0])
                if bar and " | " in line:  # 1 | … | …: each bar and the spaces beside it become tabs
                    for cell in cells[1:]:
                        at = pos - base  # the bar, in the line
                        before = at > 0 and line[at - 1] == " "
                        after = at + 1 < len(line) and line[at + 1] == " "
                        tabs[pos - before] = "\t" * (1 + before + after)  # one replacement, as long
                        pos += 1 + len(cell)
                else:
                    if bar:  # 1|…|…: the first bar becomes the row number's space, the others tabs
                        tabs[pos] = " "
                    pos += 1
                    for cell in cells[1:-1]:
                        pos += len(cell)
                        tabs[pos] = "\t"
                        pos += 1
                expected += 1
            else:
                expected += 1  # a row that is cut off or holds a space of its own: left as it is
        base += len(line) + 1
    return tabs


def rebreak(text: str, twin: str | None = None) -> Rebroken:
    """`text` with line breaks where its lines ran parts of the report together.

    The breaks are found in `text` and made at the same places in `twin` (the report in its own
    characters when `text` is its simplified reading), so both keep one offset map.
    """
    if twin is not None and len(twin) != len(text):
        raise ValueError("the twin text must have the same length")
    lines = text.split("\n")
    joins = {**_cell_table_joins(lines), **_row_cell_tabs(lines)} if "序号 " in text or "序号|" in text else {}
    if joins:
        text, twin = _join(text, joins), (_join(twin, joins) if twin is not None else None)
        lines = text.split("\n")
    run_on = lacks_line_structure(lines)
    if not run_on and "序号 " not in text:  # (most texts) nothing to break: no pass over the lines
        return Rebroken(text=text, offsets=OffsetMap.identity(len(text)), lines_added=0, twin=twin)
    spaces: list[int] = []
    inserts: list[int] = []
    base = 0
    for line in lines:
        line_spaces = _table_breaks(line) if "序号 " in line else set()
        if run_on and len(line) >= LONG_LINE:
            more, line_inserts = _run_on_breaks(line)
            line_spaces |= more
            inserts.extend(base + p for p in sorted(line_inserts))
        spaces.extend(base + p for p in line_spaces)
        base += len(line) + 1
    if not spaces and not inserts:
        return Rebroken(text=text, offsets=OffsetMap.identity(len(text)), lines_added=0, twin=twin)
    # (a joined table's rows are counted among the lines added, though its cells lost theirs)
    new_text, omap = _apply(text, spaces, inserts)
    new_twin = _apply(twin, spaces, inserts)[0] if twin is not None else None
    return Rebroken(text=new_text, offsets=omap, lines_added=len(spaces) + len(inserts), twin=new_twin)


def _join(text: str, joins: dict[int, str]) -> str:
    """`text` with the line breaks at `joins` turned into a space or a tab, and a table's bar with
    the spaces beside it into tabs: each replacement as long as what it replaces, so offsets stay.

    Built from slices between the joins (a list of every character cost 8 bytes a character)."""
    out: list[str] = []
    pos = 0
    for p in sorted(joins):
        out.append(text[pos:p])
        out.append(joins[p])
        pos = p + len(joins[p])
    out.append(text[pos:])
    return "".join(out)


def _apply(text: str, spaces: list[int], inserts: list[int]) -> tuple[str, OffsetMap]:
    """Turn the spaces at `spaces` into line breaks and insert one before each of `inserts`
    (in order, each once; one at a space's position goes before it, as the break inserted
    before that character).

    Built from slices joined by line breaks, and the map in C: a space that becomes a break
    keeps its place (no new run), the k-th inserted break maps to where it was inserted and
    the text after it to its own place, k characters on (one run each)."""
    if spaces:
        cuts = sorted(spaces)
        text = "\n".join(map(text.__getitem__, map(slice, [0, *(p + 1 for p in cuts)], [*cuts, len(text)])))
    omap = OffsetMap(dst_starts=array("q", [0]), src_starts=array("q", [0]))
    if inserts:
        result = "\n".join(map(text.__getitem__, map(slice, [0, *inserts], [*inserts, len(text)])))
        omap.dst_starts.extend(map(operator.add, inserts, range(1, len(inserts) + 1)))
        omap.src_starts.extend(inserts)
    else:
        result = text
    omap.dst_length = len(result)
    omap.src_length = len(text)
    return result, omap
