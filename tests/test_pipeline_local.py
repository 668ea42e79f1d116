"""End to end on a real seed section with the real embedded 0.5B model."""

from __future__ import annotations

import pytest
from _paths import seed

from zhenggai.extract.grounding import holds
from zhenggai.ingest.document import load_path, load_text
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.writers import walk
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import Status, SummaryRecord
from zhenggai.structure.outline import parse_outline

pytestmark = pytest.mark.integration


def _section_of_000() -> str:
    """Title, opening and the first problem group of seed 000, cut at its own headings."""
    doc = load_path(seed("000"))
    outline = parse_outline(doc.text)
    details = outline.find("二")
    group = outline.find("二.(一).1")
    head = doc.text[: outline.sections[0].span.start]
    return head + doc.text[details.span.start : group.span.end]


async def test_real_model_on_a_seed_section(local_llm_settings):
    text = _section_of_000()
    doc = load_text(text, name="000-section.txt")
    options = PipelineOptions(with_abstract=False)
    async with LLMClient(local_llm_settings) as client:
        record = await summarize_document(doc, client, local_llm_settings, options)
        again = await summarize_document(doc, client, local_llm_settings, options)
    SummaryRecord.model_validate_json(record.model_dump_json())
    paths = [p.path for p in walk(record.problems)]
    # the sub-problems keep the report's own numbering, under their problem group
    assert [f"二.(一).1.({k})" for k in range(1, 7)] == [p for p in paths if p.count(".") == 3]
    for p in walk(record.problems):
        assert holds(p.evidence, doc.text)
        assert p.status in Status
        if p.status_evidence is not None:
            assert holds(p.status_evidence, doc.text)
        for m in p.measures:
            assert holds(m.evidence, doc.text)
    assert record.report.inspection_team == "省委第十五巡视组"
    assert record.provenance.usage.calls >= 1 and record.provenance.usage.prompt_tokens > 0
    # the same document again: every answer from the cache, the same record
    assert again.provenance.usage.cache_hits == again.provenance.usage.calls
    assert again.problems == record.problems
