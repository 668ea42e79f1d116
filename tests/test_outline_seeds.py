"""The outline of each seed report, checked against the report's own numbering."""

from __future__ import annotations

import pytest
from _paths import SEED_FILES, seed

from zhenggai.schemas.record import SectionRole
from zhenggai.structure.reader import read_report


def _details(prefix: str):
    doc, outline = read_report(seed(prefix))
    tops = [s for s in outline.sections if s.role == SectionRole.details]
    return doc, outline, tops


def _shape(area):
    """(number of 1.-level items, number of (1)-level items) under an area."""
    return len(area.children), sum(len(item.children) for item in area.children)


def test_all_four_seeds_are_present():
    assert len(SEED_FILES) == 4


@pytest.mark.parametrize(
    ("prefix", "areas"),
    [
        # area label → (1.-level items, (1)-level items), counted by hand from each report
        ("000", {"(一)": (3, 17), "(二)": (3, 8), "(三)": (2, 7), "(四)": (3, 8), "(五)": (0, 0)}),
        ("001", {"(一)": (5, 18), "(二)": (4, 13), "(三)": (3, 12)}),
        ("002", {"(一)": (6, 21), "(二)": (3, 7), "(三)": (3, 8), "(四)": (1, 0), "(五)": (0, 0)}),
        (
            "004",
            {
                **{f"({n})": (3, 0) for n in "一二三四五六七八九"},
                "(十)": (0, 0),
                "(十一)": (1, 0),
                "(十二)": (1, 0),
                "(十三)": (41, 0),
            },
        ),
    ],
)
def test_areas_items_and_subitems_per_area(prefix, areas):
    _, _, tops = _details(prefix)
    main = tops[0]
    assert main.label == "二"
    assert {a.label: _shape(a) for a in main.children} == areas


def test_000_titles_and_paths():
    doc, outline, _ = _details("000")
    assert outline.title == "中共烟台市芝罘区委关于巡视整改进展情况的通报"
    item = outline.find("二.(一).1")
    assert item.title == "关于“经略海洋缺少系统谋划,用心用力不够”问题"
    assert not item.run_in
    sub = outline.find("二.(一).1.(5)")
    assert sub.title == "针对“海洋高端装备制造业集群效应不明显”的问题"
    assert sub.run_in  # "(5)针对…的问题。一是…"
    assert [e.label for e in sub.enumerations][:2] == ["一是", "二是"]
    assert doc.text[sub.title_span.start : sub.title_span.end] == sub.title
    # (n) numbering continues across 1. items: (7) opens item 2, and that is not an anomaly
    assert outline.find("二.(一).2.(7)").numbering_note == "continued"
    leads = outline.find("二.(五)")
    assert leads.role == SectionRole.leads_petitions
    assert outline.find("二.(二).1.(20)").role == SectionRole.details  # mentions 信访 but is a problem
    assert [s.role for s in outline.sections] == [SectionRole.overview, SectionRole.details, SectionRole.next_steps]


def test_001_repeated_number_is_kept_and_noted():
    _, outline, _ = _details("001")
    item = outline.find("二.(三).12")
    assert [c.label for c in item.children] == ["(1)", "(2)", "(3)", "(3)", "(4)", "(5)"]
    assert item.children[3].numbering_note == "repeat"
    assert any(w.code == "numbering_repeat" for w in outline.warnings)
    assert item.title.startswith("对全面从严治党主体责任和监督责任落实不力问题")
    # the overview section has no "基本情况" title: it is known by its place before the details
    assert outline.sections[0].role == SectionRole.overview
    assert outline.find("二.(一).2.(1)").title == "推动产业转型升级"


def test_002_short_heading_lines_and_paragraphs_below():
    doc, outline, _ = _details("002")
    sub = outline.find("二.(一).2.(1)")
    assert sub.title == "传统产业转型升级慢“体大块重”"
    assert not sub.run_in
    body = doc.text[sub.span.start : sub.span.end]
    assert body.count("\n") >= 1  # the measures are in the paragraph(s) below the heading
    assert outline.find("二.(四).13").title == "关于“区委整改责任压得不实”的问题"


def test_004_debris_wrapped_lines_and_tail_items():
    _doc, outline, tops = _details("004")
    assert outline.title == "东丽区关于十一届市委第九轮巡视整改进展情况的通报"
    kinds = {d.kind.value for d in outline.debris}
    assert {"date_banner", "source_line", "keywords", "signature", "signature_date"} <= kinds
    # the stray line break inside "(三)加强组织领导…深抓整\n改、狠抓落实…" is mended
    assert outline.find("一.(三)").title == "加强组织领导,凝聚起全区各方面各层面深抓整改、狠抓落实的共识和合力"
    assert outline.find("二.(十三).70").title.startswith("针对“推动改革促进发展”整改事项")
    assert [t.label for t in tops] == ["二", "三"]  # 三、立行立改相关整改事项落实情况 is details too
    assert outline.sections[-1].role == SectionRole.next_steps


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_spans_are_exact_and_nested(path):
    doc, outline = read_report(path)
    for s in outline.walk():
        assert doc.text[s.title_span.start : s.title_span.end] == s.title
        assert s.span.start <= s.title_span.start <= s.title_span.end <= s.span.end
        assert doc.text[s.span.start : s.span.start + len(s.label) + 2].lstrip("(").startswith(s.label.strip("()"))
        for c in s.children:
            assert s.span.start < c.span.start and c.span.end <= s.span.end
        for e in s.enumerations:
            assert doc.text[e.span.start : e.span.end].startswith(e.label)
    # opening paragraph and closing found, signature kept as debris with its date
    assert outline.opening is not None and doc.text[outline.opening.start :].startswith("根据")
    assert outline.closing is not None
    assert any(d.kind.value == "signature_date" for d in outline.debris)
