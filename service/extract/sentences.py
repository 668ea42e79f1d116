"""Sentences with their spans: the units a model cites instead of re-typing the source."""

from __future__ import annotations

import re
from dataclasses import dataclass

_END_RE = re.compile(r"[。!?;](?:[”’」』)]+)?|\n")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str, start: int, end: int) -> list[Sentence]:
    """Sentences of `text[start:end]`, stripped, with absolute spans; quotes stay whole."""
    out: list[Sentence] = []
    pos = start
    depth = 0
    k = start
    while k < end:
        ch = text[k]
        if ch in "“‘《":
            depth += 1
        elif ch in "”’》" and depth:
            depth -= 1
        if (ch in "。!?;" and depth == 0) or ch == "\n" or (ch == "." and depth == 0 and _ascii_stop(text, k)):
            stop = k + 1 if ch != "\n" else k
            while stop < end and text[stop] in "”’」』)" and ch != "\n":
                stop += 1
            _add(out, text, pos, stop)
            pos = stop + (1 if ch == "\n" else 0)
            k = pos
            depth = 0
            continue
        k += 1
    _add(out, text, pos, end)
    return out


def _ascii_stop(text: str, k: int) -> bool:
    """An ASCII full stop in Chinese text (a stored copy's `问题.一是…`), not a decimal or a label 1."""
    before = text[k - 1] if k else ""
    after = text[k + 1] if k + 1 < len(text) else ""
    return ("\u4e00" <= before <= "\u9fff" or before in '”")') and not after.isdigit()


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start] in " \n":
        start += 1
    while end > start and text[end - 1] in " \n":
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


def first_clause(text: str, limit: int = 60) -> str:
    """A measure's summary line: its first sentence, cut at a clause break when long."""
    m = _END_RE.search(text)
    head = text[: m.start()] if m else text
    if len(head) > limit:
        comma = head.rfind(",", 0, limit)
        head = head[:comma] if comma > 8 else head[:limit]
    return head
