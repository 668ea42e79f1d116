"""Problem categories: the taxonomy file, the categorize stage on real reports with the scripted
fake model, and what a failed call costs (only the categories)."""

from __future__ import annotations

import json

import pytest
from _paths import EXAMPLES_DIR
from fake_judge import CATEGORY_RULES
from fake_judge import responder as judge_responder
from fake_llm import Step, error_body
from pydantic import ValidationError

from zhenggai.extract.categories import BATCH, with_context
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.outputs.writers import walk
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import CategorySource
from zhenggai.schemas.taxonomy import Taxonomy, load_taxonomy

QINGHE = EXAMPLES_DIR / "qinghe_county_2023.txt"


def test_the_taxonomy_file_loads_and_covers_the_genre() -> None:
    t = load_taxonomy("v1")
    assert len(t.ids) == len(set(t.ids)) >= 15 and "other" in t.ids
    # the areas the issue names are all there, by their Chinese labels
    labels = "".join(c.label for c in t.categories)
    for word in ("政治理论学习", "主体责任", "监督责任", "八项规定", "形式主义", "干部", "意识形态", "营商环境"):
        assert word in labels
    assert all(c.examples and "\n" not in c.definition and " " not in c.definition for c in t.categories)


def test_a_malformed_taxonomy_is_refused() -> None:
    good = load_taxonomy().model_dump()
    dup = {**good, "categories": [*good["categories"], good["categories"][0]]}
    with pytest.raises(ValidationError, match="duplicate"):
        Taxonomy.model_validate(dup)
    no_other = {**good, "categories": [c for c in good["categories"] if c["id"] != "other"]}
    with pytest.raises(ValidationError, match="other"):
        Taxonomy.model_validate(no_other)
    bad_id = {**good, "categories": [{**good["categories"][0], "id": "营商环境"}, *good["categories"][1:]]}
    with pytest.raises(ValidationError, match="slug"):
        Taxonomy.model_validate(bad_id)
    with pytest.raises(ValueError, match="no taxonomy"):
        load_taxonomy("v999")


def _categorize_requests(fake) -> list[dict]:
    return [r.body for r in fake.requests if "分类助手" in json.dumps(r.body, ensure_ascii=False)]


async def test_every_problem_gets_a_category_from_the_enumerated_list(judge_llm, llm_fake_settings) -> None:
    doc = load_path(QINGHE)
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings)
    problems = list(walk(record.problems))
    ids = set(load_taxonomy().ids)
    assert problems and all(p.category in ids and p.category_source == CategorySource.model for p in problems)
    # the fake sorts by the first rule word in the problem's line: the record holds what it chose
    for p in problems:
        want = next((c for word, c in CATEGORY_RULES if word in p.title[:120]), "other")
        assert p.category == want, (p.path, p.title)
        assert p.category_secondary == ""
    sent = _categorize_requests(judge_llm)
    assert len(sent) == -(-len(problems) // BATCH)  # several problems per call
    # json_object mode for this fake: the strict schema travels in the system message, enum and all
    system = sent[0]["messages"][0]["content"]
    schema = json.loads(system[system.index("JSON schema:") + len("JSON schema:") :].strip().splitlines()[0])
    assert schema["$defs"]["CategoryId"]["enum"] == load_taxonomy().ids
    prompt = sent[0]["messages"][-1]["content"]
    first, context = with_context(record.problems)[0]
    assert f"P1 所在标题：{context}" in prompt and first.area in prompt  # the heading path is the context
    assert record.provenance.prompt_versions["categorize"] == "v1"
    assert record.provenance.taxonomy_version == "v1"


async def test_a_failed_categorize_call_costs_only_the_categories(fake_llm, llm_fake_settings) -> None:
    def responder(body):
        if "分类助手" in json.dumps(body, ensure_ascii=False):
            return Step(status=500, body=error_body(500, "categorizer down"))
        return judge_responder(body)

    fake_llm.responder = responder
    doc = load_path(QINGHE)
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings)
    problems = list(walk(record.problems))
    assert problems and all(p.category == "" and p.category_source is None for p in problems)
    assert any(p.status.value != "not_stated" for p in problems)  # the rest of the record stands
    failed = [w for w in record.provenance.warnings if w.code == "categorize_failed"]
    assert failed and all("categorizer down" in w.message or "500" in w.message for w in failed)


async def test_categories_can_be_switched_off(judge_llm, llm_fake_settings) -> None:
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(
            load_path(QINGHE), client, llm_fake_settings, PipelineOptions(with_categories=False)
        )
    assert all(p.category == "" for p in walk(record.problems))
    assert not _categorize_requests(judge_llm) and "categorize" not in record.provenance.prompt_versions
