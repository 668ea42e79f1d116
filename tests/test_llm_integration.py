"""The real embedded 0.5B model through the full client path (litellm → in-process llama.cpp).

One server for the whole session (`local_llm_server`), a fresh response cache per test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from enum import StrEnum

import pytest
from _paths import SEEDS_DIR
from pydantic import BaseModel, Field

from zhenggai.llm.client import LLMClient
from zhenggai.llm.embedded import LocalServer, running_servers
from zhenggai.llm.prompts import load_prompt
from zhenggai.settings import Settings

pytestmark = pytest.mark.integration


class MeasureStatus(StrEnum):
    completed = "completed"
    in_progress = "in_progress"
    long_term = "long_term"
    not_stated = "not_stated"


class Measure(BaseModel):
    text: str = Field(min_length=2, max_length=60)
    status: MeasureStatus


class Excerpt(BaseModel):
    topic: str = Field(min_length=2, max_length=60)
    measures: list[Measure] = Field(min_length=1, max_length=2)


def seed_chunk() -> str:
    """A real chunk of seed report 000: a sub-problem paragraph with 一是/二是 measures."""
    lines = (SEEDS_DIR / "000_b84e28186fa3600f.txt").read_text(encoding="utf-8").splitlines()
    para = next(line.strip() for line in lines if "区委海洋发展委员会形同虚设" in line)
    return para[:320]


def ask(client: LLMClient):
    return client.structured_sync("llm_selftest", Excerpt, {"text": seed_chunk(), "max_items": 2}, max_tokens=200)


def test_real_chunk_becomes_a_valid_object_then_comes_from_cache(
    local_llm_settings: Settings, local_llm_server: LocalServer, llm_subprocess_env: dict[str, str]
) -> None:
    chunk = seed_chunk()
    with LLMClient(local_llm_settings) as client:
        first = ask(client)
        assert isinstance(first.value, Excerpt)
        assert 1 <= len(first.value.measures) <= 2
        assert all(isinstance(m.status, MeasureStatus) for m in first.value.measures)
        u = first.usage
        assert not u.cache_hit and u.prompt_tokens > 100 and 0 < u.completion_tokens <= 200 * (u.requests)
        # the 0.5B model copies from the text: at least one measure shares words with the chunk
        assert any(sum(ch in chunk for ch in m.text) >= len(m.text) // 2 for m in first.value.measures)

        requests_before = client.stats.requests
        second = ask(client)
        assert second.usage.cache_hit and client.stats.requests == requests_before
        assert second.value == first.value and second.text == first.text

    # A fresh process with the same cache dir: served from the cache, no server started there.
    child = f"""
import json
from conftest import llm_test_settings
from test_llm_integration import ask
from zhenggai.llm.client import LLMClient
from zhenggai.llm.embedded import running_servers
settings = llm_test_settings(**json.loads({json.dumps(local_llm_settings.model_dump_json())}))
with LLMClient(settings) as c:
    res = ask(c)
    print(json.dumps({{"hit": res.usage.cache_hit, "requests": c.stats.requests,
                      "servers": len(running_servers()), "value": res.value.model_dump(mode="json")}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", child], env=llm_subprocess_env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"hit": True, "requests": 0, "servers": 0, "value": first.value.model_dump(mode="json")}


def test_server_is_shared_and_counts_tokens(local_llm_settings: Settings, local_llm_server: LocalServer) -> None:
    with LLMClient(local_llm_settings) as client:
        n = client.count_tokens(seed_chunk())
        assert running_servers() == [local_llm_server]  # the client reused it: no second model load
    # Chinese is ~1.6 characters per token: 320 characters → roughly 150–260 tokens
    assert n is not None and 120 < n < 320
    assert local_llm_server.running and local_llm_server in running_servers()  # the session still holds it
    assert local_llm_server.tokenize("") == 0


def test_truncation_is_reported_not_hung(local_llm_settings: Settings) -> None:
    settings = local_llm_settings.model_copy(update={"validation_retries": 0})
    prompt = load_prompt("llm_selftest")
    from zhenggai.llm.errors import ValidationExhaustedError

    with LLMClient(settings) as client, pytest.raises(ValidationExhaustedError, match="finish_reason=length"):
        client.structured_sync(prompt, Excerpt, {"text": seed_chunk(), "max_items": 2}, max_tokens=12)


def test_local_timeout_fails_fast_without_resending(local_llm_settings: Settings) -> None:
    from zhenggai.llm.errors import LLMTimeoutError

    settings = local_llm_settings.model_copy(update={"call_timeout_s": 0.05, "call_timeout_per_token_s": 0.0})
    with LLMClient(settings) as client, pytest.raises(LLMTimeoutError):
        client.structured_sync("llm_selftest", Excerpt, {"text": seed_chunk(), "max_items": 2}, max_tokens=8)
    assert client.stats.requests == 1 and client.stats.transient_retries == 0
