"""Page debris: lines that are page furniture, not report, recognised by what they say.

They are set aside (the outline skips them) but kept, because some carry facts the record
needs: the publication date on the 来源/发布时间 line, the issuing committee and the date of
the closing signature.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from zhenggai.schemas.document import Debris, DebrisKind
from zhenggai.schemas.record import Span

_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE_RE = re.compile(
    r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)

_PATTERNS: list[tuple[DebrisKind, re.Pattern[str]]] = [
    (DebrisKind.date_banner, re.compile(r"^(?:今天是|今日是|当前日期)\s*[:：]?")),
    (DebrisKind.breadcrumb, re.compile(r"^(?:当前位置|您的位置|你的位置|现在位置|位置)\s*[:：]|^首页\s*(?:>|›|»|/|→)")),
    (DebrisKind.breadcrumb, re.compile(r"^[^。,;]{1,40}(?:\s*(?:>|›|»|→)\s*[^。,;]{1,20}){2,}$")),
    (
        DebrisKind.source_line,
        re.compile(
            r"^(?:(?:信息|文章|稿件)?来源|发布(?:时间|日期)|发表时间|时间|作者|编辑|责任编辑|浏览次数|访问次数|点击数|阅读次数)"
            r"\s*[:：]"
        ),
    ),
    (DebrisKind.source_line, re.compile(r"发布(?:时间|日期)\s*[:：]\s*\d{4}|访问次数\s*[:：]|浏览(?:次数|量)\s*[:：]")),
    (DebrisKind.page_menu, re.compile(r"^(?:第?\d{1,3}版\s*[:：]?\s*\S{1,8}\s*){1,}$")),
    (DebrisKind.page_menu, re.compile(r"^(?:上一版|下一版|上一篇|下一篇|返回目录|版面导航|标题导航|往期回顾)")),
    (DebrisKind.keywords, re.compile(r"^(?:文章)?关键(?:字|词)\s*[:：]")),
    (
        DebrisKind.footer,
        re.compile(
            r"版权所有|ICP备|主办单位|承办单位|技术支持|网站标识码|打印本页|关闭窗口|【打印】|【关闭】|分享到|"
            r"字号\s*[:：]?\s*[大中小]|【字体|扫一扫|收藏本页"
        ),
    ),
]
_CONTACT_RE = re.compile(r"联系方式|联系电话|举报电话|电子邮箱|邮政信箱|通信地址|邮政编码|电话\s*[:：]?\s*[\d（(]")
_SIGNATURE_RE = re.compile(
    r"^(?:中共|中国共产党)?[^\s,。;:]{2,40}(?:委员会|委|党委|党组|党工委|工委|办公室|人民政府|纪委|监委)$"
)
_DATE_ONLY_RE = re.compile(
    r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$|^[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日$"
)
_NAV_TOKEN_RE = re.compile(r"^(?:[\u4e00-\u9fff]{2,6}\s+){3,}[\u4e00-\u9fff]{2,6}$")
_TAIL_LINES = 8


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for part in text.split("\n"):
        lines.append(Line(pos, pos + len(part), part))
        pos += len(part) + 1
    return lines


def parse_date(text: str) -> dt.date | None:
    """First date in `text` (2020-08-03, 2020年7月31日, 二〇二〇年七月三十一日)."""
    m = _DATE_RE.search(text)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _CN_DATE_RE.search(text)
        if m:
            year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
            return dt.date(year, _cn_small(m.group(2)), _cn_small(m.group(3)))
    except ValueError:
        return None
    return None


def _cn_small(s: str) -> int:
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _CN_DIGITS[s[1]]
    if s.endswith("十"):
        return 10 * _CN_DIGITS[s[0]]
    if "十" in s:
        return 10 * _CN_DIGITS[s[0]] + _CN_DIGITS[s[2]]
    return _CN_DIGITS[s]


def _classify(line: Line, near_end: bool) -> DebrisKind | None:
    text = line.text
    if len(text) <= 160:
        for kind, pattern in _PATTERNS:
            if pattern.search(text):
                return kind
        if _NAV_TOKEN_RE.match(text):
            return DebrisKind.page_menu
    if near_end:
        if _DATE_ONLY_RE.match(text):
            return DebrisKind.signature_date
        if len(text) <= 40 and _SIGNATURE_RE.match(text):
            return DebrisKind.signature
        if _CONTACT_RE.search(text):
            return DebrisKind.contact
    return None


def find_debris(text: str, lines: list[Line] | None = None) -> list[Debris]:
    """Debris lines of a normalised text, in order."""
    lines = lines if lines is not None else split_lines(text)
    found: list[Debris] = []
    tail_from = max(len(lines) - _TAIL_LINES, 0)
    for k, line in enumerate(lines):
        if not line.text:
            continue
        kind = _classify(line, near_end=k >= tail_from)
        if kind is not None:
            found.append(Debris(kind=kind, span=Span(start=line.start, end=line.end), text=line.text))
    return found


def publication_date(debris: list[Debris]) -> dt.date | None:
    for d in debris:
        if d.kind == DebrisKind.source_line and re.search(r"发布|发表|时间|日期", d.text):
            date = parse_date(d.text)
            if date:
                return date
    return None


def signature(debris: list[Debris]) -> tuple[str, dt.date | None]:
    name = next((d.text for d in reversed(debris) if d.kind == DebrisKind.signature), "")
    date = next((parse_date(d.text) for d in reversed(debris) if d.kind == DebrisKind.signature_date), None)
    return name, date
