"""The pipeline end to end with a rule-following fake model: merge, grounding, warnings, batch."""

from __future__ import annotations

import csv
import io
import json

from _cli import fake_model_env, run_cli
from _paths import EXAMPLES_DIR, LAYOUTS_DIR
from fake_llm import Step, error_body

from zhenggai.evals.scorer import iter_evidence
from zhenggai.extract.grounding import ground_record, holds
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.writers import walk
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import Evidence, NextStep, Span, Status

QINGHE = EXAMPLES_DIR / "qinghe_county_2023.txt"


async def test_summary_of_a_report_is_grounded_and_keeps_the_numbering(judge_llm, llm_fake_settings):
    doc = load_path(QINGHE)
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings)
    problems = list(walk(record.problems))
    paths = [p.path for p in problems]
    # areas are not problems; 1./2. problems hold their (n) sub-problems as children
    assert "二.(一)" not in paths and "二.(一).1" in paths and "二.(一).1.(1)" in paths
    parent = next(p for p in record.problems if p.path == "二.(一).1")
    assert [c.path for c in parent.children] == ["二.(一).1.(1)", "二.(一).1.(2)"]
    assert all(p.area for p in problems)
    # every quote is the source's own text at its offsets
    evidence = list(iter_evidence(record))
    assert evidence and all(holds(e, doc.text) for e in evidence)
    # statuses come with their sentence
    done = [p for p in problems if p.status == Status.completed]
    assert done and all("已完成" in p.status_evidence.text for p in done)
    assert all(p.status_evidence is None for p in problems if p.status == Status.not_stated)
    # measures are the report's 一是/二是 items
    sub = next(p for p in problems if p.path == "二.(一).1.(1)")
    assert [m.evidence.text[:2] for m in sub.measures] == ["一是", "二是", "三是"]
    # figures are found in the text, never typed: value inside its own evidence
    figures = [f for p in problems for m in p.measures for f in m.figures]
    assert figures and all(f.value in f.evidence.text and holds(f.evidence, doc.text) for f in figures)
    # metadata read deterministically
    assert record.report.inspection_team == "市委第三巡察组"
    assert record.report.publication_date.isoformat() == "2023-10-16"
    assert record.leads_petitions.figures
    # the abstract's figures are the record's; the model's own counts (true or not) are dropped
    leaves = [p for p in problems if not p.children]
    done_leaves = sum(p.status == Status.completed for p in leaves)
    assert f"逐项记录{len(leaves)}个问题" in record.abstract
    assert f"已完成{done_leaves}个" in record.abstract
    assert "99" not in record.abstract and "已完成整改6个问题" not in record.abstract
    assert "下一步将持续压实整改责任。" in record.abstract  # the model's qualitative sentence stays
    codes = [w.code for w in record.provenance.warnings]
    assert codes.count("abstract_figure_dropped") == 2
    assert record.provenance.prompt_versions == {"judge_units": "v1", "abstract": "v2"}  # categories: the prior
    assert record.provenance.usage.calls == len(judge_llm.requests) >= 2


async def test_a_failed_chunk_keeps_the_report(judge_llm, llm_fake_settings):
    judge_llm.add(Step(status=400, body=error_body(400, "bad request")))
    doc = load_path(QINGHE)
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings)
    assert any(w.code == "chunk_failed" for w in record.provenance.warnings)
    assert len(list(walk(record.problems))) >= 8  # the parser's reading stands in for the lost verdicts


def test_grounding_drops_what_the_source_does_not_say(judge_llm, llm_fake_settings):
    import asyncio

    doc = load_path(QINGHE)

    async def run():
        async with LLMClient(llm_fake_settings) as client:
            return await summarize_document(doc, client, llm_fake_settings)

    record = asyncio.run(run())
    first = record.problems[0]
    bad_measure = (
        first.children[0]
        .measures[0]
        .model_copy(update={"evidence": Evidence(text="编造的措施", span=Span(start=10, end=15))})
    )
    child = first.children[0].model_copy(update={"measures": [bad_measure, *first.children[0].measures[1:]]})
    forged = record.model_copy(update={"problems": [first.model_copy(update={"children": [child]})]})
    cleaned, warnings = ground_record(forged, doc.text)
    assert len(cleaned.problems[0].children[0].measures) == len(child.measures) - 1
    assert [w.code for w in warnings] == ["ungrounded_quote"]


def test_grounding_warns_for_every_dropped_total_and_next_step(judge_llm, llm_fake_settings):
    import asyncio

    doc = load_path(QINGHE)

    async def run():
        async with LLMClient(llm_fake_settings) as client:
            return await summarize_document(doc, client, llm_fake_settings, PipelineOptions(with_abstract=False))

    record = asyncio.run(run())
    assert record.overview.declared_totals and record.next_steps
    total = record.overview.declared_totals[0]
    fake_total = total.model_copy(update={"value": "999"})  # a number its own quote does not hold
    fake_step = NextStep(text="编造的计划", evidence=Evidence(text="编造的计划", span=Span(start=10, end=15)))
    forged = record.model_copy(
        update={
            "overview": record.overview.model_copy(update={"declared_totals": [fake_total, total]}),
            "next_steps": [*record.next_steps, fake_step],
        }
    )
    cleaned, warnings = ground_record(forged, doc.text)
    assert cleaned.overview.declared_totals == [total]
    assert cleaned.next_steps == record.next_steps
    assert sorted(w.code for w in warnings) == ["figure_not_in_span", "ungrounded_quote"]
    assert any("999" in w.message for w in warnings) and any("编造的计划" in w.message for w in warnings)


def _cli(env, *args):
    return run_cli(*args, env=env)


def test_batch_finishes_the_good_reports_and_lists_the_bad(tmp_path, judge_llm, llm_fake_settings):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "qinghe.txt").write_bytes(QINGHE.read_bytes())
    (inbox / "sub" / "donglan.txt").write_bytes((EXAMPLES_DIR / "donglan_newarea_2024_gbk.txt").read_bytes())
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (inbox / "news.txt").write_bytes((LAYOUTS_DIR / "15_news_not_report.txt").read_bytes())
    out = tmp_path / "out"
    env = fake_model_env(llm_fake_settings)
    res = _cli(env, "summarize", str(inbox), "--out", str(out))
    assert res.returncode == 1, res.stdout + res.stderr  # some failed
    assert "empty.txt" in res.stderr and "scan.txt" in res.stderr and "news.txt" in res.stderr
    assert llm_fake_settings.api_key.get_secret_value() not in res.stdout + res.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["qinghe.json", "qinghe.md", "donglan.json", "donglan.md", "summaries.jsonl", "problems.csv", "errors.jsonl"]
    )
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((e["path"].rsplit("/", 1)[-1], e["reason"]) for e in errors) == [
        ("empty.txt", "empty"),
        ("news.txt", "not_a_rectification_report"),  # readable, but news of an inspection: no made-up record
        ("scan.txt", "binary"),
    ]
    raw = (out / "problems.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["report"] for r in rows} == {"qinghe.txt", "donglan.txt"}
    assert all(r["path"] and r["problem"] and r["status"] for r in rows)
    lines = (out / "summaries.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    # a re-run is served from the cache: no new model requests
    before = len(judge_llm.requests)
    again = _cli(env, "summarize", str(inbox / "qinghe.txt"), str(inbox / "sub"), "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    assert len(judge_llm.requests) == before
    assert (
        json.loads((tmp_path / "again" / "qinghe.json").read_text(encoding="utf-8"))["problems"]
        == json.loads((out / "qinghe.json").read_text(encoding="utf-8"))["problems"]
    )
