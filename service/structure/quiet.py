"""The lines an outline still has to read once its heading cap is passed.

Past the cap (outline.MAX_HEADINGS) every line is plain text of the section before it: the
outline only moves that section's end over it, unless the line holds 是 (一是… 二是…, which the
section reads as its own) or is the first to open a labelled field (整改措施:, which moves the
text back under the heading the fields belong to; no heading opens after it, so later fields
find the text there already). So of each stretch of other lines, only the first and the last
change anything (an opening keeps only its first start and last end): the others are skipped
without being read one by one, and a text that is nothing but headings costs, past the cap,
a few scans of the text in C instead of a Python step per line.
"""

from __future__ import annotations

import heapq
import itertools
import re
from bisect import bisect_right
from collections.abc import Iterator

from zhenggai.ingest.debris import Line, Lines, one_line_pattern
from zhenggai.structure.signals import FIELD_RE

# A labelled field opening a line after the first: `field_at` at every line start, in one search.
_FIELD_RE = re.compile(one_line_pattern(FIELD_RE.pattern), re.M)
_FIELD_LINE_RE = re.compile("\n(?:" + one_line_pattern(FIELD_RE.pattern) + ")", re.M)


def _with_char(lines: Lines, ch: str, start: int, end: int) -> Iterator[int]:
    """Lines holding `ch` in the text range [start, end), in order."""
    text, starts = lines.text, lines.starts
    pos = text.find(ch, start, end)
    while pos >= 0:
        k = bisect_right(starts, pos) - 1
        yield k
        nxt = starts[k + 1] if k + 1 < len(starts) else end
        pos = text.find(ch, nxt, end)


def _fields(lines: Lines, k0: int, start: int, end: int) -> Iterator[int]:
    """Lines from `k0` on that open with a labelled field, in order."""
    text, starts = lines.text, lines.starts
    if _FIELD_RE.match(text, start, end):
        yield k0
    for m in _FIELD_LINE_RE.finditer(text, start, end):
        yield bisect_right(starts, m.start() + 1) - 1


def _ends(lines: Lines, a: int, b: int, skip: set[int]) -> Iterator[Line]:
    """The first and the last line of `lines[a:b]` that the outline reads (not set aside, not empty)."""
    first = a
    while first < b and (first in skip or lines.is_empty(first)):
        first += 1
    if first == b:
        return
    yield lines[first]
    last = b - 1
    while last > first and (last in skip or lines.is_empty(last)):
        last -= 1
    if last > first:
        yield lines[last]


def quiet_lines(lines: Lines, k0: int, k1: int, skip: set[int]) -> Iterator[Line]:
    """Of `lines[k0:k1]` (none read as a heading), those that change the outline: each line
    with 是 and the first with a field, and the first and last of each stretch between them,
    in order."""
    if k0 >= k1:
        return
    start = lines.starts[k0]
    end = lines.starts[k1] - 1 if k1 < len(lines) else len(lines.text)
    # Only the first field line: it leaves the stack at the heading the fields belong to, and
    # past the cap no heading opens, so every later field line finds it there already.
    first_field = list(itertools.islice(_fields(lines, k0, start, end), 1))
    marked = heapq.merge(_with_char(lines, "是", start, end), first_field)
    prev = k0
    for k in marked:
        if k < prev:
            continue  # both a field and 是
        yield from _ends(lines, prev, k, skip)
        if k not in skip and not lines.is_empty(k):
            yield lines[k]
        prev = k + 1
    yield from _ends(lines, prev, k1, skip)
