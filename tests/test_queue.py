"""The queue on a real PostgreSQL server: `serve` with an embedded worker runs jobs claimed from the
database, `?wait=true` is woken by NOTIFY, a cancel reaches the worker, `--no-worker` only takes HTTP."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest
from api_server import AUTH, QINGHE, Gate, LiveServer, api_settings, wait_for
from fake_judge import responder

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


def test_a_transient_failure_is_retried_after_a_backoff(tmp_path, pg_url, fake_llm):
    """A job's worker process dies under it (WorkerDied: transient): the job is released to the queue
    after a backoff and runs again, instead of failing. (A model outage does not fail a job: the
    pipeline keeps the parser's reading of a chunk whose call failed.)"""
    gate = Gate(responder)
    fake_llm.responder = gate
    srv = LiveServer(create_app(api_settings(tmp_path, fake_llm.url, api_db=pg_url))).start(60)
    try:
        api = _client(srv)
        job_id = api.post("/v1/summaries", json={"text": QINGHE}).json()["id"]
        assert gate.held.wait(60)
        service = srv.server.config.app.state.service
        for pid in service.runner.pool.pids():  # the job's pipeline process among them
            os.kill(pid, signal.SIGKILL)
        gate.open()
        job = wait_for(api, job_id, timeout=180)
        assert job["status"] == "done" and job["attempts"] == 2
        assert [a["outcome"] for a in service.store.attempts(job_id)] == ["released", "done"]
    finally:
        gate.open()
        srv.stop()
