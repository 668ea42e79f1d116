"""A job whose every model call failed with a transient error (the endpoint down) is a transient
failure, not a `done` record built from the parser alone: on a shared store the worker retries it
with backoff up to the attempts allowed, then fails it saying why; a job where only some calls
failed stays `done` with its `chunk_failed` warnings. Real servers over real sockets, the scripted
fake model answering 503."""

from __future__ import annotations

import pytest
from api_server import QINGHE, wait_for
from fake_judge import responder
from fake_llm import Step, error_body


def _down(body):
    return Step(status=503, body=error_body(503, "upstream unavailable"))


def _judging_down(body):
    """The judging calls fail, every other prompt (metadata, categories, abstract) is answered."""
    prompt = "\n".join(m.get("content", "") for m in body.get("messages", []))
    if "分类助手" in prompt or "原样摘抄" in prompt or ("摘要" in prompt and '"abstract"' in prompt):
        return responder(body)
    return _down(body)


@pytest.mark.postgres
def test_a_job_whose_every_model_call_failed_is_retried_then_fails_with_the_reason(serve, fake_llm, pg_url):
    api = serve(api_db=pg_url, api_max_attempts=2)
    fake_llm.responder = _down
    job = api.post("/v1/summaries", json={"text": QINGHE}).json()
    done = wait_for(api, job["id"], timeout=120)
    assert done["status"] == "failed" and done["attempts"] == 2, done
    error = done["error"]
    assert error["type"] == "model_error" and "every model call of this job failed" in error["message"]
    assert error["detail"]["reason"] == "model_unreachable"
    history = api.get(f"/v1/summaries/{job['id']}").json()
    assert history["result"] is None


@pytest.mark.postgres
def test_a_job_where_only_some_model_calls_failed_is_done_with_warnings(serve, fake_llm, pg_url):
    api = serve(api_db=pg_url, api_max_attempts=2)
    fake_llm.responder = _judging_down
    job = api.post("/v1/summaries", json={"text": QINGHE}).json()
    done = wait_for(api, job["id"], timeout=120)
    assert done["status"] == "done" and done["attempts"] == 1, done["error"]
    codes = {w["code"] for w in done["result"]["provenance"]["warnings"]}
    assert "chunk_failed" in codes


def test_without_a_queue_worker_such_a_job_fails_at_once(serve, fake_llm):
    api = serve()  # SQLite: one runner, no retries of its own
    fake_llm.responder = _down
    job = api.post("/v1/summaries", json={"text": QINGHE}).json()
    done = wait_for(api, job["id"], timeout=120)
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["error"]["type"] == "model_error" and done["error"]["detail"]["calls_failed"] >= 1
