"""Property-based fuzzing of ingest → structure → chunk (issue 12): hostile shapes finish in time
and keep every invariant the later stages rely on.

Inputs are built from what breaks parsers of these reports: heading markers of every style,
numbers, 版, →, 一是, brackets and quotes, mixed with lines of the real seed reports; then pushed
into one huge line, deep nesting of heading levels, or 100,000 headings. The time budget is
generous (CPU time, so other work on the machine does not make it flaky) and only catches
blow-ups: backtracking that doubles with every repeat, or work that grows with the square of
the input. The tight target (1 s/MB) lives in bench/bench_parse.py.
"""

from __future__ import annotations

import itertools
import time

from _paths import SEED_FILES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhenggai.chunks.chunker import CHUNKED_ROLES, chunk_outline
from zhenggai.chunks.tokens import estimate_tokens
from zhenggai.ingest.document import load_text
from zhenggai.ingest.errors import IngestError
from zhenggai.ingest.normalize import TRANSLATION
from zhenggai.schemas.document import Section
from zhenggai.structure.outline import parse_outline

# CPU seconds allowed: a fixed start-up plus this per MB of input. Linear parsing of the densest
# shapes (a heading every few characters) runs at a few s/MB; quadratic or exponential work is far over.
FIXED_S = 1.0
S_PER_MB = 20.0

MARKERS = [
    "一、", "二、", "十一、", "(一)", "(二)", "（三）", "1.", "2、", "3,", "12.", "(1)", "(2)", "①", "②", "⑳",
    "问题1:", "问题二:", "反馈问题三:", "1版", "第A3版:", "版", "→", "->", "一是", "二是", "三是",
    "(", ")", "“", "”", "《", "》", "「", "」", "【", "】", "[", "]", "\"", "。", ",", ";", ":", "、",
    "\n", "\n\n", " ", "　", "\t", "1", "2020", "2026年6月6日", "100%", "整改", "已完成", "正在推进",
    "关于", "问题", "的整改情况", "责任单位:", "整改措施:", "首页 > 工作动态 > ", "来源:", "打印 关闭",
    "联系电话:", "中共某某县委", "**", "# ", "> ", "-", "\u200b", "１２", "ｂ", "é", "٣",
]  # fmt: skip


def _seed_lines() -> list[str]:
    lines = [ln for path in SEED_FILES for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines or ["二、整改落实情况", "(一)关于某某问题的整改", "1.已完成整改。"]


SEED_LINES = _seed_lines()
fragment = st.one_of(st.sampled_from(MARKERS), st.sampled_from(SEED_LINES), st.text(max_size=6))
mixed = st.lists(fragment, max_size=120).map("".join)

TAGS = [
    "<p>", "</p>", "<div>", "</div>", "<br/>", "<td>", "<tr>", "<script>", "</script>", "<!--", "-->",
    "<![", "<![if !IE]>", "<!x", "<?", "</", "<", ">", "&amp;", "&#x4e00;", "&#", "&nbsp", "'", "<a href='",
]  # fmt: skip
html = st.lists(st.one_of(st.sampled_from(TAGS), fragment), max_size=120).map("".join)
html_repeated = st.tuples(st.lists(st.sampled_from(TAGS + MARKERS), min_size=1, max_size=3), st.integers(20, 20_000))

HEADINGS = ["一、关于", "(一)关于", "1.针对", "(1)", "①", "问题1:"]


@st.composite
def repeated(draw) -> str:
    """One fragment (or a few) repeated: the shape that made backtracking patterns explode."""
    unit = "".join(draw(st.lists(st.sampled_from(MARKERS), min_size=1, max_size=4)))
    return unit * draw(st.integers(20, 4000))


@st.composite
def one_huge_line(draw) -> str:
    unit = draw(st.lists(fragment, min_size=1, max_size=8).map("".join)).replace("\n", "")
    return (unit or "整改") * (draw(st.integers(50_000, 200_000)) // max(len(unit), 1))


@st.composite
def deep_nesting(draw) -> str:
    """Every heading level in turn, over and over: 一、 (一) 1. (1) ① 问题1: …"""
    levels = draw(st.lists(st.sampled_from(HEADINGS), min_size=2, max_size=6))
    body = draw(st.sampled_from(["甲", "整改。", "已完成整改。一是甲;二是乙。", ""]))
    rounds = draw(st.integers(100, 2000))
    return "二、整改落实情况\n" + "".join(f"{h}{body}\n" for _ in range(rounds) for h in levels)


def many_headings(style: str, count: int = 100_000) -> str:
    return "二、整改落实情况\n" + "".join(f"{style}问题{k}\n" for k in range(count))


def _sections(sections: list[Section]):
    """(parent, section) pairs, iteratively: the tree may be any depth."""
    todo = [(None, s) for s in reversed(sections)]
    while todo:
        parent, s = todo.pop()
        yield parent, s
        todo.extend((s, c) for c in reversed(s.children))


def run_stages(raw: str, media_type: str = "text/plain") -> None:
    """Ingest, outline and chunk `raw`, assert the invariants and the time budget."""
    started = time.process_time()
    try:
        doc = load_text(raw, media_type=media_type)
    except IngestError:
        return  # empty, binary-looking or otherwise refused with a typed error: allowed
    outline = parse_outline(doc.text)
    chunks = chunk_outline(doc.text, outline)
    elapsed = time.process_time() - started
    mb = len(raw.encode("utf-8", "surrogatepass")) / 1e6
    assert elapsed <= FIXED_S + S_PER_MB * mb, f"{elapsed:.2f} s of CPU for {mb:.3f} MB"

    text, n = doc.text, len(doc.text)
    # Offsets map back into the original, in order, to the character the text shows.
    step = max(n // 2000, 1)
    previous = 0
    for k in range(0, n, step):
        src = doc.offsets.to_source(k)
        assert previous <= src < len(doc.original)
        previous = src
        if text[k] not in "\n \t" and media_type == "text/plain":  # HTML: entities map to their `&`
            assert doc.original[src].translate(TRANSLATION) == text[k]
    assert doc.offsets.to_source(n) == len(doc.original)

    # Sections: spans in range, titles inside them, children inside their parents and in order.
    for parent, s in _sections(outline.sections):
        assert 0 <= s.span.start <= s.span.end <= n
        assert s.span.start <= s.title_span.start <= s.title_span.end <= s.span.end
        if parent is not None:
            assert parent.span.start <= s.span.start and s.span.end <= parent.span.end
            assert s.level == parent.level + 1 and s.path.startswith(parent.path + ".")
        for a, b in itertools.pairwise(s.children):
            assert a.span.end <= b.span.start
    for a, b in itertools.pairwise(outline.sections):
        assert a.span.end <= b.span.start
    for d in outline.debris:
        assert text[d.span.start : d.span.end] == d.text

    # Chunks: each its own text, no overlap, and together the details exactly once.
    for c in chunks:
        assert text[c.span.start : c.span.end] == c.text
        assert c.tokens == estimate_tokens(c.text)
    for a, b in itertools.pairwise(chunks):
        assert a.span.end <= b.span.start
    tops = [s for s in outline.sections if s.role in CHUNKED_ROLES]
    if tops:
        # one sweep (tops and chunks are both in order): each top tiled by its own chunks
        k = 0
        for top in tops:
            assert k < len(chunks) and chunks[k].span.start == top.span.start
            while k + 1 < len(chunks) and chunks[k + 1].span.start < top.span.end:
                assert chunks[k].span.end == chunks[k + 1].span.start
                k += 1
            assert chunks[k].span.end == top.span.end
            k += 1
        assert k == len(chunks)
    elif not outline.sections and chunks:
        assert all(a.span.end == b.span.start for a, b in itertools.pairwise(chunks))


def fuzz(examples: int) -> settings:
    # Our own CPU budget replaces hypothesis's wall-clock deadline.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@fuzz(120)
@given(mixed)
def test_mixed_fragments_keep_the_invariants(raw: str) -> None:
    run_stages(raw)


@fuzz(25)
@given(repeated())
def test_repeated_fragments_finish_in_linear_time(raw: str) -> None:
    run_stages(raw)


@fuzz(6)
@given(one_huge_line())
def test_one_huge_line(raw: str) -> None:
    run_stages(raw)


@fuzz(6)
@given(deep_nesting())
def test_deep_nesting_of_heading_levels(raw: str) -> None:
    run_stages(raw)


@fuzz(1)
@given(st.sampled_from(["(1)", "1.", "①", "问题1:", "(一)"]))
def test_a_hundred_thousand_headings(style: str) -> None:
    run_stages(many_headings(style))


@fuzz(80)
@given(html)
def test_html_pages_keep_the_invariants(raw: str) -> None:
    run_stages(raw, media_type="text/html")


@fuzz(15)
@given(html_repeated)
def test_repeated_markup_finishes_in_linear_time(unit_count: tuple[list[str], int]) -> None:
    unit, count = unit_count
    run_stages("<html><body>" + "".join(unit) * count, media_type="text/html")
