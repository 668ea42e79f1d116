"""Usage is a value: each report's provenance counts its own calls, however many share a client."""

from __future__ import annotations

import asyncio

from _paths import EXAMPLES_DIR, LAYOUTS_DIR

from zhenggai.ingest.document import load_path
from zhenggai.llm.client import LLMClient
from zhenggai.pipeline import summarize_traced
from zhenggai.vocab.usage import Usage

REPORTS = (EXAMPLES_DIR / "qinghe_county_2023.txt", LAYOUTS_DIR / "06_status_groups.txt")


async def _alone(path, settings, tmp_path, tag):
    s = settings.model_copy(update={"cache_dir": tmp_path / f"alone-{tag}"})
    async with LLMClient(s) as client:
        summary = await summarize_traced(load_path(path), client, s)
        return summary, client.stats


async def test_two_reports_run_together_each_count_their_own_calls(judge_llm, llm_fake_settings, tmp_path):
    alone = [await _alone(p, llm_fake_settings, tmp_path, i) for i, p in enumerate(REPORTS)]
    own = [s.record.provenance.usage for s, _ in alone]
    assert own[0].calls != own[1].calls  # different reports, so mixing them up would show
    for (summary, stats), usage in zip(alone, own, strict=True):
        assert usage.calls == len(summary.calls) == stats.calls and usage.prompt_tokens == stats.prompt_tokens
    judge_llm.requests.clear()
    together = llm_fake_settings.model_copy(update={"cache_dir": tmp_path / "together"})
    async with LLMClient(together) as client:
        both = await asyncio.gather(*(summarize_traced(load_path(p), client, together) for p in REPORTS))
        total = client.stats
    for summary, usage in zip(both, own, strict=True):
        got = summary.record.provenance.usage
        assert (got.calls, got.requests, got.prompt_tokens, got.completion_tokens) == (
            usage.calls,
            usage.requests,
            usage.prompt_tokens,
            usage.completion_tokens,
        )
        assert got == Usage.total(c.counters() for c in summary.calls)
    assert total.calls == sum(u.calls for u in own) and total.requests == len(judge_llm.requests)


async def test_a_failed_call_is_charged_to_its_report(fake_llm, llm_fake_settings):
    """Every request answered 500: the report is still made (parser's reading) and the failed calls,
    with their re-sends, are its usage."""
    from fake_llm import Step, error_body

    fake_llm.responder = lambda body: Step(status=500, body=error_body(500, "down"))
    s = llm_fake_settings.model_copy(update={"transient_retries": 1})
    async with LLMClient(s) as client:
        summary = await summarize_traced(load_path(REPORTS[0]), client, s)
    usage = summary.record.provenance.usage
    assert usage.calls >= 2 and usage.errors == usage.calls
    assert usage.requests == len(fake_llm.requests) == 2 * usage.calls and usage.transient_retries == usage.calls
    assert "chunk_failed" in {w.code for w in summary.record.provenance.warnings}
