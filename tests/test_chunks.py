"""Chunks follow the outline, fit the budget, and tile the rectification section exactly."""

from __future__ import annotations

import itertools

import pytest
from _paths import SEED_FILES, seed

from zhenggai.chunks.chunker import CHUNKED_ROLES, ChunkOptions, chunk_outline
from zhenggai.chunks.tokens import estimate_tokens
from zhenggai.ingest.document import load_text
from zhenggai.structure.outline import parse_outline
from zhenggai.structure.reader import read_report


def _covered(outline):
    tops = [s for s in outline.sections if s.role in CHUNKED_ROLES]
    return [(t.span.start, t.span.end) for t in tops]


@pytest.mark.parametrize("budget", [120, 400, 900, 4000])
@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_chunks_tile_the_details_and_fit_the_budget(path, budget):
    doc, outline = read_report(path)
    chunks = chunk_outline(doc.text, outline, options=ChunkOptions(budget=budget))
    assert chunks
    for c in chunks:
        assert doc.text[c.span.start : c.span.end] == c.text
        assert c.tokens == estimate_tokens(c.text) <= budget
        assert c.text.strip()
    # together they cover each details section with no gap and no overlap
    by_top = {}
    for start, end in _covered(outline):
        inside = [c for c in chunks if start <= c.span.start < end]
        assert inside[0].span.start == start and inside[-1].span.end == end
        for a, b in itertools.pairwise(inside):
            assert a.span.end == b.span.start
        by_top[start] = inside
    assert sum(len(v) for v in by_top.values()) == len(chunks)


def test_one_problem_with_its_measures_is_one_chunk():
    doc, outline = read_report(seed("001"))
    chunks = chunk_outline(doc.text, outline, options=ChunkOptions(budget=900, group_small=False))
    # 3. 对推动产城融合用力不足问题 with its three measure groups fits: one chunk, heading included
    (c,) = [c for c in chunks if "二.(一).3" in c.section_paths]
    assert c.text.startswith("3.对推动产城融合用力不足问题")
    assert {"二.(一).3.(1)", "二.(一).3.(2)", "二.(一).3.(3)"} <= set(c.section_paths)


def test_split_sections_repeat_their_heading_path_as_context():
    doc, outline = read_report(seed("000"))
    chunks = chunk_outline(doc.text, outline, options=ChunkOptions(budget=400, group_small=False))
    (c,) = [c for c in chunks if c.section_paths == ["二.(一).1.(3)"]]
    assert [h.path for h in c.context] == ["二", "二.(一)", "二.(一).1"]
    assert c.context[-1].title == "关于“经略海洋缺少系统谋划,用心用力不够”问题"


def test_oversize_leaf_is_split_at_sentences_with_context():
    sentence = "区委召开专题会议研究部署整改工作,制定方案并明确责任单位。"
    text = "二、整改落实情况\n(一)关于甲问题\n1.针对乙问题。" + sentence * 40 + "\n" + sentence * 5
    doc = load_text(text)
    outline = parse_outline(doc.text)
    chunks = chunk_outline(doc.text, outline, options=ChunkOptions(budget=150))
    parts = [c for c in chunks if c.path == "二.(一).1"]
    assert len(parts) >= 4 and all(c.parts == len(parts) for c in parts)
    assert [c.part for c in parts] == list(range(1, len(parts) + 1))
    assert all(c.text.endswith(("。", "\n")) for c in parts[:-1])  # cut at sentence ends
    assert parts[1].context[-1].path == "二.(一).1"
    assert "".join(c.text for c in chunks) == doc.text[outline.sections[0].span.start :]


def test_a_report_without_headings_is_still_chunked_whole():
    text = "关于整改情况的通报\n" + "\n".join("针对问题" + str(k) + ",已完成整改。" * 20 for k in range(6))
    doc = load_text(text)
    outline = parse_outline(doc.text)
    assert any(w.code == "no_headings" for w in outline.warnings)
    chunks = chunk_outline(doc.text, outline, options=ChunkOptions(budget=100))
    assert "".join(c.text for c in chunks) == doc.text[doc.text.index("\n") + 1 :]


def test_custom_token_counter_is_used():
    doc, outline = read_report(seed("002"))
    chunks = chunk_outline(doc.text, outline, count_tokens=len, options=ChunkOptions(budget=600))
    assert all(len(c.text) <= 600 and c.tokens == len(c.text) for c in chunks)
