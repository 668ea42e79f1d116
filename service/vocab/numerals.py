"""Chinese numerals as headings and counts write them: read by the ingest stage (a wrapped line
that opens with a heading label out of turn) and by the structure and extract stages alike."""

from __future__ import annotations

_CN_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(s: str) -> int:
    """Chinese numerals up to 999: 一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105."""
    if not s:
        raise ValueError("empty numeral")
    total, current = 0, 0
    for ch in s:
        if ch in _CN_VALUES:
            current = _CN_VALUES[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    return total + current
