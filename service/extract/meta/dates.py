"""The inspection period and the feedback date, however the opening words them.

`2019年9月9日至11月25日`, `2023年7月6日-9月6日`, `2024年4月25日—6月20日`; the feedback told before
its cue (`2020年1月3日,中央巡视组向…反馈了巡视意见`, `并于7月21日向…反馈了`, `并于7月26日召开了巡察反馈
会议`). A year written once applies to the dates after it; a date that would fall before the one
it follows is in the next year. A month without a day (`2024年9月至12月`, `8月下旬`) is not a
date: it gives a year to later dates but no day of its own. The same in the other ways pages
write dates: `2024.3.12—2024.4.26`, `2024-03-12`, `2024/3/12`, and Chinese numerals
(`二〇二四年三月十二日至四月三十日`, `五月二十一日`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from zhenggai.extract.meta.region import Region
from zhenggai.ingest.debris import CN_DIGITS, cn_small
from zhenggai.schemas.record import DateRange, Evidence

_PART = r"上旬|中旬|下旬|初|底|末|中"
_CN_DAY = r"三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九]"
_DATE_RE = re.compile(
    # 2024年3月12日, 3月12日, 2024年9月, 8月下旬
    rf"(?:(?<!\d)(?P<y>\d{{4}})\s?年\s?)?(?<!\d)(?P<m>\d{{1,2}})\s?月\s?(?:(?P<d>\d{{1,2}})\s?[日号]|(?P<part>{_PART}))?"
    # 2024.3.12, 2024/3/12, 2024-03-12 (a day always: 2024.3 is a number)
    r"|(?<![\d.])(?P<ny>\d{4})(?P<sep>[./-])(?P<nm>\d{1,2})(?P=sep)(?P<nd>\d{1,2})(?![\d.])"
    # 二〇二四年三月十二日, 五月二十一日, 三月中旬
    rf"|(?:(?P<cy>[〇○零一二三四五六七八九]{{4}})年)?(?P<cm>十[一二]?|[一二三四五六七八九])月"
    rf"(?:(?P<cd>{_CN_DAY})[日号]|(?P<cpart>{_PART}))?"
)
_RANGE_SEP_RE = re.compile(r"\s?起?(?:至|到|—|–|-|－|~|～)\s?")
_FEEDBACK_RE = re.compile(r"反馈(?:了|会|意见|巡视|巡察|情况|问题)|(?:进行了|作出?了)反馈(?=[。,;])")
FEEDBACK_WINDOW = 80  # characters from a date to its feedback cue (a long name may stand between)
# ... or a labelled list gives it after its label: 反馈时间:2025年6月5日
# (or a two-column table's row, 反馈时间|2025年6月5日), and so the period's ends: 进驻时间:… / 巡察结束:…
_FEEDBACK_FIELD_RE = re.compile(r"反馈(?:时间|日期)(?:[::] ?| ?\| ?)")
_START_FIELD_RE = re.compile(r"(?:进驻|巡[视察]开始)(?:时间|日期)?(?:[::] ?| ?\| ?)")
_END_FIELD_RE = re.compile(r"(?:巡[视察])?(?:结束|撤离)(?:时间|日期)?(?:[::] ?| ?\| ?)")


@dataclass(frozen=True)
class DateToken:
    start: int
    end: int
    date: dt.date | None  # None: month (or part of it) only, or not a calendar day
    year: int | None
    explicit_year: bool


def date_tokens(text: str, year: int | None = None) -> list[DateToken]:
    """Every date-like phrase in `text`, in order, with the year carried forward."""
    out: list[DateToken] = []
    last: dt.date | None = None
    for m in _DATE_RE.finditer(text):
        fields = _fields(m)
        if fields is None:
            continue
        y, month, day = fields
        if not 1 <= month <= 12:
            continue
        explicit = y is not None
        if explicit:
            year = y
        date = None
        if day and year:
            try:
                date = dt.date(year, month, day)
            except ValueError:
                date = None
            if date and not explicit and last and date < last:
                try:
                    date = date.replace(year=year + 1)
                    year += 1
                except ValueError:
                    date = None
        elif year and not explicit and last and month < last.month:
            year += 1
        if date:
            last = date
        elif year:  # a month: later dates follow it; with its year written out, it restarts the count
            first = dt.date(year, month, 1)
            last = first if explicit or last is None else max(last, first)
        out.append(DateToken(m.start(), m.end(), date, year, explicit))
    return out


def _fields(m: re.Match[str]) -> tuple[int | None, int, int | None] | None:
    """(year, month, day) of a date match, whichever way it is written; None for Chinese numerals
    naming a month alone (`三月` in running text is seldom a date)."""
    if m.group("m"):
        return (
            (int(m.group("y")) if m.group("y") else None),
            int(m.group("m")),
            (int(m.group("d")) if m.group("d") else None),
        )
    if m.group("ny"):
        return int(m.group("ny")), int(m.group("nm")), int(m.group("nd"))
    if m.group("cy") is None and m.group("cd") is None and m.group("cpart") is None:
        return None
    year = int("".join(str(CN_DIGITS[c]) for c in m.group("cy"))) if m.group("cy") else None
    return year, cn_small(m.group("cm")), (cn_small(m.group("cd")) if m.group("cd") else None)


def parse_date(text: str, year: int | None = None) -> dt.date | None:
    """The first calendar day in `text` (a model's quote, say), the year carried from `year`."""
    return next((t.date for t in date_tokens(text, year) if t.date), None)


def read_period(region: Region) -> tuple[DateRange | None, int]:
    """The first `date 至 date` range of the region, and where it ends in the region (0: none).

    A range given in months only is still the period's words (it moves the feedback search past
    it) but has no dates: the text does not say the days.
    """
    tokens = date_tokens(region.text)
    months = 0  # where a range in months only ends
    for a, b in itertools.pairwise(tokens):
        if _RANGE_SEP_RE.fullmatch(region.text[a.end : b.start]):
            if a.date and b.date:
                return DateRange(start=a.date, end=b.date, evidence=region.evidence(a.start, b.end)), b.end
            months = b.end
            break
    # the days from a labelled list or a table (进驻时间:… / 巡察结束:…), which may come after the
    # feedback's sentence: the feedback is still looked for from the words' own end
    by_start = {t.start: t for t in tokens if t.date}
    begin = next((by_start[m.end()] for m in _START_FIELD_RE.finditer(region.text) if m.end() in by_start), None)
    if begin is not None:
        after = (m.end() for m in _END_FIELD_RE.finditer(region.text, begin.end))
        end = next((by_start[k] for k in after if k in by_start), None)
        if end is not None and end.date >= begin.date:
            return DateRange(start=begin.date, end=end.date, evidence=region.evidence(begin.start, end.end)), months
    return None, months


def read_feedback(region: Region, after: int = 0) -> tuple[dt.date | None, Evidence | None]:
    """The date told just before the first feedback cue after `after` (the period's end)."""
    tokens = [t for t in date_tokens(region.text) if t.start >= after and t.date]
    for label in _FEEDBACK_FIELD_RE.finditer(region.text):
        t = next((t for t in tokens if t.start == label.end()), None)
        if t is not None:
            return t.date, region.evidence(label.start(), t.end)
    for cue in _FEEDBACK_RE.finditer(region.text, after):
        before = [
            t
            for t in tokens
            if t.end <= cue.start()
            and cue.start() - t.end <= FEEDBACK_WINDOW
            and "。" not in region.text[t.end : cue.start()]
        ]
        if before:
            t = before[-1]
            return t.date, region.evidence(t.start, cue.end())
    return None, None
