"""LLMClient against a scripted OpenAI-compatible server, through the real litellm path."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from enum import StrEnum

import pytest
from conftest import llm_test_settings
from fake_llm import FakeLLM, Step, error_body
from pydantic import BaseModel, Field

from zhenggai.llm.client import CallResult, LLMClient
from zhenggai.llm.errors import (
    LLMTimeoutError,
    PermanentLLMError,
    TransientLLMError,
    ValidationExhaustedError,
)
from zhenggai.llm.prompts import Prompt
from zhenggai.llm.usage import CallUsage
from zhenggai.settings import Settings


class Kind(StrEnum):
    measure = "measure"
    figure = "figure"


class Item(BaseModel):
    text: str
    kind: Kind


class Answer(BaseModel):
    topic: str
    count: int
    items: list[Item] = Field(default_factory=list)


PROMPT = Prompt(
    id="unit",
    version="v1",
    params={"max_tokens": 64, "temperature": 0.0},
    system="You extract things.",
    user="Text: {{ text }}",
)
GOOD = {"topic": "t", "count": 2, "items": [{"text": "a", "kind": "measure"}]}
VARS = {"text": "整改措施一是……"}


def good(**changes: object) -> str:
    return json.dumps({**GOOD, **changes}, ensure_ascii=False)


def call(client: LLMClient, **kwargs: object) -> CallResult[Answer]:
    return client.structured_sync(PROMPT, Answer, kwargs.pop("variables", VARS), **kwargs)


@pytest.fixture
def client(llm_fake_settings: Settings):
    c = LLMClient(llm_fake_settings)
    yield c
    c.close()


def all_message_text(body: dict) -> str:
    return "\n".join(m["content"] for m in body["messages"])


def test_valid_answer_returns_object_and_usage(fake_llm: FakeLLM, client: LLMClient) -> None:
    fake_llm.add(Step(content=good(), prompt_tokens=40, completion_tokens=12))
    res = call(client)
    assert res.value == Answer.model_validate(GOOD)
    u = res.usage
    assert (u.model, u.prompt_id, u.prompt_version) == ("openai/fake-model", "unit", "v1")
    assert (u.prompt_tokens, u.completion_tokens, u.requests, u.transient_retries, u.cache_hit) == (40, 12, 1, 0, False)
    assert u.latency_s > 0
    body = fake_llm.requests[0].body
    assert body["max_tokens"] == 64  # from the prompt's params
    assert body["temperature"] == 0.0
    assert body["messages"][1]["content"] == "Text: 整改措施一是……"


def test_invalid_json_then_valid(fake_llm: FakeLLM, client: LLMClient) -> None:
    fake_llm.add(Step(content="Sure! here it is: {topic: t"), Step(content=good()))
    res = call(client)
    assert res.value.count == 2
    assert res.usage.validation_failures == 1
    assert len(fake_llm.requests) == 2
    second = fake_llm.requests[1].body["messages"]
    assert second[-2] == {"role": "assistant", "content": "Sure! here it is: {topic: t"}
    assert "Invalid JSON" in second[-1]["content"]


def test_schema_violation_fixed_on_retry_with_error_fed_back(fake_llm: FakeLLM, client: LLMClient) -> None:
    bad = good(count="two", items=[{"text": "a", "kind": "opinion"}])
    fake_llm.add(Step(content=bad), Step(content=good()))
    res = call(client)
    assert res.value == Answer.model_validate(GOOD)
    assert res.usage.validation_failures == 1
    first, second = (r.body for r in fake_llm.requests)
    assert "valid integer" not in all_message_text(first)
    feedback = second["messages"][-1]["content"]
    assert "count: Input should be a valid integer" in feedback
    assert "items.0.kind: Input should be 'measure' or 'figure'" in feedback
    assert client.stats.validation_failures == 1


def test_validation_retries_exhausted_names_last_problem(fake_llm: FakeLLM, client: LLMClient) -> None:
    fake_llm.add(Step(content="nope"), Step(content=good(count="x")), Step(content=good(topic=None)))
    with pytest.raises(ValidationExhaustedError) as ei:
        call(client)
    err = ei.value
    assert err.attempts == 3 and len(fake_llm.requests) == 3
    assert "topic: Input should be a valid string" in err.last_error
    assert "topic: Input should be a valid string" in str(err)
    assert err.last_text == good(topic=None)
    assert err.usage.validation_failures == 3 and err.usage.completion_tokens == 3 * 7
    # nothing invalid was cached: the same call goes to the model again
    fake_llm.add(Step(content=good()))
    assert call(client).usage.cache_hit is False
    assert len(fake_llm.requests) == 4


def test_truncated_output_is_a_validation_failure(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    settings = llm_fake_settings.model_copy(update={"validation_retries": 1})
    loop = '{"topic": "' + "重复" * 30
    fake_llm.add(Step(content=loop, finish_reason="length"), Step(content=loop, finish_reason="length"))
    with LLMClient(settings) as client, pytest.raises(ValidationExhaustedError) as ei:
        call(client, max_tokens=32)
    assert "max_tokens=32" in ei.value.last_error and "finish_reason=length" in ei.value.last_error
    assert [r.body["max_tokens"] for r in fake_llm.requests] == [32, 32]


def test_timeout_then_success(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    settings = llm_fake_settings.model_copy(update={"call_timeout_s": 0.5})
    fake_llm.add(Step(content=good(), delay=3.0), Step(content=good(topic="late but fine")))
    t0 = time.perf_counter()
    with LLMClient(settings) as client:
        res = call(client)
    assert res.value.topic == "late but fine"
    assert res.usage.transient_retries == 1 and res.usage.requests == 2
    assert time.perf_counter() - t0 < 2.5  # gave up on the slow answer instead of waiting for it


def test_rate_limited_then_success_with_backoff(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    settings = llm_fake_settings.model_copy(update={"retry_backoff_s": 0.3, "retry_backoff_max_s": 1.0})
    fake_llm.add(Step(status=429, body=error_body(429, "Rate limit reached")), Step(content=good()))
    with LLMClient(settings) as client:
        res = call(client)
    assert res.usage.transient_retries == 1
    assert len(fake_llm.requests) == 2  # the OpenAI SDK's own retries are off
    gap = fake_llm.requests[1].at - fake_llm.requests[0].at
    assert gap >= 0.3


def test_server_errors_exhaust_transient_retries(fake_llm: FakeLLM, client: LLMClient) -> None:
    fake_llm.add(*[Step(status=503, body=error_body(503, "overloaded")) for _ in range(4)])
    with pytest.raises(TransientLLMError):
        call(client)
    assert len(fake_llm.requests) == 4  # transient_retries=3 → 4 attempts
    assert client.stats.transient_retries == 3


def test_permanent_auth_error_fails_at_once_and_key_is_never_logged(
    fake_llm: FakeLLM, client: LLMClient, llm_fake_settings: Settings
) -> None:
    key = llm_fake_settings.api_key.get_secret_value()
    fake_llm.add(Step(status=401, body=error_body(401, f"Incorrect API key provided: {key}", "invalid_request_error")))
    t0 = time.perf_counter()
    with pytest.raises(PermanentLLMError) as ei:
        call(client)
    assert time.perf_counter() - t0 < 2
    assert len(fake_llm.requests) == 1
    assert "authentication failed" in str(ei.value)
    assert key not in str(ei.value)
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {key}"  # the key was used...
    client.close()
    db = sqlite3.connect(llm_fake_settings.responses_db)
    dump = "\n".join(db.iterdump())
    assert "Incorrect API key provided" in dump  # ... the failure was logged ...
    assert key not in dump  # ... but never the key


def test_bad_request_is_permanent(fake_llm: FakeLLM, client: LLMClient) -> None:
    fake_llm.add(Step(status=400, body=error_body(400, "unknown parameter", "invalid_request_error")))
    with pytest.raises(PermanentLLMError):
        call(client)
    assert len(fake_llm.requests) == 1


def test_total_deadline_bounds_the_call(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    settings = llm_fake_settings.model_copy(update={"call_timeout_s": 0.4, "total_deadline_s": 1.0})
    fake_llm.add(*[Step(content=good(), delay=2.0) for _ in range(4)])
    t0 = time.perf_counter()
    with LLMClient(settings) as client, pytest.raises(LLMTimeoutError):
        call(client)
    assert time.perf_counter() - t0 < 2.0
    assert len(fake_llm.requests) < 4


def test_cache_hit_on_identical_call(fake_llm: FakeLLM, client: LLMClient) -> None:
    fake_llm.add(Step(content=good(), prompt_tokens=30, completion_tokens=10))
    first = call(client)
    second = call(client)
    assert len(fake_llm.requests) == 1
    assert second.value == first.value and second.text == first.text
    assert second.usage.cache_hit and second.usage.prompt_tokens == 0 and second.usage.requests == 0
    s = client.stats
    assert (s.calls, s.requests, s.cache_hits, s.prompt_tokens) == (2, 1, 1, 30)
    # anything that changes the request is a different key
    fake_llm.add(Step(content=good(topic="other text")), Step(content=good(topic="other max")))
    assert call(client, variables={"text": "别的"}).value.topic == "other text"
    assert call(client, max_tokens=50).value.topic == "other max"
    assert len(fake_llm.requests) == 3


def test_refresh_and_bypass_switches(fake_llm: FakeLLM, client: LLMClient) -> None:
    fake_llm.add(Step(content=good(topic="v1")), Step(content=good(topic="v2")), Step(content=good(topic="v3")))
    assert call(client).value.topic == "v1"
    refreshed = call(client, refresh=True)
    assert refreshed.value.topic == "v2" and not refreshed.usage.cache_hit
    assert call(client).value.topic == "v2"  # the refreshed answer replaced the cached one
    bypass = call(client, cache=False)
    assert bypass.value.topic == "v3" and not bypass.usage.cache_hit
    assert call(client).value.topic == "v2"  # the bypassing call stored nothing
    assert len(fake_llm.requests) == 3


def test_cache_shared_with_a_fresh_process(
    fake_llm: FakeLLM, client: LLMClient, llm_fake_settings: Settings, llm_subprocess_env: dict[str, str]
) -> None:
    fake_llm.add(Step(content=good(topic="from parent")))
    call(client)
    child = f"""
import json
from conftest import llm_test_settings
from test_llm_client import call
from zhenggai.llm.client import LLMClient
settings = llm_test_settings(**json.loads({json.dumps(llm_fake_settings.model_dump_json())}))
with LLMClient(settings.model_copy(update={{"api_key": "{llm_fake_settings.api_key.get_secret_value()}"}})) as c:
    res = call(c)
print(json.dumps({{"topic": res.value.topic, "hit": res.usage.cache_hit}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", child], env=llm_subprocess_env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"topic": "from parent", "hit": True}
    assert len(fake_llm.requests) == 1


def test_strict_json_schema_mode_sends_the_schema(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    settings = llm_fake_settings.model_copy(update={"structured_output": "json_schema"})
    fake_llm.add(Step(content=good()))
    with LLMClient(settings) as client:
        call(client)
    rf = fake_llm.requests[0].body["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["name"] == "Answer" and rf["json_schema"]["strict"]
    schema = rf["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and set(schema["required"]) == {"topic", "count", "items"}
    assert schema["$defs"]["Kind"]["enum"] == ["measure", "figure"]
    assert "JSON schema" not in all_message_text(fake_llm.requests[0].body)


def test_json_mode_puts_the_schema_in_the_prompt(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    settings = llm_fake_settings.model_copy(update={"structured_output": "json_object"})
    fake_llm.add(Step(content="```json\n" + good() + "\n```"))  # fences are tolerated in JSON mode
    with LLMClient(settings) as client:
        assert call(client).value.count == 2
    body = fake_llm.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    system = body["messages"][0]["content"]
    assert system.startswith("You extract things.") and '"enum": ["measure", "figure"]' in system


def test_concurrency_limit(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    settings = llm_fake_settings.model_copy(update={"concurrency": 1})
    fake_llm.add(*[Step(content=good(count=i), delay=0.2) for i in range(3)])

    async def run() -> list[int]:
        async with LLMClient(settings) as client:
            results = await asyncio.gather(*[client.structured(PROMPT, Answer, {"text": f"t{i}"}) for i in range(3)])
        return sorted(r.value.count for r in results)

    assert asyncio.run(run()) == [0, 1, 2]
    assert fake_llm.max_inflight == 1


def test_the_concurrency_limit_is_per_requested_model(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    """Two models, limit 1 each: one request of each may be in flight, never two of one."""
    settings = llm_fake_settings.model_copy(update={"concurrency": 1})
    fake_llm.responder = lambda body: Step(content=good(topic=body["model"]), delay=0.3)

    async def run() -> None:
        async with LLMClient(settings) as client:
            await asyncio.gather(
                *(
                    client.structured(PROMPT, Answer, {"text": f"t{i}"}, model=model)
                    for i in range(2)
                    for model in ("openai/fake-a", "openai/fake-b")
                )
            )

    asyncio.run(run())
    assert fake_llm.max_inflight == 2 and len(fake_llm.requests) == 4
    by_model: dict[str, list[float]] = {}
    for r in fake_llm.requests:
        by_model.setdefault(r.body["model"], []).append(r.at)
    for model, starts in by_model.items():  # one model's two requests went one after the other
        assert abs(starts[1] - starts[0]) >= 0.25, model


def test_a_client_sends_through_the_transport_it_is_given(llm_fake_settings: Settings) -> None:
    """The transport seam: the client's checks, cache and usage around any transport."""
    from zhenggai.llm.transports import Reply, TransportRequest

    seen: list[TransportRequest] = []

    class Scripted:
        async def send(self, request: TransportRequest) -> Reply:
            seen.append(request)
            return Reply(text=good(count=len(seen)), finish_reason="stop", prompt_tokens=5, completion_tokens=3)

    with LLMClient(llm_fake_settings, transport=Scripted()) as client:
        res = call(client)
        again = call(client)
    assert res.value.count == 1 and again.usage.cache_hit and len(seen) == 1
    assert seen[0].timeout == pytest.approx(llm_fake_settings.call_timeout_s)
    assert (res.usage.prompt_tokens, res.usage.completion_tokens, res.usage.requests) == (5, 3, 1)


def test_the_call_timeout_grows_with_the_tokens_asked_for(llm_fake_settings: Settings) -> None:
    from zhenggai.llm.transports import Reply, TransportRequest

    seen: list[float] = []

    class Scripted:
        async def send(self, request: TransportRequest) -> Reply:
            seen.append(request.timeout)
            return Reply(text=good(), finish_reason="stop", prompt_tokens=1, completion_tokens=1)

    settings = llm_fake_settings.model_copy(update={"call_timeout_s": 10.0, "call_timeout_per_token_s": 0.5})
    with LLMClient(settings, transport=Scripted()) as client:
        call(client, max_tokens=20, cache=False)
        call(client, max_tokens=30, cache=False)
        call(client, max_tokens=400, cache=False)  # never past the call's total deadline (30 s here)
    assert seen[:2] == [pytest.approx(20.0), pytest.approx(25.0)] and 29 < seen[2] <= 30.0


async def test_async_api_and_call_log(fake_llm: FakeLLM, llm_fake_settings: Settings) -> None:
    fake_llm.add(Step(status=500, body=error_body(500, "boom")), Step(content="bad"), Step(content=good()))
    client = LLMClient(llm_fake_settings)
    res = await client.structured(PROMPT, Answer, VARS)
    await client.structured(PROMPT, Answer, VARS)  # cache hit, logged too
    await client.aclose()
    assert (res.usage.transient_retries, res.usage.validation_failures, res.usage.requests) == (1, 1, 3)
    rows = (
        sqlite3.connect(llm_fake_settings.responses_db)
        .execute(
            "SELECT prompt_id, prompt_version, model, messages_hash, response_text, error, cache_hit"
            " FROM calls ORDER BY id"
        )
        .fetchall()
    )
    assert [r[6] for r in rows] == [0, 0, 0, 1]
    assert "boom" in rows[0][5] and rows[1][5].startswith("validation:") and rows[2][5] is None
    assert rows[2][4] == good() and all(r[:3] == ("unit", "v1", "openai/fake-model") for r in rows)
    assert rows[0][3] == rows[1][3] != rows[2][3]  # the re-ask carried different messages


def test_count_tokens_is_none_for_hosted_models(client: LLMClient) -> None:
    assert client.count_tokens("巡视整改") is None


def test_settings_env_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ZHENGGAI_MODEL", "deepseek/deepseek-chat")
    monkeypatch.setenv("ZHENGGAI_API_KEY", "sk-env")
    monkeypatch.setenv("ZHENGGAI_CACHE_DIR", str(tmp_path))
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.model == "deepseek/deepseek-chat" and s.api_key.get_secret_value() == "sk-env"
    assert s.models_dir == tmp_path / "models" and "sk-env" not in repr(s)
    assert llm_test_settings(local_models_dir=tmp_path / "m").models_dir == tmp_path / "m"


def test_an_llm_error_carries_what_the_call_cost(fake_llm: FakeLLM, client: LLMClient) -> None:
    """A failed call's usage reaches its caller on the error, so the report that asked is charged."""
    fake_llm.add(*(Step(content="not json") for _ in range(3)))
    with pytest.raises(ValidationExhaustedError) as caught:
        call(client)
    u = caught.value.usage
    assert isinstance(u, CallUsage) and (u.requests, u.validation_failures, u.errors) == (3, 3, 1)
    assert client.stats.errors == 1 and client.stats.requests == 3
