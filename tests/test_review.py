"""The review page, read back as a browser would: the text is exact, every item is a highlight
with its data attributes, nested/crossing/adjacent spans layer cleanly, nothing is unescaped."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape

import pytest
from _cli import fake_model_env, run_cli
from _paths import EXAMPLES_DIR
from _review import grounded, read_doc
from fake_judge import responder
from pydantic import ValidationError

from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.review import HighlightItem, ReviewTextMismatch, highlight_text, render_review_html
from zhenggai.pipeline import summarize_document
from zhenggai.schemas.record import (
    Evidence,
    Figure,
    Measure,
    NextStep,
    Problem,
    Provenance,
    ReportMeta,
    Span,
    Status,
    SummaryRecord,
    Warning,
)


def ev(text: str, quote: str, nth: int = 0) -> Evidence:
    """Evidence for the `nth` occurrence of `quote` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    return Evidence(text=quote, span=Span(start=start, end=start + len(quote)))


def record(**fields: object) -> SummaryRecord:
    defaults = {"report": ReportMeta(title="测试通报"), "provenance": Provenance(tool_version="test")}
    return SummaryRecord(**(defaults | fields))


def problem(text: str, title: str, path: str = "二.(一).1", **fields: object) -> Problem:
    return Problem(path=path, area="测试方面", title=title, evidence=ev(text, title), **fields)


def assert_faithful(html: str, text: str, rec: SummaryRecord) -> None:
    """The text nodes are the source; each grounded item is covered exactly by its marks."""
    doc = read_doc(html)
    assert doc.text == text
    items = grounded(rec, text)
    assert len(doc.ids) == len(items)
    covered = sorted(sorted(doc.coverage(i)) for i in doc.ids)
    expected = sorted(sorted(k for k in range(e.span.start, e.span.end) if text[k] != "\n") for e in items)
    assert covered == expected


# --------------------------------------------------------------------------- layering


TEXT = (
    "通报标题\n"
    "一、整改落实情况\n"
    "1.关于“招商引资不力”的问题。一是新建项目12个，投资3.5亿元，已完成整改。二是建立台账。\n"
    "欢迎监督。"
)


def test_nested_spans_layer_problem_measure_status_figure():
    para = "1.关于“招商引资不力”的问题。一是新建项目12个，投资3.5亿元，已完成整改。二是建立台账。"
    m1 = "一是新建项目12个，投资3.5亿元，已完成整改。"
    rec = record(
        problems=[
            Problem(
                path="二.1",
                title="招商引资不力",
                evidence=ev(TEXT, para),  # the whole paragraph: every other item lies inside it
                status=Status.completed,
                status_evidence=ev(TEXT, "投资3.5亿元，已完成整改。"),
                measures=[
                    Measure(
                        text=m1,
                        evidence=ev(TEXT, m1),
                        figures=[
                            Figure(value="12", unit="个", evidence=ev(TEXT, "12个")),
                            Figure(value="3.5", unit="亿元", evidence=ev(TEXT, "3.5亿元")),
                        ],
                    ),
                    Measure(text="二是建立台账。", evidence=ev(TEXT, "二是建立台账。")),
                ],
            )
        ]
    )
    html = render_review_html(rec, TEXT)
    assert_faithful(html, TEXT, rec)
    doc = read_doc(html)
    assert len(doc.pieces) == len(doc.ids)  # nothing crosses: one element per item
    pieces = {p.id: p for p in doc.pieces}
    assert pieces["p1m1f2"].ancestors == ("p1", "p1m1", "p1s")  # figure in status in measure in problem
    assert pieces["p1m1f1"].ancestors == ("p1", "p1m1")
    assert pieces["p1m2"].ancestors == ("p1",)
    fig = pieces["p1m1f2"].attrs
    assert (fig["data-kind"], fig["data-status"], fig["data-problem"]) == ("figure", "completed", "p1")
    assert pieces["p1s"].attrs["data-kind"] == "status"


def test_identical_spans_nest_by_kind_and_each_stays_a_highlight():
    quote = "二是建立台账。"
    rec = record(
        problems=[
            problem(
                TEXT,
                "招商引资不力",
                status=Status.in_progress,
                status_evidence=ev(TEXT, quote),
                measures=[Measure(text=quote, evidence=ev(TEXT, quote))],
            )
        ],
        next_steps=[NextStep(text=quote, evidence=ev(TEXT, quote))],
    )
    html = render_review_html(rec, TEXT)
    assert_faithful(html, TEXT, rec)
    doc = read_doc(html)
    assert len(doc.pieces) == len(doc.ids) == 4
    pieces = {p.id: p for p in doc.pieces}
    # next step (rank 1) outside the measure (2) outside the status sentence (3)
    assert pieces["p1s"].ancestors == ("n1", "p1m1")
    assert pieces["p1m1"].ancestors == ("n1",)


def test_crossing_spans_are_split_not_corrupted():
    text = "甲乙丙丁戊己庚辛"
    items = [HighlightItem("a", "measure", 0, 5), HighlightItem("b", "status", 3, 8)]
    html = highlight_text(text, items)
    doc = read_doc(f'<article id="doc">{html}</article>')
    assert doc.text == text
    assert doc.coverage("a") == set(range(0, 5)) and doc.coverage("b") == set(range(3, 8))
    b = [p for p in doc.pieces if p.id == "b"]
    assert [(p.start, p.end, p.ancestors) for p in b] == [(3, 5, ("a",)), (5, 8, ())]
    assert "cont" not in b[0].attrs["class"] and b[1].attrs["class"].startswith("cont ")


def test_adjacent_spans_are_siblings_and_spans_reach_both_ends():
    text = "<a>&amp;\"'"
    items = [
        HighlightItem("first", "figure", 0, 3),
        HighlightItem("second", "figure", 3, 8),
        HighlightItem("last", "measure", 8, len(text)),
    ]
    doc = read_doc(f'<article id="doc">{highlight_text(text, items)}</article>')
    assert doc.text == text
    assert [(p.id, p.start, p.end, p.ancestors) for p in doc.pieces] == [
        ("first", 0, 3, ()),
        ("second", 3, 8, ()),
        ("last", 8, 10, ()),
    ]


def test_a_span_across_lines_is_cut_at_the_line_break():
    text = "第一段落的结尾\n第二段落的开头\n"
    html = highlight_text(text, [HighlightItem("m", "measure", 3, 11)])
    doc = read_doc(f'<article id="doc">{html}</article>')
    assert doc.text == text and doc.paragraphs == 2
    assert [(p.start, p.end) for p in doc.pieces] == [(3, 7), (8, 11)]  # the newline itself stays outside


def test_bad_highlights_are_refused():
    with pytest.raises(ValueError, match="outside the text"):
        highlight_text("短", [HighlightItem("x", "figure", 0, 5)])
    with pytest.raises(ValueError, match="unique"):
        highlight_text("短文本", [HighlightItem("x", "figure", 0, 1), HighlightItem("x", "figure", 1, 2)])


# --------------------------------------------------------------------------- escaping and edges


def test_html_in_the_source_is_text_never_markup():
    text = (
        "标题</title><script>alert(1)</script>\n"
        "问题<b onclick=\"x()\">粗体</b> & 'quote' &amp;已完成\r\n"
        "结尾 ]]> <!-- 注释 --> </article>"
    )
    title = "<b onclick=\"x()\">粗体</b> & 'quote'"
    rec = record(
        report=ReportMeta(title="</title><script>alert(2)</script>"),
        problems=[problem(text, title, path="<i>1</i>", status=Status.completed)],
        provenance=Provenance(
            tool_version="test",
            warnings=[Warning(code="chunk_failed", message="<img src=x><script>alert(3)</script>", path="<i>1</i>")],
        ),
    )
    html = render_review_html(rec, text)
    assert_faithful(html, text, rec)
    assert html.count("<script>") == 1
    for bad in ("<b onclick", "<img src=x>", "</title><script>", "<!-- 注释", "<i>1</i>"):
        assert bad not in html
    assert "&#13;" in html  # a bare CR would be folded into LF by the parser


def test_a_warning_code_is_one_the_vocabulary_knows():
    """Codes are an enum: nothing a model or a report says can become a code (or a CSS class)."""
    with pytest.raises(ValidationError):
        Warning(code="<img src=x>", message="m")
    assert Warning(code="chunk_failed", message="m").code.label == "模型调用失败，沿用解析结果"


def test_empty_record_and_empty_text():
    for text in ("", "只有正文，没有提取到任何条目。\n"):
        rec = record()
        html = render_review_html(rec, text)
        doc = read_doc(html)
        assert doc.text == text and not doc.pieces
        assert "记录中没有问题" in html and "没有警告" in html


def test_ungrounded_items_are_listed_among_the_warnings_not_highlighted():
    text = TEXT
    forged = Measure(text="编造的措施", evidence=Evidence(text="编造的措施", span=Span(start=5, end=10)))
    outside = Figure(value="9", evidence=Evidence(text="9个", span=Span(start=500, end=502)))
    rec = record(
        problems=[problem(text, "招商引资不力", measures=[forged], figures=[outside])],
        provenance=Provenance(
            tool_version="test",
            warnings=[
                Warning(
                    code="ungrounded_quote",
                    message="二.(一).1: measure dropped: 另一条",
                    span=Span(start=0, end=4),
                    path="二.(一).1",
                ),
                Warning(code="numbering_repeat", message="二.(二): label 2 after 2", span=Span(start=9, end=12)),
            ],
        ),
    )
    html = render_review_html(rec, text)
    assert_faithful(html, text, rec)
    assert read_doc(html).ids == {"p1"}
    assert html.count('class="go leaf k-measure "') == 1 and 'id="r-p1m1" disabled' in html
    assert "未能在原文定位" in html and "编造的措施" in html and 'data-goto="p1m1"' in html
    assert "（丢弃 3）" in html  # two not located + one dropped by grounding
    assert 'data-goto="p1"' in html  # the warning names the problem's path
    assert 'data-goto="L2"' in html  # no path: the line holding its span


def test_text_of_another_report_is_refused():
    rec = record(report=ReportMeta(title="x", content_sha256=hashlib.sha256(b"other").hexdigest()))
    with pytest.raises(ReviewTextMismatch):
        render_review_html(rec, TEXT)
    same = record(report=ReportMeta(title="x", content_sha256=hashlib.sha256(TEXT.encode()).hexdigest()))
    assert read_doc(render_review_html(same, TEXT)).text == TEXT


# --------------------------------------------------------------------------- a real record


@pytest.fixture
def qinghe(fake_llm, llm_fake_settings):
    fake_llm.responder = responder
    doc = load_path(EXAMPLES_DIR / "qinghe_county_2023.txt")

    async def run() -> SummaryRecord:
        async with LLMClient(llm_fake_settings) as client:
            return await summarize_document(doc, client, llm_fake_settings)

    import asyncio

    return asyncio.run(run()), doc.text


def test_a_real_record_is_highlighted_completely_and_linked_to_the_panel(qinghe):
    rec, text = qinghe
    html = render_review_html(rec, text)
    assert_faithful(html, text, rec)
    doc = read_doc(html)
    kinds = {p.attrs["data-kind"] for p in doc.pieces}
    assert {"problem", "measure", "status", "figure", "total", "leads", "next"} <= kinds
    for item_id in doc.ids:  # every highlight has its row in the panel, which links back
        assert f'id="r-{item_id}" data-target="{item_id}"' in html
    assert f'<b id="n-highlights">{len(doc.ids)}</b>' in html
    assert render_review_html(rec, text) == html  # deterministic


def test_the_page_loads_nothing_and_its_csp_admits_only_its_own_script_and_style(qinghe):
    html = render_review_html(*qinghe)
    assert not re.search(r"""(?<![-\w])(?:src|href|action)\s*=\s*(?!["']?data:)""", html, re.I)
    assert "@import" not in html and "url(" not in html
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert csp.startswith("default-src 'none';")
    for tag in ("script", "style"):
        body = re.search(rf"<{tag}>(.*?)</{tag}>", html, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp


# --------------------------------------------------------------------------- CLI


def test_summarize_format_html_writes_a_page_per_report(tmp_path, fake_llm, llm_fake_settings):
    fake_llm.responder = responder
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("qinghe_county_2023.txt", "wangchuan_district_2022.html"):
        (inbox / name).write_bytes((EXAMPLES_DIR / name).read_bytes())
    env = fake_model_env(llm_fake_settings)
    out = tmp_path / "out"
    res = run_cli("summarize", str(inbox), "--out", str(out), "--format", "json,html", env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    names = sorted(p.name for p in out.iterdir())
    stems = ("qinghe_county_2023", "wangchuan_district_2022")
    assert names == sorted(f"{stem}.{ext}" for stem in stems for ext in ("json", "html"))
    for stem in stems:
        rec = SummaryRecord.model_validate_json((out / f"{stem}.json").read_text(encoding="utf-8"))
        text = load_path(rec.report.source_file).text
        assert_faithful((out / f"{stem}.html").read_text(encoding="utf-8"), text, rec)
