"""The judge budgets what it sends: the rendered prompt against the model's context, not source text."""

from __future__ import annotations

from _paths import EXAMPLES_DIR

from zhenggai.chunks.tokens import estimate_tokens
from zhenggai.extract.tally import walk
from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.pipeline import summarize_document

QINGHE = EXAMPLES_DIR / "qinghe_county_2023.txt"


def _judging(requests) -> list[int]:
    """Estimated tokens of each judging request the fake model received (first asks: a re-ask also
    carries the rejected answer)."""
    out = []
    for r in requests:
        text = "\n".join(m.get("content", "") for m in r.body.get("messages", []))
        first_ask = not any(m.get("role") == "assistant" for m in r.body.get("messages", [])[1:])
        if "U1" in text and "原样摘抄" not in text and '"abstract"' not in text and first_ask:
            out.append(sum(estimate_tokens(m.get("content", "")) + 4 for m in r.body["messages"]))
    return out


async def test_a_small_context_splits_a_chunk_into_calls_that_fit(judge_llm, llm_fake_settings, tmp_path):
    roomy = llm_fake_settings.model_copy(update={"cache_dir": tmp_path / "a", "chunk_tokens": 4000})
    async with LLMClient(roomy) as client:
        whole = await summarize_document(load_path(QINGHE), client, roomy)
    one_call = _judging(judge_llm.requests)
    judge_llm.requests.clear()
    small = roomy.model_copy(update={"cache_dir": tmp_path / "b", "hosted_context_tokens": 1200})
    async with LLMClient(small) as client:
        split = await summarize_document(load_path(QINGHE), client, small)
        room = client.context_window("openai/fake-model") - 400  # the judging prompt asks for 400 tokens
    calls = _judging(judge_llm.requests)
    assert len(calls) > len(one_call) and max(one_call) > room  # the chunk did not fit in one call ...
    assert max(calls) <= room  # ... and every call sent fits
    # the same reading either way: the batches only change how many calls it takes
    assert [(p.path, p.status) for p in walk(split.problems)] == [(p.path, p.status) for p in walk(whole.problems)]
    assert "chunk_failed" not in {w.code for w in split.provenance.warnings}
