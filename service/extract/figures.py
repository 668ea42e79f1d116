"""Figures found deterministically: a number with its unit, never typed by a model.

Dates, years, numbering and document-title numbers are not figures. Each figure's evidence is
its own slice of the source, so it is grounded by construction (and checked again later).
"""

from __future__ import annotations

import re

from zhenggai.schemas.record import Evidence, Figure, Span

_UNITS = (
    "个百分点|万人次|人次|万元|亿元|千元|元|万平方米|平方米|平方公里|公里|千米|米|万亩|亩|万户|户|万人|人|名|位|"
    "件|起|个|项|条|次|家|所|处|场|篇|期|批|份|轮|类|套|栋|间|台|辆|吨|万吨|座|张|本|册|部|支|队|组|家次|"
    "%|‰"
)
_FIGURE_RE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)(余|多)?\s*(万|亿)?(余|多)?\s*({_UNITS})(?![\d])")
_NOT_AFTER = re.compile(r"^(?:年|月|日|号|时|届|版|路)")
_COUNT_WORDS_RE = re.compile(r"[\u4e00-\u9fff“”]{1,10}$")


def _counts(text: str, start: int) -> str:
    """A few words before the figure say what it counts (整改问题56个 → 整改问题)."""
    before = text[max(start - 12, 0) : start]
    for sep in ",。;:、(":
        before = before.rsplit(sep, 1)[-1]
    m = _COUNT_WORDS_RE.search(before)
    return m.group(0) if m else ""


def find_figures(text: str, start: int, end: int) -> list[Figure]:
    out: list[Figure] = []
    for m in _FIGURE_RE.finditer(text, start, end):
        if _NOT_AFTER.match(text[m.end() : m.end() + 1]):
            continue
        value, scale, unit = m.group(1), m.group(3) or "", m.group(5)
        approx = m.group(2) or m.group(4) or ""
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None and scale:
            number *= 10_000 if scale == "万" else 100_000_000
        out.append(
            Figure(
                value=value,
                number=number,
                unit=f"{scale}{unit}",
                counts=_counts(text, m.start()) + (f"({approx})" if approx else ""),
                evidence=Evidence(text=m.group(0), span=Span(start=m.start(), end=m.end())),
            )
        )
    return out
