"""Token counts for chunk budgets: the model's own tokenizer when at hand, else a calibrated estimate.

The estimate was calibrated against Qwen2.5's tokenizer (served by the embedded llama.cpp) on
the seed reports: Chinese runs at about 1.6 characters per token, digits one per token, other
ASCII about 3.5 characters per token. `tests/test_tokens.py` keeps it honest against the real
tokenizer when the local model is installed.

The chunker asks for the count of many ranges of one text; `RangeEstimate` answers each in
constant time from per-block character-class counts, so cutting a text is linear in its length
whatever its shape, and gives exactly what `estimate_tokens` gives on the slice.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

TokenCounter = Callable[[str], int]

_CJK_CLASS = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’、。"
_CJK_RE = re.compile(f"[{_CJK_CLASS}]")
_DIGIT_RE = re.compile(r"\d")
CJK_CHARS_PER_TOKEN = 1.6
ASCII_CHARS_PER_TOKEN = 3.5

# Character classes for counting with str.count: C = CJK, D = digit, B = both (full-width
# digits are in the CJK block and are digits), X = a letter that would be mistaken for one.
_CJK_CODES = [
    *range(0x3000, 0x3040),
    *range(0x4E00, 0xA000),
    *range(0xFF00, 0xFFF0),
    *map(ord, "“”‘’、。"),
]
_TABLE: dict[int, str] = {**dict.fromkeys(_CJK_CODES, "C"), **dict.fromkeys(range(0x30, 0x3A), "D")}
_TABLE.update(dict.fromkeys(range(0xFF10, 0xFF1A), "B"))
_TABLE.update(dict.fromkeys(map(ord, "BCD"), "X"))
# A decimal digit outside ASCII and full width (Arabic-Indic, Devanagari …): rare, added per text.
_OTHER_DIGIT_RE = re.compile(r"(?![0-9\uff10-\uff19])\d")
_BLOCK = 64


def _estimate(cjk: int, digits: int, length: int) -> int:
    other = length - cjk - digits
    return int(cjk / CJK_CHARS_PER_TOKEN + digits + other / ASCII_CHARS_PER_TOKEN + 0.999)


def estimate_tokens(text: str) -> int:
    cjk = len(_CJK_RE.findall(text))
    digits = len(_DIGIT_RE.findall(text))
    return _estimate(cjk, digits, len(text))


def _classes(text: str) -> str:
    table = _TABLE
    if _OTHER_DIGIT_RE.search(text):
        table = {**_TABLE, **dict.fromkeys(map(ord, set(_OTHER_DIGIT_RE.findall(text))), "D")}
    return text.translate(table)


class RangeEstimate:
    """`estimate_tokens(text[start:end])` for any range, in constant time after one linear pass."""

    def __init__(self, text: str) -> None:
        self.cls = cls = _classes(text)
        blocks = range(0, len(cls) + _BLOCK, _BLOCK)
        # counts before each block start: CJK (C, B) and digits (D, B)
        self._cjk = [0, *itertools.accumulate(self._count(cls, "C", k, k + _BLOCK) for k in blocks)]
        self._dig = [0, *itertools.accumulate(self._count(cls, "D", k, k + _BLOCK) for k in blocks)]

    @staticmethod
    def _count(cls: str, kind: str, start: int, end: int) -> int:
        return cls.count(kind, start, end) + cls.count("B", start, end)

    def _upto(self, prefix: list[int], kind: str, pos: int) -> int:
        base = pos - pos % _BLOCK
        return prefix[base // _BLOCK] + self._count(self.cls, kind, base, pos)

    def __call__(self, start: int, end: int) -> int:
        if end - start <= _BLOCK:
            cjk = self._count(self.cls, "C", start, end)
            digits = self._count(self.cls, "D", start, end)
        else:
            cjk = self._upto(self._cjk, "C", end) - self._upto(self._cjk, "C", start)
            digits = self._upto(self._dig, "D", end) - self._upto(self._dig, "D", start)
        return _estimate(cjk, digits, end - start)
