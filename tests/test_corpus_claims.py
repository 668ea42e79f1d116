"""Claimed against evidenced, on a real record (seed 004, which declares 30个具体问题已全部完成 and
完成率100%) and on fictional records that pin the rule's edges. Every quote is checked against
the normalised source text at its span."""

from __future__ import annotations

import pytest
from _corpus import development_records
from _paths import seed

from zhenggai.corpus.claims import CONTINUING_RE, completion
from zhenggai.ingest.document import load_path
from zhenggai.schemas.record import (
    DeclaredTotal,
    Evidence,
    Measure,
    Overview,
    Problem,
    Provenance,
    ReportMeta,
    Span,
    Status,
    StatusScope,
    SummaryRecord,
    TotalKind,
)


def _record(prefix: str) -> tuple[SummaryRecord, str]:
    seeds, _ = development_records()
    path = next(seeds.glob(f"{prefix}_*.json"))
    return SummaryRecord.model_validate_json(path.read_text(encoding="utf-8")), load_path(seed(prefix)).text


def test_seed_004_declares_all_complete_and_its_findings_quote_the_source():
    record, text = _record("004")
    c = completion(record)
    assert c.declares_all and c.declared_rate == 1.0
    assert any(d.kind == "all" and "全部完成" in d.quote for d in c.declared)
    assert c.leaves == 130 and c.evidenced_completed < c.leaves / 2
    assert c.findings, "a report declaring everything complete whose problems say 持续/正在 has findings"
    for f in c.findings:
        assert text[f.span.start : f.span.end] == f.quote
        assert text[f.word_span.start : f.word_span.end] == f.word and CONTINUING_RE.fullmatch(f.word)
        assert text[f.declared_span.start : f.declared_span.end] == f.declared_quote
        assert f.declared_by in {"own", "group", "section", "report", "totals"}
    by = {f.declared_by for f in c.findings}
    assert "totals" in by and "section" in by  # declared by the totals line, and by 该方面问题已全部整改完成
    # a problem declared complete whose own account says nothing is still going on is not a finding
    found = {f.path for f in c.findings}
    quiet = [
        p
        for p in record.problems
        if not p.children and p.status == Status.completed and p.path not in found and p.measures
    ]
    for p in quiet:
        assert not any(CONTINUING_RE.search(m.evidence.text) for m in p.measures)


def test_seed_000_declares_nothing_and_only_its_own_completed_statuses_count():
    record, text = _record("000")
    c = completion(record)
    assert not c.declared and c.declared_rate is None and not c.declares_all
    assert all(f.declared_by == "own" for f in c.findings)
    for f in c.findings:
        assert text[f.span.start : f.span.end] == f.quote


TEXT = (
    "白鹭县文旅局党组关于巡察整改进展情况的通报。反馈的3个问题已全部完成整改,完成率100%。"
    "一、学习不深入。一是真正在学深悟透上下功夫。"
    "二、项目推进慢。一是持续推进项目建设,年内全部完工。"
    "三、制度不健全。已完成整改。一是建立制度5项。"
)


def _ev(part: str) -> Evidence:
    at = TEXT.index(part)
    return Evidence(text=part, span=Span(start=at, end=at + len(part)))


def _problem(path: str, title: str, measure: str, status: Status = Status.not_stated, said: str = "") -> Problem:
    return Problem(
        path=path,
        title=title,
        evidence=_ev(title),
        status=status,
        status_evidence=_ev(said) if said else None,
        status_scope=StatusScope.own,
        measures=[Measure(text=measure, evidence=_ev(measure))],
    )


def _fictional(*, declared: bool) -> SummaryRecord:
    totals = (
        [
            DeclaredTotal(
                label="已全部完成整改",
                value="3",
                number=3,
                kind=TotalKind.completed,
                evidence=_ev("3个问题已全部完成整改"),
            ),
            DeclaredTotal(
                label="完成率", value="100", number=100, unit="%", kind=TotalKind.rate, evidence=_ev("完成率100%")
            ),
        ]
        if declared
        else []
    )
    return SummaryRecord(
        report=ReportMeta(title="白鹭县文旅局党组关于巡察整改进展情况的通报"),
        overview=Overview(declared_totals=totals),
        problems=[
            _problem("一", "学习不深入", "一是真正在学深悟透上下功夫。"),
            _problem("二", "项目推进慢", "一是持续推进项目建设,年内全部完工。"),
            _problem("三", "制度不健全", "一是建立制度5项。", Status.completed, "已完成整改。"),
        ],
        provenance=Provenance(tool_version="test"),
    )


def test_the_rule_reads_continuing_words_not_lookalikes():
    c = completion(_fictional(declared=True))
    assert c.declares_all and c.declared_rate == 1.0 and c.declared_completed is None
    assert [(f.path, f.word, f.declared_by) for f in c.findings] == [("二", "持续", "totals")]
    f = c.findings[0]
    assert TEXT[f.word_span.start : f.word_span.end] == "持续" and f.declared_quote == "3个问题已全部完成整改"
    assert c.evidenced == {"completed": 1} and c.evidenced_rate == pytest.approx(1 / 3)


def test_without_a_declaration_continuing_work_is_no_contradiction():
    c = completion(_fictional(declared=False))
    assert not c.findings and not c.declares_all and c.declared_rate is None


def test_a_count_short_of_the_problems_is_a_rate_not_all():
    record = _fictional(declared=False)
    record.overview.declared_totals = [
        DeclaredTotal(label="问题", value="3", number=3, kind=TotalKind.problems, evidence=_ev("3个问题")),
        DeclaredTotal(label="已完成", value="2", number=2, kind=TotalKind.completed, evidence=_ev("已完成整改")),
    ]
    c = completion(record)
    assert not c.declares_all and c.declared_rate == pytest.approx(2 / 3) and not c.findings
