"""The parse stages' shortcuts give what reading every line would (issue 12, heavy input).

Each shortcut skips work a whole-text search shows is not needed: debris tried only on lines
where something could match, past the heading cap only the lines that change the outline,
an already-normal text returned as it is, rebreak's map built in C. Each is checked here
against the exhaustive reading it replaces, on hypothesis-generated texts of real seed lines,
heading labels, page furniture and labelled fields, so a rule added later (a debris pattern
with a lookbehind, a new effect of field lines) that breaks a shortcut fails here.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_fuzz_parse import MARKERS, SEED_LINES

from zhenggai.ingest import debris, normalize
from zhenggai.ingest.firstchars import first_chars
from zhenggai.structure import outline as outline_module
from zhenggai.structure.outline import parse_outline

FURNITURE = [
    "今天是: 2024年", "首页 > 工作动态 > 正文", "来源: 某某", "发布时间: 2024-01-02", "01版:要闻 02版:综合",
    "上一篇", "关键词: 整改", "联系电话: 0379-1234", "版权所有 某某", "打印 关闭", "【打印】", "字号: 大 中 小",
    "首页 新闻 公开 服务", "中共某某县委员会", "2024年6月6日", "工作动态 → 巡察工作 → 正文", "a›b›c", "分享:",
    "\t打印", "打印本页", "【字体 大】", "·打印", "(打印)", " 责任编辑:甲",
]  # fmt: skip
FIELDS = ["整改措施:甲。", "责任单位:乙", "【整改情况】已完成", "一是甲;二是乙。", "整改情况:已完成。"]
HEADINGS = ["二、整改落实情况", "(一)关于甲", "1.针对乙", "(2)丙", "①丁", "问题3:戊"]

line = st.one_of(
    st.sampled_from(SEED_LINES),
    st.sampled_from(FURNITURE + FIELDS + HEADINGS),
    st.lists(st.sampled_from(MARKERS + FURNITURE + FIELDS), max_size=4).map("".join),
)
# plain lines between the others, so a line that matters may stand inside a stretch of them
text = st.lists(st.one_of(line, st.just("内容。")), min_size=3, max_size=80).map("\n".join)


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz(300)
@given(st.lists(st.one_of(line, st.just("内容。")), min_size=20, max_size=80).map("\n".join))
def test_debris_found_as_by_reading_every_line(raw: str) -> None:
    lines = debris.split_lines(raw)
    found = debris.find_debris(raw, lines)
    saved = debris._maybe_debris
    debris._maybe_debris = lambda ls: range(len(ls))
    try:
        assert found == debris.find_debris(raw, lines)
    finally:
        debris._maybe_debris = saved


# headings first, then a body of everything: a cap of a few headings is passed early
capped = st.tuples(
    st.lists(st.sampled_from(HEADINGS + FIELDS[:3]), min_size=1, max_size=8),
    st.lists(st.one_of(line, st.just("内容。")), min_size=5, max_size=60),
).map(lambda parts: "\n".join(parts[0] + parts[1]))


# past the cap, a field line in the middle of plain text moves the text back under (一)
FIELD_AFTER_CAP = (
    "二、整改落实情况\n(一)关于甲的问题\n整改措施:甲。\n1.针对乙\n2.针对丙\n内容。\n内容。\n责任单位:乙\n内容。\n内容。"
)
# ... and a line of 一是… 二是… in the middle is read as the last section's own
ENUMERATION_AFTER_CAP = "二、整改落实情况\n(一)关于甲\n(二)关于乙\n内容。\n一是甲;二是乙。\n内容。"


@fuzz(200)
@given(capped, st.integers(0, 5))
@example(FIELD_AFTER_CAP, 3)
@example(ENUMERATION_AFTER_CAP, 2)
def test_past_the_cap_the_outline_is_the_one_every_line_gives(raw: str, cap: int) -> None:
    def every_line(lines, k0, k1, skip):
        return (lines[k] for k in range(k0, k1) if k not in skip and not lines.is_empty(k))

    outline = parse_outline(raw, max_headings=cap)
    saved = outline_module.quiet_lines
    outline_module.quiet_lines = every_line
    try:
        assert outline == parse_outline(raw, max_headings=cap)
    finally:
        outline_module.quiet_lines = saved


@fuzz(300)
@given(st.lists(st.sampled_from(SEED_LINES[:50] + MARKERS + ["", " ", "  ", "\n", "\r\n", "\u200b"]), max_size=40))
def test_an_already_normal_text_is_returned_as_the_line_loop_gives_it(parts: list[str]) -> None:
    raw = "".join(parts)
    fast = normalize.normalise(raw)
    saved = normalize._already_normal
    normalize._already_normal = lambda _: None
    try:
        slow = normalize.normalise(raw)
    finally:
        normalize._already_normal = saved
    assert (fast.text, fast.hard_wrapped, fast.newline) == (slow.text, slow.hard_wrapped, slow.newline)
    assert [fast.offsets.to_source(k) for k in range(len(fast.text) + 1)] == [
        slow.offsets.to_source(k) for k in range(len(slow.text) + 1)
    ]


@pytest.mark.parametrize("pattern", [p.pattern for _, p in debris._PATTERNS] + [r"(?:^|\s)来源", r"\d{2}版", "a|b?c"])
def test_first_characters_bound_every_match(pattern: str) -> None:
    first = first_chars(pattern)
    assert first is not None
    rx = re.compile(pattern, re.M)
    for sample in [*FURNITURE, *SEED_LINES[:300]]:
        for m in rx.finditer(sample):
            assert first.match(sample, m.start()), (pattern, sample)


def test_first_characters_refuse_what_they_cannot_bound() -> None:
    assert first_chars(r"[^a]b") is None  # a negated class: any character
    assert first_chars(r"x*") is None  # matches the empty string
    assert first_chars(r"(?i)abc") is None
