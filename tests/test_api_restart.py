"""A restart loses nothing: jobs that were running when the service stopped (gracefully, or killed)
are resumed by the next start on the same database, cheaply thanks to the response cache, or failed
with a reason once they have been started too often."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from api_server import AUTH, KEY, QINGHE, Gate, LiveServer, api_settings, wait_for
from fake_judge import responder

from zhenggai.api import create_app


def _client(srv: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, headers=AUTH, timeout=30)


def test_a_graceful_restart_mid_job_resumes_it(tmp_path, fake_llm):
    gate = Gate(responder, allow=1)  # the first model call is answered (and cached), the next ones hang
    fake_llm.responder = gate
    settings = api_settings(tmp_path, fake_llm.url, concurrency=1)
    srv = LiveServer(create_app(settings)).start()
    job = _client(srv).post("/v1/summaries", json={"text": QINGHE}).json()
    assert gate.held.wait(120)  # a hang guard, not a timing
    assert _client(srv).get(f"/v1/summaries/{job['id']}").json()["progress"]["done"] == 1
    srv.stop()  # mid-job
    cold_calls = gate.calls

    gate.open()
    srv = LiveServer(create_app(settings)).start()
    try:
        api = _client(srv)
        done = wait_for(api, job["id"])
        assert done["status"] == "done" and done["attempts"] == 2
        assert done["result"]["provenance"]["usage"]["cache_hits"] >= 1  # the answered chunk was not asked again
        assert [j["id"] for j in api.get("/v1/summaries").json()["items"]] == [job["id"]]  # nothing lost or doubled
        assert gate.calls - cold_calls == done["result"]["provenance"]["usage"]["calls"] - 1
    finally:
        srv.stop()


def test_a_job_started_too_often_fails_with_a_reason(tmp_path, fake_llm):
    gate = Gate(responder)
    fake_llm.responder = gate
    settings = api_settings(tmp_path, fake_llm.url, api_max_attempts=1, api_max_jobs=1)
    srv = LiveServer(create_app(settings)).start()
    job = _client(srv).post("/v1/summaries", json={"text": QINGHE}).json()
    queued = _client(srv).post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")}).json()
    assert gate.held.wait(120)  # a hang guard, not a timing
    srv.stop()
    gate.open()
    srv = LiveServer(create_app(settings)).start()
    try:
        api = _client(srv)
        failed = wait_for(api, job["id"])
        assert failed["status"] == "failed" and failed["error"]["type"] == "interrupted"
        assert "1 time(s)" in failed["error"]["message"] and failed["error"]["detail"] == {"attempts": 1}
        resumed = wait_for(api, queued["id"])  # it had not started: it runs now
        assert resumed["status"] == "done" and resumed["attempts"] == 1
        # a failed submission may be tried again: a new job
        again = api.post("/v1/summaries?wait=true", json={"text": QINGHE}).json()
        assert again["id"] != job["id"] and again["status"] == "done"
    finally:
        srv.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path, fake_llm, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "ZHENGGAI_MODEL": "openai/fake-model",
        "ZHENGGAI_API_BASE": fake_llm.url,
        "ZHENGGAI_API_KEY": "sk-llm-key",
        "ZHENGGAI_CACHE_DIR": str(tmp_path / "cache"),
        "ZHENGGAI_API_KEYS": f"team-a:{KEY}",
        "ZHENGGAI_CALL_TIMEOUT_S": "30",
        "ZHENGGAI_API_RATE_PER_S": "1000",  # the test polls fast
        "ZHENGGAI_CONCURRENCY": "1",  # one model call at a time: the first is answered, the second hangs
    }
    cmd = [sys.executable, "-m", "zhenggai.cli", "serve", "--port", str(port), "--db", str(tmp_path / "jobs.sqlite")]
    # the log goes to a file: a pipe nobody reads fills up and stops the server at its next log line
    log = tmp_path / f"serve-{time.time_ns()}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"zhenggai serve exited: {log.read_text(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError("zhenggai serve did not start")
        time.sleep(0.1)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_service_resumes_its_jobs(tmp_path, fake_llm):
    gate = Gate(responder, allow=1)
    fake_llm.responder = gate
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(tmp_path, fake_llm, port)
    try:
        r = httpx.post(f"{base}/v1/summaries", json={"text": QINGHE}, headers=AUTH, timeout=30)
        assert r.status_code == 202
        job_id = r.json()["id"]
        assert gate.held.wait(120)  # a hang guard: a loaded machine takes long to spawn the job's worker
        with httpx.Client(base_url=base, headers=AUTH) as api:
            wait_for(api, job_id, statuses=("running",))
            deadline = time.monotonic() + 10  # the answered chunk is cached and counted
            while api.get(f"/v1/summaries/{job_id}").json()["progress"]["done"] < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)  # no shutdown code runs
        proc.wait(10)
    gate.open()
    proc = _serve(tmp_path, fake_llm, port)
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=30) as api:
            done = wait_for(api, job_id)
            assert done["status"] == "done" and done["attempts"] == 2
            assert done["result"]["provenance"]["usage"]["cache_hits"] >= 1
            assert [j["id"] for j in api.get("/v1/summaries").json()["items"]] == [job_id]
    finally:
        proc.terminate()
        proc.wait(20)
