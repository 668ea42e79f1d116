"""The model pool: LLMClient → pool transport → litellm's Router → several real HTTP servers on loopback.

Each deployment is a scripted OpenAI-compatible server (tests/fake_llm.py) with its own latency
or failure; the tests assert where requests went, what they carried and what was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from conftest import llm_test_settings
from fake_llm import FakeLLM, Step, error_body
from pydantic import BaseModel

from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMTimeoutError, PermanentLLMError, TransientLLMError
from zhenggai.llm.pool import PoolConfigError, load_pool
from zhenggai.llm.prompts import Prompt
from zhenggai.settings import Settings

GROUP = "qwen-pool"
KEYS = {"A": "sk-pool-key-alpha-5f3e9c", "B": "sk-pool-key-bravo-81d2aa", "C": "sk-pool-key-charlie-07bb41"}


class Answer(BaseModel):
    topic: str
    count: int


PROMPT = Prompt(
    id="pool-unit",
    version="v1",
    params={"max_tokens": 48, "temperature": 0.0},
    system="You count things.",
    user="Text: {{ text }}",
)


def answering(delay: float = 0.0) -> Callable[[dict], Step]:
    """A deployment that answers every request with a valid object, echoing its input."""

    def respond(body: dict) -> Step:
        text = body["messages"][-1]["content"]
        return Step(content=json.dumps({"topic": text[-12:], "count": 1}), delay=delay)

    return respond


def failing(status: int) -> Callable[[dict], Step]:
    return lambda body: Step(status=status, body=error_body(status, "deployment is down"))


@pytest.fixture
def servers() -> Iterator[dict[str, FakeLLM]]:
    fakes = {name: FakeLLM().start() for name in ("A", "B", "C")}
    for fake in fakes.values():
        fake.responder = answering()
    yield fakes
    for fake in fakes.values():
        fake.stop()


def write_pool(path: Path, deployments: dict[str, list[dict]], **extra: object) -> Path:
    router = {"num_retries": 2, "allowed_fails": 1, "cooldown_time": 60, **extra.pop("router", {})}  # type: ignore[dict-item]
    path.write_text(yaml.safe_dump({"models": deployments, "router": router, **extra}), encoding="utf-8")
    return path


def deployment(name: str, fake: FakeLLM, **limits: object) -> dict:
    return {"name": f"dep-{name}", "model": "openai/qwen2.5-7b-instruct", "api_base": fake.url,
            "api_key": f"os.environ/POOL_KEY_{name}", **limits}  # fmt: skip


@pytest.fixture
def pool_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    for name, key in KEYS.items():
        monkeypatch.setenv(f"POOL_KEY_{name}", key)

    def make(pool: Path, **overrides: object) -> Settings:
        base = dict(
            model=GROUP,
            model_pool=pool,
            cache_dir=tmp_path / "cache",
            retry_backoff_s=0.05,
            retry_backoff_max_s=0.2,
            call_timeout_s=10.0,
            call_timeout_per_token_s=0.0,
            total_deadline_s=30.0,
            transient_retries=0,
        )
        return llm_test_settings(**{**base, **overrides})

    return make


async def ask_many(client: LLMClient, n: int, tag: str = "") -> list:
    """`n` distinct calls at once (distinct texts: no cache hits)."""
    calls = [client.structured(PROMPT, Answer, {"text": f"第{i}项{tag}"}) for i in range(n)]
    return await asyncio.gather(*calls, return_exceptions=True)


def received_texts(fake: FakeLLM) -> set[str]:
    return {r.body["messages"][-1]["content"] for r in fake.requests}


# ---------------------------------------------------------------- balancing


async def test_load_spreads_over_deployments_and_usage_names_the_one_that_answered(servers, pool_settings, tmp_path):
    pool = write_pool(tmp_path / "pool.yaml", {GROUP: [deployment(n, servers[n]) for n in "ABC"]})
    settings = pool_settings(pool)
    assert settings.transport == "pool"  # the pool file alone selects the pool transport
    with LLMClient(settings) as client:
        results = await ask_many(client, 30)
    assert all(not isinstance(r, BaseException) for r in results), results
    counts = {n: len(servers[n].requests) for n in "ABC"}
    assert sum(counts.values()) == 30
    assert min(counts.values()) >= 4, counts  # simple-shuffle over three equal deployments
    # usage says which deployment answered, and that server did receive the request
    by_deployment = {f"dep-{n}": received_texts(servers[n]) for n in "ABC"}
    for i, r in enumerate(results):
        text = f"Text: 第{i}项"
        assert text in by_deployment[r.usage.deployment]
    db = sqlite3.connect(settings.responses_db)
    logged = dict(db.execute("SELECT deployment, COUNT(*) FROM calls WHERE cache_hit = 0 GROUP BY deployment"))
    assert logged == {f"dep-{n}": c for n, c in counts.items() if c}


async def test_failing_deployment_is_cooled_down_and_its_traffic_moves(servers, pool_settings, tmp_path):
    servers["C"].responder = failing(500)
    pool = write_pool(tmp_path / "pool.yaml", {GROUP: [deployment(n, servers[n]) for n in "ABC"]})
    settings = pool_settings(pool)
    with LLMClient(settings) as client:
        results = [await client.structured(PROMPT, Answer, {"text": f"第{i}项"}) for i in range(24)]
    assert {r.usage.deployment for r in results} <= {"dep-A", "dep-B"}
    # the pool re-sent C's failures to A or B at once: the client saw no fault to retry
    assert all(r.usage.transient_retries == 0 and r.usage.requests == 1 for r in results)
    # allowed_fails=1: C's second failure within the minute cools it down for the rest of the run
    assert 1 <= len(servers["C"].requests) <= 2
    assert len(servers["A"].requests) + len(servers["B"].requests) == 24


async def test_a_failing_group_falls_back_to_another(servers, pool_settings, tmp_path):
    servers["A"].responder = failing(503)
    pool = write_pool(
        tmp_path / "pool.yaml",
        {GROUP: [deployment("A", servers["A"])], "qwen-hosted": [deployment("B", servers["B"])]},
        fallbacks={GROUP: ["qwen-hosted"]},
    )
    with LLMClient(pool_settings(pool)) as client:
        results = [await client.structured(PROMPT, Answer, {"text": f"第{i}项"}) for i in range(4)]
    assert [r.usage.deployment for r in results] == ["dep-B"] * 4
    assert len(servers["B"].requests) == 4 and servers["A"].requests


async def test_per_deployment_max_parallel_is_respected(servers, pool_settings, tmp_path):
    for fake in servers.values():
        fake.responder = answering(delay=0.25)
    deployments = [deployment(n, servers[n], max_parallel_requests=2) for n in "AB"]
    pool = write_pool(tmp_path / "pool.yaml", {GROUP: deployments})
    settings = pool_settings(pool, concurrency=1)  # the pool's slots (2 + 2) decide, not the one-endpoint default
    with LLMClient(settings) as client:
        results = await ask_many(client, 16)
    assert all(not isinstance(r, BaseException) for r in results), results
    assert servers["A"].max_inflight <= 2 and servers["B"].max_inflight <= 2
    assert servers["A"].max_inflight + servers["B"].max_inflight >= 3  # and the slots were used
    assert len(servers["A"].requests) + len(servers["B"].requests) == 16


async def test_slots_of_a_cooled_down_deployment_are_waited_for_not_failed(servers, pool_settings, tmp_path):
    """C is down: the client admits 6 at once (three deployments x 2) but only A and B answer; the
    requests beyond their 4 slots wait for one instead of failing with litellm's own 429."""
    servers["C"].responder = failing(500)
    for name in "AB":
        servers[name].responder = answering(delay=0.2)
    pool = write_pool(
        tmp_path / "pool.yaml", {GROUP: [deployment(n, servers[n], max_parallel_requests=2) for n in "ABC"]}
    )
    with LLMClient(pool_settings(pool)) as client:
        # C cools down first: one call at a time, so A and B always have a free slot for the
        # Router's re-send, until C has failed often enough (allowed_fails=1) to get no traffic
        for i in range(40):
            with contextlib.suppress(TransientLLMError):  # C three times in a row: rare, and only warm-up
                await client.structured(PROMPT, Answer, {"text": f"预热{i}"})
            if len(servers["C"].requests) >= 2:
                break
        assert len(servers["C"].requests) >= 2
        await asyncio.sleep(0.3)  # litellm records the cooldown in a failure callback
        sent_to_c = len(servers["C"].requests)
        results = await ask_many(client, 18)
    assert all(not isinstance(r, BaseException) for r in results), results
    assert len(servers["C"].requests) == sent_to_c  # cooled down: no traffic
    assert servers["A"].max_inflight <= 2 and servers["B"].max_inflight <= 2
    assert client.transport.slot_waits > 0  # 6 admitted, 4 slots answer: the rest waited


# ---------------------------------------------------------------- caps and errors


async def test_output_cap_and_wall_time_cap_are_passed_on(servers, pool_settings, tmp_path):
    servers["A"].responder = answering(delay=4.0)
    pool = write_pool(tmp_path / "pool.yaml", {GROUP: [deployment("A", servers["A"])]}, router={"num_retries": 0})
    with LLMClient(pool_settings(pool, call_timeout_s=0.6)) as client:
        started = time.perf_counter()
        with pytest.raises(LLMTimeoutError):
            await client.structured(PROMPT, Answer, {"text": "慢"})
        elapsed = time.perf_counter() - started
    assert elapsed < 3.5  # the call gave up at its cap, not when the slow deployment answered
    assert servers["A"].requests[0].body["max_tokens"] == 48
    servers["B"].responder = answering()
    pool = write_pool(tmp_path / "pool2.yaml", {GROUP: [deployment("B", servers["B"])]})
    with LLMClient(pool_settings(pool, max_output_tokens=1024)) as client:
        await client.structured(PROMPT, Answer, {"text": "快"}, max_tokens=33)
    assert servers["B"].requests[0].body["max_tokens"] == 33


async def test_errors_keep_their_class(servers, pool_settings, tmp_path):
    servers["A"].responder = failing(503)
    servers["B"].responder = failing(503)
    pool = write_pool(tmp_path / "pool.yaml", {GROUP: [deployment(n, servers[n]) for n in "AB"]})
    with LLMClient(pool_settings(pool, transient_retries=1)) as client:
        with pytest.raises(TransientLLMError) as exc:
            await client.structured(PROMPT, Answer, {"text": "都坏了"})
        assert exc.value.usage.transient_retries == 1  # the client retried after the pool gave up
    servers["C"].responder = failing(400)
    pool = write_pool(tmp_path / "pool2.yaml", {GROUP: [deployment("C", servers["C"])]})
    with LLMClient(pool_settings(pool, transient_retries=3)) as client:
        with pytest.raises(PermanentLLMError):
            await client.structured(PROMPT, Answer, {"text": "坏请求"})
        with pytest.raises(PermanentLLMError, match="not in the pool"):
            await client.structured(PROMPT, Answer, {"text": "x"}, model="another-model")
    assert len(servers["C"].requests) == 1  # a permanent fault is never re-sent


async def test_keys_reach_the_endpoint_and_nowhere_else(servers, pool_settings, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    # A echoes its key in the error body, as some providers do for a rejected key
    servers["A"].responder = lambda body: Step(
        status=401, body=error_body(401, f"Incorrect API key provided: {KEYS['A']}", "invalid_request_error")
    )
    pool = write_pool(tmp_path / "pool.yaml", {GROUP: [deployment("A", servers["A"])]})
    settings = pool_settings(pool)
    with LLMClient(settings) as client, pytest.raises(PermanentLLMError) as exc:
        await client.structured(PROMPT, Answer, {"text": "钥匙"})
    pool = write_pool(tmp_path / "pool2.yaml", {GROUP: [deployment(n, servers[n]) for n in "BC"]})
    settings2 = pool_settings(pool)
    with LLMClient(settings2) as client:
        ok = await ask_many(client, 6)
    assert all(not isinstance(r, BaseException) for r in ok)
    sent = [v for n in "ABC" for r in servers[n].requests for k, v in r.headers.items() if k.lower() == "authorization"]
    assert f"Bearer {KEYS['A']}" in sent and f"Bearer {KEYS['B']}" in sent  # they were used ...
    out, err = capfd.readouterr()
    db = sqlite3.connect(settings.responses_db)
    log_rows = json.dumps(
        db.execute("SELECT * FROM calls").fetchall() + db.execute("SELECT * FROM responses").fetchall()
    )
    seen = "\n".join([caplog.text, out, err, log_rows, str(exc.value), repr(exc.value), repr(settings), repr(client)])
    for key in KEYS.values():  # ... and are nowhere else
        assert key not in seen
    assert "***" in str(exc.value) and "POOL_KEY_A" in str(exc.value)


# ---------------------------------------------------------------- the pool file


def test_pool_file_errors_say_where(tmp_path, monkeypatch):
    def bad(doc: object, *expected: str) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc), encoding="utf-8")
        with pytest.raises(PoolConfigError) as exc:
            load_pool(path).secrets()
        for part in expected:
            assert part in str(exc.value)
        return str(exc.value)

    dep = {"name": "gpu-a", "model": "openai/qwen", "api_base": "http://gpu-a.example:8000/v1"}
    literal = "sk-literal-key-pasted-3f9a1c"
    message = bad({"models": {"q": [{**dep, "api_key": literal}]}}, "models.q.0.api_key", "os.environ/NAME")
    assert literal not in message
    bad({"models": {"q": [dep, dep]}}, "used twice")
    bad({"models": {"q": [dep]}, "fallbacks": {"q": ["nowhere"]}}, "'nowhere'")
    bad({"models": {"q": [{**dep, "max_parallel_requests": 0}]}}, "max_parallel_requests")
    bad({"models": {"q": [{**dep, "rpms": 5}]}}, "rpms")
    bad({"models": {"q": []}}, "no deployments")
    bad("models: [unclosed", "not valid YAML", "line")
    bad({"models": {"q": [{**dep, "api_key": "os.environ/ZHENGGAI_TEST_UNSET_KEY"}]}}, "ZHENGGAI_TEST_UNSET_KEY")
    with pytest.raises(PoolConfigError, match="cannot be read"):
        load_pool(tmp_path / "missing.yaml")


async def test_example_pool_file_is_valid_and_litellm_takes_it(monkeypatch, tmp_path):
    from zhenggai.llm.transports.pool import PoolTransport

    example = Path(__file__).resolve().parents[1] / "examples" / "deploy" / "pool.yaml"
    config = load_pool(example)
    for d in (d for ds in config.models.values() for d in ds):
        if d.key_variable:
            monkeypatch.setenv(d.key_variable, f"sk-example-{d.name}")
    transport = PoolTransport(llm_test_settings(model="qwen2.5-7b", model_pool=example, cache_dir=tmp_path))
    router = transport._router()  # litellm accepts every field the file uses (weights, rpm, ollama_chat)
    assert sorted(d["model_info"]["id"] for d in router.get_model_list()) == ["gpu-a", "gpu-b", "hosted", "ollama-c"]
    assert config.capacity("qwen2.5-7b") == 14 and config.capacity("qwen2.5-7b-hosted") == 60
    assert all(e["litellm_params"]["max_retries"] == 0 for e in config.model_list(config.secrets()))
    ollama = next(e for e in config.model_list(config.secrets()) if e["model_info"]["id"] == "ollama-c")
    assert ollama["litellm_params"]["api_key"] == "sk-no-key"  # never a provider key of the environment


# ---------------------------------------------------------------- the pipeline over a pool


async def test_a_report_through_a_pool_is_the_report_through_one_endpoint(
    servers, pool_settings, tmp_path, judge_llm, llm_fake_settings
):
    """The calls of one report go to two rule-following deployments, and the record is the one a single
    endpoint gives (the pool changes where requests go, nothing else; the spread is tested above)."""
    from _paths import EXAMPLES_DIR
    from fake_judge import responder

    from zhenggai.ingest.document import load_path
    from zhenggai.pipeline import summarize_document

    doc = load_path(EXAMPLES_DIR / "qinghe_county_2023.txt")
    async with LLMClient(llm_fake_settings) as client:
        single = await summarize_document(doc, client, llm_fake_settings)
    for name in "AB":
        servers[name].responder = responder
    pool = write_pool(tmp_path / "pool.yaml", {GROUP: [deployment(n, servers[n]) for n in "AB"]})
    settings = pool_settings(pool)
    async with LLMClient(settings) as client:
        pooled = await summarize_document(doc, client, settings)
    assert [p.model_dump() for p in pooled.problems] == [p.model_dump() for p in single.problems]
    assert pooled.abstract == single.abstract
    assert pooled.provenance.usage.calls == len(servers["A"].requests) + len(servers["B"].requests)
