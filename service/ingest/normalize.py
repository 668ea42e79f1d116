"""One normalised text that every later offset refers to.

- full-width ASCII variants (（）．，：；０-９ …) become half-width, so `（一）` and `(一)` are
  one heading style; U+3000 and other odd spaces become plain spaces;
- each line is stripped, runs of spaces inside a line fold to one, blank lines go, and lines
  join with a single `\\n`: one line = one paragraph;
- a hard-wrapped file (paragraphs broken at a fixed width) has its lines re-joined.
Every step keeps an `OffsetMap` back to the decoded text.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from dataclasses import dataclass

from zhenggai.ingest.offsets import OffsetMap
from zhenggai.vocab.numerals import cn_to_int

_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_SPACES = dict.fromkeys(map(ord, "\u3000\u00a0\u2002\u2003\u2009\u200a\u202f\u205f\t\f\v"), ord(" "))
_DROP = "\u200b\u200c\u200d\u2060\ufeff"
TRANSLATION = {**_WIDTH, **_SPACES}
_LINE_RE = re.compile(r"[^\r\n\u2028\u2029\x85]+")
_INNER_SPACES_RE = re.compile(r" {2,}")
_DROP_RE = re.compile(f"[{_DROP}]+")
_MD_PREFIX_RE = re.compile(r"^(?:#{1,6} +|> ?|[-*+] +)")
_MD_EMPHASIS = r"\*\*|__"
# A line ending like this closes a paragraph; a wrapped line usually does not.
_TERMINAL = tuple("。！？!?；;：:”」』》)")
# ... and what only a sentence ends with: a line at the wrap width may close a quote mid-sentence
_SENTENCE_END = tuple("。！？!?；;：:")
_HEADING_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.]|\([一二三四五六七八九十百]+\)|\d{1,3}[.、](?!\d)|\(\d{1,3}\)|[①-⑳])"
)

# Lines that stand alone whatever their neighbours: a line ending like a title (`…的通报`), and
# one that opens with a field's label (`来源:`, `发布时间:`, `整改措施:`) or a bracketed button
# (`【打印】`). A web page's title over its source line is never one wrapped paragraph.
_TITLE_LINE_END_RE = re.compile(r"(?:通报|报告|公告)$")
_FIELD_START_RE = re.compile(r"^(?:[\u4e00-\u9fff]{2,6}:|【)")
_ENUM_START_RE = re.compile(r"^[一二三四五六七八九十]{1,3}是")
# A page's own furniture (字号 大 中 小 / 打印本页 / 点击数:): never a paragraph's wrapped first line.
_FURNITURE_RE = re.compile(
    r"打印|关闭窗口|字号|点击数|点击量|浏览次数|浏览量|阅读次数|阅读量|分享到|来源:|发布时间:|发布日期:"
)


@dataclass
class Normalised:
    text: str
    offsets: OffsetMap  # normalised → decoded text
    hard_wrapped: bool
    newline: str


def _dominant_newline(raw: str) -> str:
    crlf = raw.count("\r\n")
    lf = raw.count("\n") - crlf
    cr = raw.count("\r") - crlf
    return max((crlf, "\r\n"), (lf, "\n"), (cr, "\r"))[1]


# What a line loses inside: runs of spaces (folded to one) and zero-widths (and Markdown emphasis).
_CUT_RE = re.compile(f"{_INNER_SPACES_RE.pattern}|{_DROP_RE.pattern}")
_CUT_MD_RE = re.compile(f"{_INNER_SPACES_RE.pattern}|{_DROP_RE.pattern}|{_MD_EMPHASIS}")


def _clean_line(line: str, start: int, markdown: bool) -> list[tuple[str, int]]:
    """Pieces of a stripped line with their decoded-text starts (spaces folded, zero-widths dropped)."""
    pieces: list[tuple[str, int]] = []
    stripped = line.strip(" ")
    base = start + (len(line) - len(line.lstrip(" ")))
    cut = _CUT_RE
    if markdown:
        prefix = _MD_PREFIX_RE.match(stripped)
        if prefix:
            rest = stripped[prefix.end() :]
            base += prefix.end() + len(rest) - len(rest.lstrip(" "))
            stripped = rest.lstrip(" ")
        cut = _CUT_MD_RE
    if not stripped:
        return pieces
    if stripped[0] == "|" and 3 <= stripped.count("|") <= _MAX_BARS:
        return _pipe_row(stripped, base, cut)
    return _folded(stripped, base, cut)


_RULE_CELL_RE = re.compile(r"[-: ]*")  # a Markdown table's rule row, bars aside
_MAX_BARS = 40  # a table row has a handful of cells; a line of thousands of bars is no row (and kept whole)


def _pipe_row(row: str, base: int, cut: re.Pattern[str]) -> list[tuple[str, int]]:
    """A table row drawn with bars (`| 1 | 问题… | 措施… | 已完成 |`, as Markdown and pages copied from
    it write one) without its outer bars: `1 | 问题… | 措施… | 已完成`, one piece, whose inner bars the
    table reader turns into cell breaks (linebreaks.py). A rule row (`|---|---|`) goes."""
    inner = row[1:-1] if row.endswith("|") else row[1:]
    if _RULE_CELL_RE.fullmatch(inner.replace("|", "")):  # (a row of bars and spaces alone too)
        return []
    return _folded(inner.strip(" "), base + 1 + (len(inner) - len(inner.lstrip(" "))), cut)


def _folded(stripped: str, base: int, cut: re.Pattern[str]) -> list[tuple[str, int]]:
    pieces: list[tuple[str, int]] = []
    if cut.search(stripped) is None:  # most lines: one piece
        return [(stripped, base)]
    pos = 0
    for m in cut.finditer(stripped):
        pieces.append((stripped[pos : m.start()], base + pos))
        if m.group().startswith(" "):
            pieces.append((" ", base + m.start()))
        pos = m.end()
    pieces.append((stripped[pos:], base + pos))
    return [(p, s) for p, s in pieces if p]


def _is_hard_wrapped(lines: list[str]) -> int | None:
    """The wrap width when most long lines share one length and end mid-sentence."""
    lengths = [len(x) for x in lines if len(x) >= 15 and " | " not in x]  # table rows drawn with bars aside
    if len(lengths) < 8:
        return None
    # the width is the length most lines come near: a paragraph's first line is shorter by its
    # indent, so of two equally common lengths (36 and 38) the longer is the width
    counts = Counter(lengths)
    width = max(counts, key=lambda w: (sum(counts.get(n, 0) for n in range(w - 2, w + 2)), w))
    near = sum(1 for n in lengths if width - 2 <= n <= width + 1)
    open_ended = sum(1 for x in lines if width - 2 <= len(x) <= width + 1 and not x.endswith(_TERMINAL))
    if near / len(lengths) >= 0.4 and open_ended >= 0.6 * near:
        return width
    return None


# Anything the line loop below would change in a plain text: another line separator, a blank
# line, a space to strip or fold, a zero-width to drop.
_IRREGULAR_RE = re.compile(f"[\r\u2028\u2029\x85]|\n\n|\n | \n|  |[{_DROP}]|\n\\||^\\|")


def _already_normal(translated: str) -> Normalised | None:
    """`translated` as the line loop would give it back, when it would change nothing but its
    leading and trailing line breaks (most plain files): one scan in C, not a Python step per line.
    None when a line needs work, or the lines may join (hard-wrapped)."""
    lead = len(translated) - len(translated.lstrip("\n"))
    core = translated[lead:].rstrip("\n")
    if not core or core[0] == " " or core[-1] == " " or _IRREGULAR_RE.search(core):
        return None
    # no blank line, so the file is not blank-line separated; it may join only when hard-wrapped
    if _is_hard_wrapped(core.split("\n")) is not None:
        return None
    omap = OffsetMap(dst_length=len(core))
    omap.add_run(0, lead)
    return Normalised(text=core, offsets=omap, hard_wrapped=False, newline="\n")


def normalise(raw: str, *, markdown: bool = False) -> Normalised:
    translated = raw.translate(TRANSLATION)
    fast = None if markdown else _already_normal(translated)
    if fast is not None:
        fast.offsets.src_length = len(raw)
        fast.newline = _dominant_newline(raw)
        return fast
    # Per kept line: its text and where it starts in `translated`; the pieces of the few lines
    # that lose characters inside (spaces folded, zero-widths dropped) are kept apart, by line
    # number. (A list of pieces for every line cost about 120 bytes a line.)
    plain: list[str] = []
    starts = array("q")
    indents = array("q")  # characters of indent the line was stripped of (a paragraph's first line)
    split: dict[int, list[tuple[str, int]]] = {}
    after_blank: list[bool] = []  # the line follows an empty line
    last_end = 0
    cut = _CUT_RE
    for m in _LINE_RE.finditer(translated):
        line, start = m.group(), m.start()
        if not markdown and line[0] not in " |" and line[-1] != " " and cut.search(line) is None:
            piece = line  # most lines: nothing to strip, fold or drop (as _clean_line)
        else:
            pieces = _clean_line(line, start, markdown)
            if not pieces:
                continue
            if len(pieces) == 1:
                piece, start = pieces[0]
            else:
                split[len(plain)] = pieces
                piece, start = "".join(p for p, _ in pieces), pieces[0][1]
        # a gap of one character is one line break, never a blank line
        if m.start() - last_end >= 2:
            gap = translated[last_end : m.start()]
            after_blank.append(gap.count("\n") + gap.count("\r") - gap.count("\r\n") >= 2)
        else:
            after_blank.append(False)
        plain.append(piece)
        starts.append(start)
        indents.append(start - m.start())
        last_end = m.end()
    width = _is_hard_wrapped(plain)
    # Paragraphs separated by blank lines: a lone line break inside one is a stray wrap.
    blank_separated = len(plain) > 8 and sum(after_blank[1:]) >= 0.8 * (len(plain) - 1)
    may_join = width is not None or blank_separated  # else every line keeps its break (most files)

    out: list[str] = []
    omap = OffsetMap()
    add_run = omap.add_run
    length = 0
    sequence = _Sequence()
    for k, line in enumerate(plain):
        start = starts[k]
        join = False
        if k:
            join = may_join and _joins(
                plain[k - 1],
                line,
                width,
                blank_separated and not after_blank[k],
                sequence.due(line),
                indents[k - 1],
            )
            if not join:
                add_run(length, start - 1 if start > 0 else 0)
                out.append("\n")
                length += 1
        if not join:
            sequence.kept(line)
        pieces = split.get(k)
        if pieces is None:
            add_run(length, start)
            out.append(line)
            length += len(line)
            continue
        for piece, piece_start in pieces:
            add_run(length, piece_start)
            out.append(piece)
            length += len(piece)
    text = "".join(out)
    omap.dst_length = len(text)
    omap.src_length = len(raw)
    return Normalised(text=text, offsets=omap, hard_wrapped=width is not None, newline=_dominant_newline(raw))


_TOP_LABEL_RE = re.compile(r"^([一二三四五六七八九十]{1,3})、|^\(([一二三四五六七八九十]{1,3})\)")


class _Sequence:
    """The report's 一、 and (一) headings so far: a wrapped line that happens to start with 三、 where
    二、 is due (…举一反\n三、建章立制。) continues its paragraph."""

    def __init__(self) -> None:
        self.top = 0
        self.sub = 0

    def label(self, line: str) -> tuple[int, int] | None:
        m = _TOP_LABEL_RE.match(line)
        if m is None:
            return None
        return (0, cn_to_int(m.group(1))) if m.group(1) else (1, cn_to_int(m.group(2)))

    def due(self, line: str) -> bool:
        found = self.label(line)
        if found is None:
            return True
        level, n = found
        return n == 1 or n == (self.top if level == 0 else self.sub) + 1

    def kept(self, line: str) -> None:
        found = self.label(line)
        if found is not None:
            level, n = found
            if level == 0:
                self.top, self.sub = n, 0
            else:
                self.sub = n


def _joins(
    prev: str, line: str, width: int | None, unbroken_paragraph: bool, due: bool = True, indent: int = 0
) -> bool:
    """`line` continues the paragraph of `prev`: `prev` is as long as the wrap width (with the indent
    it was stripped of), or sits in a paragraph of a blank-line-separated file and ends mid-sentence."""
    at_width = width is not None and width - 2 <= len(prev) + min(indent, 4)
    if not due and at_width and not prev.endswith(_SENTENCE_END) and _TOP_LABEL_RE.match(line):
        return True  # 三、 out of turn at the start of a wrapped line: the words 举一反三 cut
    if (
        _HEADING_START_RE.match(line)
        or _FIELD_START_RE.match(line)
        or " | " in line  # a table row drawn with bars (or a menu between them) is a line of its own
        or " | " in prev
        or _TITLE_LINE_END_RE.search(prev)
        or _TITLE_LINE_END_RE.search(line)
    ):
        return False
    # at the wrap width a line is cut wherever the width fell: inside a heading, after a closing
    # quote (a heading is rarely that long; a paragraph's first line is indented), even after a
    # full stop: the paragraph goes on more often than it ends exactly at the width (unless the
    # next line opens an item)
    if at_width and (not prev.endswith(_SENTENCE_END) or (len(prev) >= width and not _ENUM_START_RE.match(line))):
        return True
    return unbroken_paragraph and len(prev) >= 20 and not prev.endswith(_TERMINAL) and not _FURNITURE_RE.search(prev)
