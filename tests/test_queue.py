"""The queue on a real PostgreSQL server: `serve` with an embedded worker runs jobs claimed from the
database, `?wait=true` is woken by NOTIFY, a cancel reaches the worker, `--no-worker` only takes HTTP."""

from __future__ import annotations

import time

import httpx
import pytest
from api_server import AUTH, QINGHE, Gate, LiveServer, api_settings, wait_for
from fake_judge import responder
from fake_llm import Step

from zhenggai.api import create_app

pytestmark = pytest.mark.postgres


def _client(srv: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, headers=AUTH, timeout=30)


def test_an_embedded_worker_runs_a_job_and_wait_is_woken_by_the_database(tmp_path, pg_url, judge_llm):
    srv = LiveServer(create_app(api_settings(tmp_path, judge_llm.url, api_db=pg_url, api_wait_max_s=120))).start(60)
    try:
        job = _client(srv).post("/v1/summaries?wait=true", json={"text": QINGHE}).json()
        assert job["status"] == "done" and job["attempts"] == 1
        assert job["result"]["problems"]
        assert srv.server.config.app.state.service.store.attempts(job["id"])[0]["outcome"] == "done"
    finally:
        srv.stop()


def test_a_cancel_reaches_the_worker_of_another_process(tmp_path, pg_url, fake_llm):
    gate = Gate(responder)  # every model call hangs until opened
    fake_llm.responder = gate
    http_only = LiveServer(create_app(api_settings(tmp_path, fake_llm.url, api_db=pg_url, api_worker=False))).start(60)
    worker = LiveServer(create_app(api_settings(tmp_path / "w", fake_llm.url, api_db=pg_url))).start(60)
    try:
        api = _client(http_only)
        job = api.post("/v1/summaries", json={"text": QINGHE}).json()
        assert gate.held.wait(15)  # the other process's worker runs it
        assert api.delete(f"/v1/summaries/{job['id']}").json()["status"] == "cancelled"
        running = worker.server.config.app.state.service.worker.worker.running
        deadline = time.monotonic() + 5  # the worker stops the job within seconds, not at the lease's end
        while job["id"] in running and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job["id"] not in running
        assert wait_for(api, job["id"])["status"] == "cancelled"
        gate.open()
        again = api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")}).json()
        assert wait_for(api, again["id"], timeout=120)["status"] == "done"
    finally:
        gate.open()
        worker.stop()
        http_only.stop()


def test_a_transient_model_failure_is_retried_after_a_backoff(tmp_path, pg_url, fake_llm):
    broken = {"left": 2}  # the model is down for the first calls: the job's first attempt fails transiently

    def flaky(body):
        if broken["left"] > 0:
            broken["left"] -= 1
            return Step(status=503)
        return responder(body)

    fake_llm.responder = flaky
    settings = api_settings(tmp_path, fake_llm.url, api_db=pg_url, transient_retries=1, api_wait_max_s=120)
    srv = LiveServer(create_app(settings)).start(60)
    try:
        api = _client(srv)
        job = wait_for(api, api.post("/v1/summaries", json={"text": QINGHE}).json()["id"], timeout=180)
        assert job["status"] == "done" and job["attempts"] >= 2
        outcomes = [a["outcome"] for a in srv.server.config.app.state.service.store.attempts(job["id"])]
        assert outcomes == ["released"] * (len(outcomes) - 1) + ["done"]  # retried, not failed
    finally:
        srv.stop()
