"""Heading labels: recognise 一、 (一) 1. (1) ① at the start of a paragraph, and 一是… inside one."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from zhenggai.ingest.firstchars import first_chars
from zhenggai.schemas.document import NumberingKind
from zhenggai.vocab.numerals import cn_to_int

_CN_NUM = "零〇一二三四五六七八九十百"

# Order = usual nesting depth. Input is normalised: parentheses and full stops are half-width.
_LABELS: list[tuple[NumberingKind, re.Pattern[str]]] = [
    (NumberingKind.cn_paren, re.compile(rf"^\(\s*([{_CN_NUM}]{{1,4}})\s*\)\s*")),
    (NumberingKind.cn_dun, re.compile(rf"^([{_CN_NUM}]{{1,4}})\s*(?:、|\.(?!\d))\s*")),
    # 一) / 二): the closing bracket alone
    (NumberingKind.cn_paren, re.compile(rf"^([{_CN_NUM}]{{1,3}}\))\s*(?=[\u4e00-\u9fff“\"《])")),
    (NumberingKind.arabic_paren, re.compile(r"^\(\s*(\d{1,3})\s*\)\s*")),
    # 1) / 2): the closing bracket alone, as many drafts number items
    (NumberingKind.arabic_paren, re.compile(r"^(\d{1,2}\))\s*(?=[\u4e00-\u9fff“\"《])")),
    # 【1】 / [2]: a number in square brackets
    (NumberingKind.arabic_dot, re.compile(r"^(【\d{1,2}】|\[\d{1,2}\])\s*")),
    # 1. / 1、 / 1,关于…; and a flattened table row "1<TAB>问题…<TAB>措施…"
    (
        NumberingKind.arabic_dot,
        re.compile(
            r"^(\d{1,3})(?:\s*(?:、|\.(?!\d)|\.(?=(?:19|20)\d\d(?:年|$))|,(?=[\u4e00-\u9fff“\"]))"
            r"|\t| +(?=[\u4e00-\u9fff“\"]))\s*"
        ),
    ),
    # 1-1 / 2-3: an item numbered within its area (area 1, item 1), followed by a space
    (NumberingKind.arabic_dot, re.compile(r"^(\d{1,2}-\d{1,2}) +(?=[\u4e00-\u9fff“\"])")),
    (NumberingKind.circled, re.compile(r"^([①-⑳])\s*")),
    # 第一,… / 其一,… / 第1项:…: an ordinal opening a paragraph, before a comma or a colon
    (
        NumberingKind.ordinal,
        re.compile(rf"^(其[{_CN_NUM}]{{1,3}}|第[{_CN_NUM}]{{1,3}}|第\d{{1,2}}[项条])[,:、]\s*(?=[\u4e00-\u9fff“\"《])"),
    ),
    # A. / B、: a capital letter
    (NumberingKind.letter, re.compile(r"^([A-H])\s*[.、]\s*(?=[\u4e00-\u9fff“\"《])")),
    (
        NumberingKind.problem_label,
        # 问题1: / 反馈问题二、 / 第三个问题: (counted, as some pages write it)
        re.compile(
            rf"^((?:反馈|巡[视察](?:反馈)?|具体)?问题\s*(?:\d{{1,3}}|[{_CN_NUM}]{{1,4}}|\([{_CN_NUM}]{{1,4}}\)|\(\d{{1,3}}\))"
            rf"|第[{_CN_NUM}]{{1,4}}[个项条]?问题)(?:\s*[::.、]\s*| +(?=[\u4e00-\u9fff“\"]))"
        ),
    ),
]
RANK = {
    NumberingKind.cn_dun: 0,
    NumberingKind.cn_paren: 1,
    NumberingKind.arabic_dot: 2,
    NumberingKind.arabic_paren: 3,
    NumberingKind.circled: 4,
    # 问题1: labels the problem under an area (一、/(一)/1.关于…方面); what it holds nests below it.
    NumberingKind.problem_label: 2.5,
    # 第一,/其一, nest under whatever heading they follow (the outline ranks them so); A. as 1.
    NumberingKind.ordinal: 2.5,
    NumberingKind.letter: 2,
}
_ENUM_RE = re.compile(rf"([{_CN_NUM}]{{1,3}})是")
# An enumeration marker starts a paragraph or follows a clause break.
_ENUM_BEFORE = set('。;:,!?、”)."')


class Label(NamedTuple):
    """A heading label (a tuple: built for every line of a report, so cheaply)."""

    kind: NumberingKind
    number: int
    label: str  # canonical: 二 / (一) / 1 / (3) / ①
    length: int  # characters the label takes at the start of the line, spaces included


# A label starts with one of these: most lines are rejected on their first character.
_FIRST = frozenset("(【[问反巡具第其①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳ABCDEFGH" + _CN_NUM)


# The characters each label pattern's match can start with (None: any).
_STARTS = [first_chars(pattern.pattern) for _, pattern in _LABELS]


@functools.cache
def _labels_from(first: str) -> tuple[tuple[NumberingKind, re.Pattern[str]], ...]:
    """The label patterns, in their order, whose match can start with `first`: a line is tried
    only by the patterns that can read it, not by all six in turn."""
    return tuple(label for label, chars in zip(_LABELS, _STARTS, strict=True) if chars is None or chars.match(first))


def match_label(line: str) -> Label | None:
    if not line or not (line[0] in _FIRST or line[0].isdecimal()):
        return None
    for kind, pattern in _labels_from(line[0]):
        m = pattern.match(line)
        if not m:
            continue
        raw = m.group(1)
        if m.end() >= len(line):  # a bare label is not a heading
            return None
        if kind in (NumberingKind.cn_dun, NumberingKind.cn_paren, NumberingKind.ordinal):
            try:
                bare = raw.rstrip(")项条").lstrip("第其")
                number = int(bare) if bare.isdigit() else cn_to_int(bare)
            except ValueError:
                continue
            written = raw.endswith(")") or kind == NumberingKind.ordinal  # 一) / 第一: as written
            label = raw if written else f"({raw})" if kind == NumberingKind.cn_paren else raw
        elif kind == NumberingKind.letter:
            number, label = ord(raw) - ord("A") + 1, raw
        elif kind == NumberingKind.problem_label:
            digits = re.search(rf"\d+|[{_CN_NUM}]+(?=[个项条]?问题$)|[{_CN_NUM}]+$", raw.replace(" ", "").rstrip(")"))
            try:
                number = int(digits.group(0)) if digits.group(0).isdigit() else cn_to_int(digits.group(0))
            except ValueError:
                continue
            label = raw.replace(" ", "")
        elif kind == NumberingKind.circled:
            number = ord(raw) - ord("①") + 1
            label = raw
        elif "-" in raw:
            number, label = int(raw.split("-")[1]), raw
        elif not raw.isdigit():  # 1) / 【1】 / [1]: the number inside, the label as written
            number, label = int(re.sub(r"\D", "", raw)), raw
        else:
            number = int(raw)
            label = f"({number})" if kind == NumberingKind.arabic_paren else str(number)
        return Label(kind=kind, number=number, label=label, length=m.end())
    return None


def find_enumerations(text: str, offset: int = 0) -> list[tuple[str, int, int, int]]:
    """In-paragraph items 一是…二是…: (label, number, start, end) with absolute offsets.

    Only an unbroken run 一是, 二是, 三是 … counts, each at a clause break, so words that merely
    contain 是 are not taken for items.
    """
    if "是" not in text:
        return []
    items: list[tuple[str, int, int]] = []
    expected, pos = 1, 0
    while True:
        found = None
        for m in _ENUM_RE.finditer(text, pos):
            try:
                n = cn_to_int(m.group(1))
            except ValueError:
                continue
            if n != expected:
                continue
            if m.start() == 0 or text[m.start() - 1] in _ENUM_BEFORE:
                found = (m.group(0), n, m.start())
                break
        if not found:
            break
        items.append(found)
        expected += 1
        pos = found[2] + len(found[0])
    if len(items) < 2:
        return []
    out = []
    for k, (label, n, start) in enumerate(items):
        end = items[k + 1][2] if k + 1 < len(items) else len(text)
        out.append((label, n, offset + start, offset + end))
    return out
