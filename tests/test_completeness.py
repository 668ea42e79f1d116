"""What is not a whole report: pages that are not rectification reports are refused, cut-off pages
are marked, and declared totals are set against what the record found."""

from __future__ import annotations

import json

import pytest
from _paths import EXAMPLES_DIR, LAYOUTS_DIR, PAGES_DIR, SEED_FILES

from zhenggai.extract.abstract import facts, qualitative
from zhenggai.extract.tally import tally
from zhenggai.extract.totals import check_totals, read_declared_totals
from zhenggai.ingest.document import load_path, load_text
from zhenggai.llm.client import LLMClient
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import (
    Evidence,
    Problem,
    Provenance,
    ReportMeta,
    Span,
    Status,
    SummaryRecord,
    TotalKind,
)
from zhenggai.structure.genre import NotARectificationReport, check_genre, is_truncated, not_a_report_reason
from zhenggai.structure.outline import parse_outline

GOLD = LAYOUTS_DIR.parent / "gold"
PAGES = sorted(PAGES_DIR.glob("0*.txt"))
REPORTS = [*PAGES, *SEED_FILES, *sorted(LAYOUTS_DIR.glob("*.txt")), *sorted(EXAMPLES_DIR.glob("*.*"))]
needs_pages = pytest.mark.skipif(not PAGES, reason="needs ../shared/corpus/pages")


def _gold(path):
    for folder in (GOLD / "pages", GOLD / "layouts", GOLD):
        f = folder / f"{path.stem}.json"
        if f.is_file():
            return json.loads(f.read_text(encoding="utf-8"))
    return None


def _read(path):
    doc = load_path(path)
    return doc, parse_outline(doc.text)


@needs_pages
@pytest.mark.parametrize("path", [p for p in REPORTS if p.suffix != ".md"], ids=lambda p: p.name)
def test_reports_are_told_from_pages_that_are_not_and_cut_off_pages_are_seen(path) -> None:
    doc, outline = _read(path)
    gold = _gold(path) or {}
    refused = gold.get("document") == "not_a_rectification_report"
    assert (not_a_report_reason(doc.text, outline) is not None) == refused
    if not refused and gold:
        assert is_truncated(doc.text, outline) == gold.get("truncated", False)


def test_the_refusal_names_its_reason() -> None:
    for name, words in (
        ("15_news_not_report.txt", "news"),
        ("16_audit_not_report.txt", "audit"),
        ("17_link_list.txt", "list of links"),
    ):
        doc, outline = _read(LAYOUTS_DIR / name)
        with pytest.raises(NotARectificationReport, match=words) as e:
            check_genre(doc.text, outline, source=name)
        assert e.value.reason == "not_a_rectification_report" and name in str(e.value)


@needs_pages
async def test_a_cut_off_page_keeps_its_problems_and_marks_the_last(judge_llm, llm_fake_settings) -> None:
    doc = load_path(PAGES_DIR / "019_wuhan_shijianju_2024.txt")
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings, PipelineOptions(with_abstract=False))
    assert record.report.truncated
    last = record.problems[-1]
    while last.children:
        assert last.truncated
        last = last.children[-1]
    assert last.truncated and not any(p.truncated for p in record.problems[:-1])
    codes = [w.code for w in record.provenance.warnings]
    assert "truncated" in codes
    # a partial page is not held to its declared totals
    assert record.overview.checks == [] and "declared_total_mismatch" not in codes


@needs_pages
def test_declared_totals_are_classed_by_what_they_count() -> None:
    doc, outline = _read(PAGES_DIR / "045_yancheng_jikong_2024.txt")
    got = [(t.kind, t.value) for t in read_declared_totals(doc.text, outline)]
    assert got == [
        (TotalKind.problems, "41"),
        (TotalKind.completed_or_basically, "30"),
        (TotalKind.long_term, "11"),
        (TotalKind.measures, "109"),
        (TotalKind.measures, "89"),  # completed measures are not completed problems
    ]
    text = (
        "一、整改工作基本情况\n反馈问题25个,其中已完成19个,基本完成3个,正在推进3个。查摆整改事项10个,已完成整改8个。\n"
    )
    doc = load_text(text)
    totals = read_declared_totals(doc.text, parse_outline(doc.text))
    assert [(t.kind, t.value) for t in totals] == [
        (TotalKind.problems, "25"),
        (TotalKind.completed, "19"),
        (TotalKind.basically_completed, "3"),
        (TotalKind.in_progress, "3"),
        (TotalKind.tasks, "10"),
        (TotalKind.tasks, "8"),  # the sentence's subject is the 整改事项, not the problems
    ]
    assert all(doc.text[t.evidence.span.start : t.evidence.span.end] == t.evidence.text for t in totals)
    all_done = load_text("一、整改工作基本情况\n巡视反馈的25个问题已全部完成整改。\n")
    got = read_declared_totals(all_done.text, parse_outline(all_done.text))
    assert [(t.kind, t.value) for t in got] == [(TotalKind.problems, "25"), (TotalKind.completed, "25")]


def _record(text: str, statuses: list[Status], *, truncated: bool = False) -> SummaryRecord:
    doc = load_text(text)
    outline = parse_outline(doc.text)
    problems = [
        Problem(
            path=f"二.{k + 1}", title=f"问题{k + 1}", evidence=Evidence(text="一", span=Span(start=0, end=1)), status=st
        )
        for k, st in enumerate(statuses)
    ]
    record = SummaryRecord(
        report=ReportMeta(publisher="中共某县委", truncated=truncated),
        problems=problems,
        provenance=Provenance(tool_version="t"),
    )
    record.overview.declared_totals = read_declared_totals(doc.text, outline)
    return record


def test_declared_totals_that_the_record_contradicts_are_warnings() -> None:
    text = "一、整改工作基本情况\n反馈问题4个,已完成3个,正在推进1个。\n二、整改落实情况\n"
    statuses = [Status.completed, Status.completed, Status.in_progress, Status.not_stated]
    record = _record(text, statuses)
    checks, warnings = check_totals(record)
    assert [(c.kind, c.declared, c.found, c.agrees) for c in checks] == [
        (TotalKind.problems, 4, 4, True),
        (TotalKind.completed, 3, 2, False),
        (TotalKind.in_progress, 1, 1, True),
    ]
    assert [w.code for w in warnings] == ["declared_total_mismatch"] and "已完成3个" in warnings[0].message
    assert check_totals(_record(text, statuses, truncated=True)) == ([], [])
    # the whole counted again (2个方面8个具体问题 … 8个具体问题中已完成6个) still leads its status counts
    again = "一、整改工作基本情况\n反馈问题4个。\n对照反馈的4个问题,已完成3个,正在推进1个。\n二、整改落实情况\n"
    checks, warnings = check_totals(_record(again, statuses))
    assert [(c.kind, c.declared, c.found) for c in checks] == [
        (TotalKind.problems, 4, 4),
        (TotalKind.completed, 3, 2),
        (TotalKind.in_progress, 1, 1),
    ]


def test_the_abstract_figures_come_from_the_record_and_the_models_counts_are_dropped() -> None:
    text = "一、整改工作基本情况\n反馈问题4个,已完成3个。\n二、整改落实情况\n"
    record = _record(text, [Status.completed, Status.completed, Status.in_progress, Status.not_stated])
    record.overview.checks, _ = check_totals(record)
    t = tally(record)
    assert (t.problems, t.count(Status.completed)) == (4, 2)
    lead = facts(record)
    assert "逐项记录4个问题" in lead and "已完成2个" in lead and "正在推进1个" in lead and "1个未说明完成情况" in lead
    assert "报告自述：问题4个；已完成3个。" in lead  # its own words, quoted
    assert "自述“已完成3个”与逐项记录不符（记录中为2个）" in lead
    said = "问题集中在作风建设方面。全部问题均已整改完毕。其中38个已经完成。下一步将建立长效机制。"
    kept, dropped = qualitative(said)
    assert kept == "问题集中在作风建设方面。下一步将建立长效机制。"
    assert len(dropped) == 2
