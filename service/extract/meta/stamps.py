"""The publication and signature dates when the page furniture was not set apart as such: a
`发布日期:2021-10-25` run into a text without line breaks, a `2022-08-16 09:12 来源:…` line, a
`…党组2021年10月20日` at the very end."""

from __future__ import annotations

import datetime as dt
import re

from zhenggai.extract.meta.reading import to_reading
from zhenggai.schemas.record import Evidence, Span

_DATE = r"\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日"
# 发布日期:… / 公开日期:… / a date (and time) before the source or the page's buttons:
# 2022-08-16 09:12 来源:… / (2025年12月02日 09:15 字号:大 中 小 打印本页)
_PUBLISHED_RE = re.compile(
    rf"(?:发布|公开)(?:日期|时间)\s?[:]?\s?(?P<d>{_DATE})"
    rf"|(?P<e>{_DATE})(?:\s[\d:]{{4,8}})?\s{{0,3}}(?:来源|字号|【?字体|浏览|阅读|点击)"
    # 来源:中共…党组 2025-09-18: the date after the source; (2025年10月15日) alone on its line
    rf"|来源[:] ?[^\n]{{1,40}}?\s(?P<f>{_DATE})"
    rf"|^\((?P<g>{_DATE})\)$",
    re.M,
)
_SIGNED_RE = re.compile(r"(?P<d>\d{4}年\d{1,2}月\d{1,2}日)\s*$")
HEAD = 400  # characters at the start where a publication line stands
TAIL = 80


def _parse(words: str) -> dt.date | None:
    nums = [int(n) for n in re.findall(r"\d+", words)]
    try:
        return dt.date(nums[0], nums[1], nums[2])
    except (ValueError, IndexError):
        return None


def published(text: str) -> tuple[dt.date | None, Evidence | None]:
    m = _PUBLISHED_RE.search(to_reading(text[:HEAD]))
    if not m:
        return None, None
    g = next(k for k in "defg" if m.group(k))
    date = _parse(m.group(g))
    ev = Evidence(text=text[m.start(g) : m.end(g)], span=Span(start=m.start(g), end=m.end(g)))
    return (date, ev) if date else (None, None)


def signed(text: str) -> tuple[dt.date | None, Evidence | None]:
    base = max(0, len(text) - TAIL)
    m = _SIGNED_RE.search(text, base)
    if not m:
        return None, None
    date = _parse(m.group("d"))
    ev = Evidence(text=m.group("d"), span=Span(start=m.start("d"), end=m.end("d")))
    return (date, ev) if date else (None, None)
