"""Problem categories: the taxonomy file, the categorize stage on real reports with the scripted
fake model, and what a failed call costs (only the categories)."""

from __future__ import annotations

import json
import math

import pytest
from _paths import EXAMPLES_DIR, LAYOUTS_DIR
from fake_judge import fake_category
from fake_judge import responder as judge_responder
from fake_llm import Step, error_body
from pydantic import ValidationError

from zhenggai.extract.categories import BATCH, candidates, categorize, choice_models, choose, placed, unsure
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.llm.prompts import load_prompt
from zhenggai.outputs.writers import walk
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.schemas.record import CategorySource
from zhenggai.schemas.taxonomy import Taxonomy, load_taxonomy

BY_MODEL = PipelineOptions(categories_by_model=True)  # the default is the prior alone (README, Categories)
QINGHE = EXAMPLES_DIR / "qinghe_county_2023.txt"
NESTED = LAYOUTS_DIR / "11_nested_restated.txt"  # fictional; the prior is unsure of some of its problems


def test_the_taxonomy_file_loads_and_covers_the_genre() -> None:
    t = load_taxonomy("v1")
    assert load_taxonomy().version == "v5"
    # v2 added keywords, v3 more keywords, v4 manner terms, v5 three keywords: ids, labels and
    # definitions unchanged
    for later in ("v2", "v3", "v4", "v5"):
        assert [(c.id, c.label, c.definition) for c in load_taxonomy(later).categories] == [
            (c.id, c.label, c.definition) for c in t.categories
        ]
        assert all(c.keywords for c in load_taxonomy(later).categories if c.id != "other")
    pairs = [
        (set(a.keywords), set(b.keywords))
        for a, b in zip(load_taxonomy("v2").categories, load_taxonomy("v3").categories, strict=True)
    ]
    assert all(a <= b for a, b in pairs) and sum(a < b for a, b in pairs) >= 5  # v3 only added terms
    # v4 moved some keywords to manner terms and added others: no term of v3 is lost
    for a, b in zip(load_taxonomy("v3").categories, load_taxonomy("v4").categories, strict=True):
        assert set(a.keywords) <= set(b.keywords) | set(b.manner), a.id
    assert sum(bool(c.manner) for c in load_taxonomy("v4").categories) >= 4
    # v5 only added keywords to v4
    v4, v5 = load_taxonomy("v4"), load_taxonomy("v5")
    pairs5 = list(zip(v4.categories, v5.categories, strict=True))
    added = {c.id: set(b.keywords) - set(c.keywords) for c, b in pairs5}
    assert {k: v for k, v in added.items() if v} == {"funds_assets": {"融资", "耗材", "账实"}}
    assert all(set(c.keywords) <= set(b.keywords) and c.manner == b.manner for c, b in pairs5)
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


async def test_the_model_chooses_from_the_enumerated_list_where_the_prior_is_unsure(
    judge_llm, llm_fake_settings
) -> None:
    doc = load_path(NESTED)
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings, BY_MODEL)
    problems = list(walk(record.problems))
    ids = set(load_taxonomy().ids)
    assert problems and all(p.category in ids for p in problems)
    asked = [x for x in placed(record.problems) if unsure(load_taxonomy(), x)]
    assert asked and len(asked) < len(problems)  # this report has both kinds
    for x in placed(record.problems):
        p = x.problem
        shown = candidates(load_taxonomy(), p.title, x.parents, x.area)
        if x in asked:  # the fake chooses by rule among the candidates shown: the record holds it
            assert p.category_source == CategorySource.model
            assert p.category == fake_category(p.title[:120], shown), (p.path, p.title)
            assert p.category_secondary == ""
        else:  # the prior is sure: no question, its choice kept
            assert p.category_source == CategorySource.heading
            assert (p.category, p.category_secondary) == choose(load_taxonomy(), p.title, x.parents, x.area)
    sent = _categorize_requests(judge_llm)
    assert len(sent) == -(-len(asked) // BATCH)  # several problems per call, only the unsure ones
    # json_object mode for this fake: the strict schema travels in the system message, enum and all
    first = asked[0]
    # the batches go out at once, in any order: the one that shows the first asked problem as P1
    body = next(
        b
        for b in sent
        if f"P1 所在标题：{first.context}\nP1 问题：{first.problem.title[:20]}" in b["messages"][-1]["content"]
    )
    system = body["messages"][0]["content"]
    schema = json.loads(system[system.index("JSON schema:") + len("JSON schema:") :].strip().splitlines()[0])
    shown = candidates(load_taxonomy(), first.problem.title, first.parents, first.area)
    assert schema["$defs"]["P1Category"]["enum"] == shown and shown[-1] == "other" and len(shown) <= 5
    assert set(shown) <= ids
    prompt = body["messages"][-1]["content"]
    assert f"P1 所在标题：{first.context}" in prompt and first.area in prompt  # the heading path is the context
    assert f"P1 候选：{shown[0]}（" in prompt
    assert record.provenance.prompt_versions["categorize"] == "v1"
    assert record.provenance.taxonomy_version == "v5"
    assert f"taxonomy v5 {load_taxonomy().digest}" in system  # in the schema, so in the cache key


async def test_every_problem_can_be_asked(judge_llm, llm_fake_settings) -> None:
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(
            load_path(QINGHE), client, llm_fake_settings, PipelineOptions(categories_by_model=False)
        )
        problems = record.problems
        for p in walk(problems):
            p.category = ""
        prompt = load_prompt("categorize")
        warnings, usages = await categorize(client, prompt, load_taxonomy(), problems, ask_margin=math.inf)
    flat = list(walk(problems))
    assert not warnings and usages and all(p.category_source == CategorySource.model for p in flat)
    assert len(_categorize_requests(judge_llm)) == -(-len(flat) // BATCH)


async def test_a_failed_categorize_call_costs_only_the_models_choice(fake_llm, llm_fake_settings) -> None:
    def responder(body):
        if "分类助手" in json.dumps(body, ensure_ascii=False):
            return Step(status=500, body=error_body(500, "categorizer down"))
        return judge_responder(body)

    fake_llm.responder = responder
    doc = load_path(NESTED)
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(doc, client, llm_fake_settings, BY_MODEL)
    problems = list(walk(record.problems))
    for x in placed(record.problems):  # the prior's choice, said to be the prior's
        p = x.problem
        assert (p.category, p.category_secondary) == choose(load_taxonomy(), p.title, x.parents, x.area)
        assert p.category_source == CategorySource.heading
    assert any(unsure(load_taxonomy(), x) for x in placed(record.problems))  # so a call was made
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


async def test_the_prior_alone_needs_no_call(judge_llm, llm_fake_settings) -> None:
    async with LLMClient(llm_fake_settings) as client:
        record = await summarize_document(
            load_path(QINGHE), client, llm_fake_settings, PipelineOptions(categories_by_model=False)
        )
    problems = list(walk(record.problems))
    assert problems and not _categorize_requests(judge_llm)
    for x in placed(record.problems):
        p = x.problem
        assert (p.category, p.category_secondary) == choose(load_taxonomy(), p.title, x.parents, x.area)
        assert p.category == candidates(load_taxonomy(), p.title, x.parents, x.area)[0]
        assert p.category_source == CategorySource.heading
    assert len({p.category for p in problems}) > 1


def test_a_changed_taxonomy_changes_the_categorize_schema_and_so_its_cache_key() -> None:
    ids = [["cadres", "other"]]
    v1, v2 = (choice_models(ids, load_taxonomy(v)).model_json_schema() for v in ("v1", "v2"))
    assert v1["$defs"] == v2["$defs"] and v1 != v2
    assert load_taxonomy("v1").digest != load_taxonomy("v2").digest
