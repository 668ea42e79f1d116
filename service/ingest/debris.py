"""Page debris: lines that are page furniture, not report, recognised by what they say.

They are set aside (the outline skips them) but kept, because some carry facts the record
needs: the publication date on the 来源/发布时间 line, the issuing committee and the date of
the closing signature.

Every pattern here runs on untrusted text, so each is linear-time by construction: bounded
repeats over classes that do not overlap their neighbours, possessive quantifiers (`*+`, `++`)
where a repeat meets a repeat, and plain `str.split` instead of a regex for the token lists
(breadcrumb trails, bars of page buttons).
"""

from __future__ import annotations

import datetime as dt
import heapq
import operator
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from zhenggai.ingest.firstchars import first_chars
from zhenggai.ingest.trusted import span, trusted
from zhenggai.schemas.document import Debris, DebrisKind

_DATE_RE = re.compile(r"(\d{4})\s*+[-/.年]\s*+(\d{1,2})\s*+[-/.月]\s*+(\d{1,2})\s*+日?")
CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE_RE = re.compile(
    r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_C = r"\s*+[:：]"  # a field label's colon
_PATTERNS: list[tuple[DebrisKind, re.Pattern[str]]] = [
    (DebrisKind.date_banner, re.compile(r"^(?:今天是|今日是|当前日期)\s*+[:：]?")),
    (
        DebrisKind.breadcrumb,
        re.compile(rf"^(?:您|你)?(?:现在|当前|目前)?(?:所在)?的?位置{_C}|^(?:网站)?首页\s*+(?:>|›|»|/|→|-)"),
    ),
    (
        DebrisKind.source_line,
        re.compile(
            r"^(?:(?:信息|文章|稿件|新闻)?来源|发布(?:时间|日期|者|单位|机构)|发表时间|公开日期|索引号|时间|日期|作者|供稿|撰稿|"
            r"审核|校对|编辑|责任编辑|值班编辑|浏览次数|访问次数|点击数|点击量|点击率|阅读次数|阅读量|浏览量)" + _C
        ),
    ),
    (
        DebrisKind.source_line,
        re.compile(
            r"(?:发布|公开)(?:时间|日期)\s*+[:：]\s*+\d{4}|(?:访问|浏览|阅读|点击)(?:次数|量)\s*+[:：]"
            r"|(?:^|\s)(?:(?:信息|文章)?来源|作者|责任编辑|编辑)\s*+[:：]"
        ),
    ),
    # 01版:要闻 02版:综合 / 第A3版: 理论: each item is unambiguous (the name has no digit, 第 or 版).
    (
        DebrisKind.page_menu,
        re.compile(r"^(?:第?[A-Z]?\d{1,3}+版\s*+(?:[:：]\s*+)?[^\s\d:：第版]{1,8}+\s*+)++$"),
    ),
    (
        DebrisKind.page_menu,
        re.compile(
            r"^(?:上一版|下一版|上一篇|下一篇|上一条|下一条|返回目录|返回顶部|返回首页|版面导航|标题导航|往期回顾|"
            r"相关链接|相关阅读|相关文章|相关新闻)"
        ),
    ),
    (DebrisKind.keywords, re.compile(rf"^(?:文章)?(?:关键(?:字|词)|标签|主题词){_C}")),
    (
        DebrisKind.contact,
        re.compile(
            rf"^(?:联系(?:电话|方式|人|地址)|举报电话|监督电话|咨询电话|电子(?:邮箱|信箱)|邮箱|邮政编码|邮编|通(?:信|讯)地址|传真){_C}"
        ),
    ),
    (
        DebrisKind.footer,
        re.compile(
            r"版权所有|ICP备|主办单位|承办单位|技术支持|网站标识码|打印本页|关闭窗口|【打印】|【关闭】|分享到|"
            r"字号\s*+[:：]?\s*+[大中小\[【]|字体\s*+[:：]\s*+[\[【]?\s*+[大中小]|【字体|扫一扫|收藏本页|"
            r"^分享\s*+[:：]|[\[【]\s*+(?:打印|关闭|返回|收藏|纠错)\s*+[\]】]"
        ),
    ),
]
# Any of the patterns: most lines are not debris and are let through after this one search (a
# union of linear patterns costs at most the sum of theirs).
_ANY_PATTERN = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _PATTERNS))
# a contact line gives the number or address after its word (举报电话:0379-…), where a measure only
# names one (设立举报箱和举报电话。)
_CONTACT_RE = re.compile(
    r"(?:联系方式|联系电话|举报电话|电子邮箱|邮政信箱|通信地址|邮政编码|电话)[ \t]*+(?:[:：][ \t]*+[^ \t。]|[\d（(@])"
)
_SIGNATURE_RE = re.compile(
    r"^(?:中共|中国共产党)?[^\s,。;:]{2,40}(?:委员会|委|党委|党组|党工委|工委|办公室|人民政府|纪委|监委)$"
)
_DATE_ONLY_RE = re.compile(
    r"^\d{4}\s*+年\s*+\d{1,2}\s*+月\s*+\d{1,2}\s*+日$|^[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日$"
)
# A breadcrumb trail: 工作动态 > 巡视巡察 > 正文 (→ only counts in the page head: a flow line
# 申请→受理→办结 inside the report is text).
_TRAIL_SEPARATORS = re.compile(r"[>›»]")
_TRAIL_HEAD_SEPARATORS = re.compile(r"[>›»→·]")  # 涟水县人民政府 · 要闻动态 · 公示公告
_NOT_IN_TRAIL = re.compile(r"[。,;，；]")
_CJK_TOKEN = re.compile(r"[\u4e00-\u9fff]{2,6}")
# Words of a bar of page buttons: 打印 关闭 / 【字体:大 中 小】 / 分享 收藏.
_BUTTON_WORDS = frozenset({
    "打印", "关闭", "分享", "收藏", "纠错", "返回", "返回顶部", "打印本页", "关闭窗口", "打印此页", "关闭本页",
    "字体", "字号", "大", "中", "小", "默认", "繁体", "简体", "繁體", "无障碍", "长者模式", "扫一扫", "T",
})  # fmt: skip
_BUTTON_SPLIT = re.compile(r"[\s|【】\[\]()（）:：/·]+")
_FIRST_TOKEN = re.compile(r"[^\s|【】\[\]()（）:：/·]")
_BUTTON_FIRST = frozenset(w[0] for w in _BUTTON_WORDS)
_HEAD_LINES = 10
_NEWLINE = re.compile("\n")
_END = operator.methodcaller("end")
_TAIL_LINES = 8


@dataclass(frozen=True, slots=True)
class Line:
    """A line of the normalised text (one per paragraph: slots, as a report may hold 100,000)."""

    start: int
    end: int
    text: str


class Lines(Sequence[Line]):
    """The lines of a text as the offsets where they start, each `Line` made when it is read.

    A report may hold 100,000 lines and the outline reads each once or twice: holding a `Line`
    and a copy of its text for every one was the largest part of the outline's memory on texts
    of many short lines (about 150 bytes a line, against 8 here).
    """

    __slots__ = ("starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = array("q", [0])
        starts.extend(map(_END, _NEWLINE.finditer(text)))  # each line break's end, in C
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts)

    def is_empty(self, k: int) -> bool:
        end = self.starts[k + 1] - 1 if k + 1 < len(self.starts) else len(self.text)
        return end == self.starts[k]

    def _line(self, k: int) -> Line:
        start = self.starts[k]
        end = self.starts[k + 1] - 1 if k + 1 < len(self.starts) else len(self.text)
        return Line(start, end, self.text[start:end])

    @overload
    def __getitem__(self, k: int) -> Line: ...
    @overload
    def __getitem__(self, k: slice) -> list[Line]: ...
    def __getitem__(self, k: int | slice) -> Line | list[Line]:
        if isinstance(k, slice):
            return [self._line(j) for j in range(*k.indices(len(self.starts)))]
        if k < 0:
            k += len(self.starts)
        if not 0 <= k < len(self.starts):
            raise IndexError(k)
        return self._line(k)

    def __iter__(self) -> Iterator[Line]:
        return (self._line(k) for k in range(len(self.starts)))


def split_lines(text: str) -> Lines:
    return Lines(text)


def parse_date(text: str) -> dt.date | None:
    """First date in `text` (2020-08-03, 2020年7月31日, 二〇二〇年七月三十一日)."""
    m = _DATE_RE.search(text)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _CN_DATE_RE.search(text)
        if m:
            year = int("".join(str(CN_DIGITS[c]) for c in m.group(1)))
            return dt.date(year, cn_small(m.group(2)), cn_small(m.group(3)))
    except ValueError:
        return None
    return None


def cn_small(s: str) -> int:
    """一 … 三十一 as a number (a month or a day written in Chinese numerals)."""
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + CN_DIGITS[s[1]]
    if s.endswith("十"):
        return 10 * CN_DIGITS[s[0]]
    if "十" in s:
        return 10 * CN_DIGITS[s[0]] + CN_DIGITS[s[2]]
    return CN_DIGITS[s]


def _is_trail(text: str, near_start: bool) -> bool:
    """首页 > 工作动态 > 巡视巡察: three or more short parts between arrows, no sentence punctuation."""
    separators = _TRAIL_HEAD_SEPARATORS if near_start else _TRAIL_SEPARATORS
    if _NOT_IN_TRAIL.search(text):
        return False
    parts = [p.strip() for p in separators.split(text)]
    return len(parts) >= 3 and all(parts) and len(parts[0]) <= 40 and all(len(p) <= 20 for p in parts[1:])


def _nav_bar(text: str) -> DebrisKind | None:
    """A bar of page buttons (打印 关闭 / 【字体:大 中 小】) or of menu words (首页 新闻 公开 服务)."""
    first = _FIRST_TOKEN.search(text)
    # A first token that is no button word: not a bar of them, no need to split the line.
    button_start = first is not None and first.group() in _BUTTON_FIRST
    tokens = [t for t in _BUTTON_SPLIT.split(text) if t] if button_start else []
    if tokens and all(t in _BUTTON_WORDS for t in tokens) and (len(tokens) >= 2 or len(tokens[0]) >= 4):
        return DebrisKind.footer
    words = text.split()
    if len(words) >= 4 and all(_CJK_TOKEN.fullmatch(w) for w in words):
        return DebrisKind.page_menu
    # 乐山政协网 | 首页 | 机关建设 | 通知公告: menu words between bars (a table's header has no 首页)
    if " | " in text and "首页" in text:
        words = [w for w in text.split() if w != "|"]
        if len(words) >= 3 and all(_CJK_TOKEN.fullmatch(w) for w in words):
            return DebrisKind.page_menu
    return None


def _classify(line: Line, near_start: bool, near_end: bool) -> DebrisKind | None:
    text = line.text
    if len(text) <= 160:
        if _ANY_PATTERN.search(text):
            for kind, pattern in _PATTERNS:
                if pattern.search(text):
                    return kind
        if _is_trail(text, near_start):
            return DebrisKind.breadcrumb
        bar = _nav_bar(text)
        if bar is not None:
            return bar
    if near_end:
        if _DATE_ONLY_RE.match(text):
            return DebrisKind.signature_date
        if len(text) <= 40 and _SIGNATURE_RE.match(text):
            return DebrisKind.signature
        if _CONTACT_RE.search(text):
            return DebrisKind.contact
    return None


def one_line_pattern(pattern: str) -> str:
    """`pattern` for a search over a whole text that matches, within a line, just where it
    matched the line alone: no `\\s` or negated class reaches over a line break."""
    out: list[str] = []
    k, in_class = 0, False
    while k < len(pattern):
        ch = pattern[k]
        if ch == "\\":
            piece = pattern[k : k + 2]
            out.append("[^\\S\\n]" if piece == "\\s" and not in_class else piece)
            k += 2
            continue
        if not in_class and ch == "[":
            in_class = True
            negated = pattern.startswith("[^", k)
            out.append("[^\\n" if negated else "[")
            k += 2 if negated else 1
            continue
        if in_class and ch == "]":
            in_class = False
        out.append(ch)
        k += 1
    return "".join(out)


# Where a line may be debris, searched in the whole text at once (a line none of these finds
# anything in is no debris, whatever `_classify` would read of it): one of the patterns (tried
# only where one of their first characters stands), a trail's arrow, a space between words (a
# bar of menu words), or a first word that may be a button's.
def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of `pattern` (split at each `|` outside groups and classes)."""
    out: list[str] = []
    depth, k, start, in_class = 0, 0, 0, False
    while k < len(pattern):
        ch = pattern[k]
        if ch == "\\":
            k += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            opening = next((o for o in ("[^]", "[]") if pattern.startswith(o, k)), "")  # a leading ] is a member
            k += len(opening) - 1 if opening else 0
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:k])
            start = k + 1
        k += 1
    out.append(pattern[start:])
    return out


_ALTERNATIVES = [a for _, p in _PATTERNS for a in _alternatives(p.pattern)]
# The alternatives that open a line, searched as a line break and what follows it...
_AT_LINE_START_RE = re.compile(
    "\n(?:" + "|".join(one_line_pattern(a[1:]) for a in _ALTERNATIVES if a.startswith("^")) + ")", re.M
)
# ... and the others, tried only where one of their first characters stands.
_INSIDE = "|".join(a for a in _ALTERNATIVES if not a.startswith("^"))
_INSIDE_RE = re.compile(one_line_pattern(_INSIDE), re.M)
_INSIDE_FIRST_RE = first_chars(_INSIDE, exclude="\n")  # (as one line: no \s there is a line break)
_SPACE_RE = re.compile(r"[^\S\n]")
_BUTTON_LINE_RE = re.compile("\n[|【】\\[\\]()（）:：/·]*+[" + re.escape("".join(sorted(_BUTTON_FIRST))) + "]")


def _found_in(
    lines: Lines, rx: re.Pattern[str], k: int, end: int, *, then: re.Pattern[str] | None = None, lead: int = 0
) -> Iterator[int]:
    """Lines from `k` on, up to the text offset `end`, where `rx` finds something (and `then`
    matches where it does, when given), in order; the search goes on at the next line. `lead`:
    `rx` starts with that many characters before the line (a line break)."""
    text, starts = lines.text, lines.starts
    pos = starts[k] - lead
    while (m := rx.search(text, pos, end)) is not None:
        p = m.start()
        if then is not None and then.match(text, p, end) is None:
            pos = p + 1
            continue
        k = bisect_right(starts, p + lead) - 1
        yield k
        if k + 1 >= len(starts):
            return
        pos = starts[k + 1] - lead


def _maybe_debris(lines: Lines) -> Iterator[int]:
    """The lines `_classify` may find debris in, in order: the head and tail lines (read in
    their place) and any other line where one of the searches above finds something."""
    n = len(lines)
    tail_from = max(n - _TAIL_LINES, 0)
    yield from range(min(_HEAD_LINES, n))
    if tail_from > _HEAD_LINES:
        end = lines.starts[tail_from] - 1  # the end of the last line before the tail
        inside = (
            _found_in(lines, _INSIDE_FIRST_RE, _HEAD_LINES, end, then=_INSIDE_RE)
            if _INSIDE_FIRST_RE is not None
            else _found_in(lines, _INSIDE_RE, _HEAD_LINES, end)
        )
        found = heapq.merge(
            _found_in(lines, _AT_LINE_START_RE, _HEAD_LINES, end, lead=1),
            inside,
            _found_in(lines, _TRAIL_SEPARATORS, _HEAD_LINES, end),
            _found_in(lines, _SPACE_RE, _HEAD_LINES, end),
            _found_in(lines, _BUTTON_LINE_RE, _HEAD_LINES, end, lead=1),
        )
        last = -1
        for k in found:
            if k != last and _HEAD_LINES <= k < tail_from:
                yield k
            last = k
    yield from range(max(_HEAD_LINES, tail_from), n)


def find_debris(text: str, lines: Sequence[Line] | None = None) -> list[Debris]:
    """Debris lines of a normalised text, in order."""
    lines = lines if lines is not None else split_lines(text)
    found: list[Debris] = []
    tail_from = max(len(lines) - _TAIL_LINES, 0)
    ks = _maybe_debris(lines) if isinstance(lines, Lines) else range(len(lines))
    for k in ks:
        line = lines[k]
        if not line.text:
            continue
        kind = _classify(line, near_start=k < _HEAD_LINES, near_end=k >= tail_from)
        if kind is not None:
            found.append(trusted(Debris, kind=kind, span=span(line.start, line.end), text=line.text))
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
