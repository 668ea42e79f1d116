"""The response cache's contract, the same on both stores: a SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from conftest import llm_test_settings
from fake_llm import FakeLLM, Step
from pydantic import BaseModel

from zhenggai.llm.cache import CallRecord, ResponseCache
from zhenggai.llm.client import LLMClient
from zhenggai.llm.prompts import Prompt


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path: Path) -> str:
    """Where a cache lives: a SQLite file, or a fresh database on the session's PostgreSQL server."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "responses.sqlite")


def _put(cache: ResponseCache, key: str, text: str, tokens: int = 10) -> None:
    cache.put(
        key,
        model="m@",
        prompt_id="p",
        prompt_version="v1",
        response_text=text,
        prompt_tokens=tokens,
        completion_tokens=tokens // 2,
    )


def _log(cache: ResponseCache, key: str, *rows: tuple[int, int, float, str | None], hit: bool = False) -> None:
    for k, (pt, ct, s, err) in enumerate(rows, start=1):
        cache.log(
            CallRecord(
                cache_key=key,
                prompt_id="p",
                prompt_version="v1",
                model="m",
                messages=[{"role": "user", "content": "第一项"}],
                prompt_tokens=pt,
                completion_tokens=ct,
                latency_s=s,
                attempt=k,
                error=err,
                cache_hit=hit,
                deployment="gpu-a",
            )
        )


def test_hit_miss_replace_delete(target):
    cache = ResponseCache(target)
    assert cache.get("k1") is None
    _put(cache, "k1", '{"a": 1}', tokens=40)
    got = cache.get("k1")
    assert got is not None and got.response_text == '{"a": 1}'
    assert (got.model, got.prompt_tokens, got.completion_tokens) == ("m@", 40, 20)
    _put(cache, "k1", '{"a": 2}')  # a second answer for one key replaces the first
    assert cache.get("k1").response_text == '{"a": 2}'
    assert cache.count("responses") == 1
    cache.delete("k1")
    assert cache.get("k1") is None
    assert (cache.hits, cache.misses) == (2, 2)
    cache.close()
    reopened = ResponseCache(target)  # what was written is there for the next process
    _put(reopened, "k2", "{}")
    reopened.close()
    assert ResponseCache(target).get("k2") is not None


def test_cost_is_read_back_the_same(target):
    cache = ResponseCache(target)
    _log(cache, "A", (100, 50, 2.0, "validation: bad"), (120, 40, 3.0, None))
    _log(cache, "A", (0, 0, 0.01, None), hit=True)  # a hit row never counts
    _log(cache, "A", (90, 30, 1.5, "TimeoutError: slow"), (90, 30, 1.0, None))
    computed = cache.computed_cost("A")
    assert computed is not None
    assert (computed.prompt_tokens, computed.completion_tokens) == (180, 60)
    assert computed.model_seconds == pytest.approx(2.5)
    assert (computed.requests, computed.validation_failures, computed.transient_retries) == (2, 0, 1)
    assert cache.computed_cost("nowhere") is None
    assert cache.count("calls") == 5


def _writer(target: str, worker: int, n: int) -> int:
    """One process writing the same keys as another, at the same time."""
    cache = ResponseCache(target)
    for i in range(n):
        _put(cache, f"key-{i}", json.dumps({"by": worker, "i": i}))
        _log(cache, f"key-{i}", (10, 5, 0.1, None))
        assert cache.get(f"key-{i}") is not None
    cache.close()
    return n


def test_two_processes_writing_the_same_keys(target):
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        done = [pool.submit(_writer, target, w, 60) for w in (1, 2)]
        assert [f.result(timeout=120) for f in done] == [60, 60]  # no error in either
    cache = ResponseCache(target)
    assert cache.count("responses") == 60  # one row per key
    assert cache.count("calls") == 120
    for i in range(60):
        assert json.loads(cache.get(f"key-{i}").response_text)["by"] in (1, 2)
    assert cache.computed_cost("key-7").requests == 1  # the latest computed answer


class Answer(BaseModel):
    topic: str


PROMPT = Prompt(id="shared", version="v1", params={"max_tokens": 32}, system="s", user="Text: {{ text }}")


def test_a_second_machine_reuses_the_answer(target, tmp_path):
    """Two clients with their own cache folders (two machines) and one `ZHENGGAI_CACHE_DB`."""
    with FakeLLM([Step(content='{"topic": "整改"}', prompt_tokens=30, completion_tokens=6)]) as fake:

        def machine(name: str) -> LLMClient:
            return LLMClient(
                llm_test_settings(
                    model="openai/fake-model",
                    api_base=fake.url,
                    api_key="sk-test",
                    cache_dir=tmp_path / name,
                    cache_db=target,
                    call_timeout_s=10.0,
                )
            )

        with machine("one") as one:
            first = one.structured_sync(PROMPT, Answer, {"text": "第一项"})
        with machine("two") as two:
            second = two.structured_sync(PROMPT, Answer, {"text": "第一项"})
            assert second.value == first.value and second.usage.cache_hit
            cost = two.cache.computed_cost(second.usage.cache_key)
        assert len(fake.requests) == 1
        assert (cost.prompt_tokens, cost.completion_tokens, cost.requests) == (30, 6, 1)


def test_an_older_sqlite_file_gains_the_deployment_column(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE calls (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, cache_key TEXT, prompt_id TEXT,"
        " prompt_version TEXT, model TEXT, messages_hash TEXT, messages_json TEXT, response_text TEXT,"
        " finish_reason TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, latency_s REAL, attempt INTEGER,"
        " cache_hit INTEGER NOT NULL DEFAULT 0, error TEXT);"
        "INSERT INTO calls (ts, cache_key, prompt_tokens, completion_tokens, latency_s) VALUES (1, 'old', 5, 2, 0.5);"
    )
    db.close()
    cache = ResponseCache(path)
    _log(cache, "new", (10, 5, 0.1, None))
    assert cache.computed_cost("old").prompt_tokens == 5
    cache.close()
    rows = sqlite3.connect(path).execute("SELECT cache_key, deployment FROM calls ORDER BY id").fetchall()
    assert rows == [("old", None), ("new", "gpu-a")]


@pytest.mark.postgres
def test_server_down_is_a_miss_not_a_failure(pg_server, caplog):
    url = pg_server.new_database()
    cache = ResponseCache(url)
    cache.store.retry_after_s = 0.2
    _put(cache, "k", "{}")
    caplog.set_level(logging.WARNING, logger="zhenggai.llm.cache")
    pg_server.stop()
    try:
        assert cache.get("k") is None  # a miss: the model call goes on
        _put(cache, "k2", "{}")  # dropped
        _log(cache, "k2", (1, 1, 0.1, None))
        assert cache.store.failures == 3
        warnings = [r.getMessage() for r in caplog.records if r.name == "zhenggai.llm.cache"]
        assert len(warnings) == 1 and "unreachable" in warnings[0] and "postgres@127.0.0.1" in warnings[0]
    finally:
        pg_server.start()
    time.sleep(0.3)
    assert cache.get("k") is not None  # and back once the server is
    _put(cache, "k2", "{}")
    assert cache.get("k2") is not None
    cache.close()
