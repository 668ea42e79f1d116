"""Shared fixtures. LLM fixtures are prefixed `llm_`/`fake_llm`/`local_llm` (others may add theirs)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from _paths import REPO, SEEDS_DIR  # noqa: F401  (SEEDS_DIR: re-exported for older tests)

from zhenggai.settings import Settings

# Integration tests share one small local model and one llama.cpp server per session.
LOCAL_TEST_MODEL = "local/qwen2.5-coder-0.5b"
LOCAL_TEST_CTX = 2048
# One thread: llama.cpp's thread barriers collapse when the 2 cores are busy with anything else
# (measured: 2 threads write 0.4 tok/s on a loaded machine, 1 thread 14.5 tok/s).
LOCAL_TEST_THREADS = 1


def llm_test_settings(**overrides: object) -> Settings:
    """Settings isolated from the developer's `.env` and ZHENGGAI_* variables."""
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (tests/browser.py). Not per session: sync Playwright
    keeps an event loop running in the main thread while it is open, which would stop the async
    tests of later modules from starting theirs."""
    from browser import launch

    yield from launch()


@pytest.fixture
def page(browser):
    """A fresh page whose console errors, page errors and network requests are recorded as `page.log`."""
    from browser import watch

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.log = watch(pg)
    yield pg
    context.close()


@pytest.fixture
def judge_llm(fake_llm):
    """`fake_llm` answering the judging and abstract prompts by rule (tests/fake_judge.py)."""
    from fake_judge import responder

    fake_llm.responder = responder
    return fake_llm


@pytest.fixture
def serve(tmp_path: Path, judge_llm):
    """Start the HTTP service on a real uvicorn over `judge_llm` (settings overrides as keywords);
    returns an authorised client; every server is stopped at the end of the test."""
    import httpx
    from api_server import AUTH, LiveServer, api_settings

    from zhenggai.api import create_app

    servers: list = []

    def start(**overrides):
        srv = LiveServer(create_app(api_settings(tmp_path, judge_llm.url, **overrides))).start()
        servers.append(srv)
        return httpx.Client(base_url=srv.url, headers=AUTH, timeout=30)

    yield start
    for srv in servers:
        srv.stop()


@pytest.fixture
def fake_llm():
    """A running scripted OpenAI-compatible server (see tests/fake_llm.py)."""
    from fake_llm import FakeLLM

    with FakeLLM() as server:
        yield server


@pytest.fixture
def llm_fake_settings(tmp_path: Path, fake_llm) -> Settings:
    """Settings that point the client at `fake_llm`, with a per-test cache and fast backoff."""
    return llm_test_settings(
        model="openai/fake-model",
        api_base=fake_llm.url,
        api_key="sk-test-key-123456",
        cache_dir=tmp_path / "cache",
        retry_backoff_s=0.05,
        retry_backoff_max_s=0.2,
        call_timeout_s=5.0,
        call_timeout_per_token_s=0.0,
        total_deadline_s=30.0,
        validation_retries=2,
        transient_retries=3,
    )


@pytest.fixture(scope="session")
def llm_models_dir() -> Path:
    """Where test runs keep assembled GGUF files: shared across tests and runs
    (ZHENGGAI_LOCAL_MODELS_DIR or ZHENGGAI_CACHE_DIR move it; default ~/.cache/zhenggai/models)."""
    return Settings(_env_file=None).models_dir  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def local_llm_server(llm_models_dir: Path) -> Iterator[object]:
    """One embedded 0.5B server for the whole session, shared by every client whose settings match."""
    from zhenggai.llm.embedded import acquire_server, release_server

    settings = llm_test_settings(
        local_models_dir=llm_models_dir, local_ctx=LOCAL_TEST_CTX, local_threads=LOCAL_TEST_THREADS
    )
    server = acquire_server(LOCAL_TEST_MODEL, settings)
    yield server
    release_server(server)


@pytest.fixture
def local_llm_settings(tmp_path: Path, llm_models_dir: Path, local_llm_server: object) -> Settings:
    """Settings for the session's local server with a per-test response cache."""
    return llm_test_settings(
        model=LOCAL_TEST_MODEL,
        cache_dir=tmp_path / "cache",
        local_models_dir=llm_models_dir,
        local_ctx=LOCAL_TEST_CTX,
        local_threads=LOCAL_TEST_THREADS,
        call_timeout_s=120.0,
    )


@pytest.fixture
def llm_subprocess_env() -> dict[str, str]:
    """Environment for child processes that import the tests' helper modules."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "tests"), env.get("PYTHONPATH", "")]))
    return env


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server for the session, on loopback (tests/pgserver.py)."""
    from pgserver import PgUnavailable, launch

    try:
        server = launch()
    except PgUnavailable as exc:
        pytest.fail(str(exc))
    yield server
    server.cleanup()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database on the session's server: its URL."""
    return pg_server.new_database()
