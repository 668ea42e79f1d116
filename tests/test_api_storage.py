"""A job store that cannot write: a submission gets 507 (disk full) or 503 (read-only) in the one
error shape, `/readyz` fails while writes fail, and a running job whose outcome cannot be stored is
failed with the reason as soon as the store takes writes again, never left `running`.

Disk full is the real thing for SQLite: `zhenggai serve` in its own process under a file-size limit
(RLIMIT_FSIZE, set on the running process with prlimit, lifted again later), so every write of the
job store and the response cache fails in the kernel. Read-only is SQLite's own `query_only`
switch on the store's connection: every write is refused with SQLITE_READONLY, as on a read-only
mount."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import time

import httpx
import pytest
from api_server import AUTH, ERROR_KEYS, KEY, QINGHE, Gate, LiveServer, api_settings, wait_for
from fake_judge import responder

from zhenggai.api import create_app


def _serve(tmp_path, llm_url: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **env,
        "ZHENGGAI_MODEL": "openai/fake-model",
        "ZHENGGAI_API_BASE": llm_url,
        "ZHENGGAI_API_KEY": "sk-fake",
        "ZHENGGAI_CACHE_DIR": str(tmp_path / "cache"),
        "ZHENGGAI_API_KEYS": f"team-a:{KEY}",
        "ZHENGGAI_RETRY_BACKOFF_S": "0.05",
        "ZHENGGAI_TRANSIENT_RETRIES": "0",
    }
    db = tmp_path / "jobs.sqlite"
    cmd = [sys.executable, "-m", "zhenggai.cli", "serve", "--port", str(port), "--db", str(db), "--jobs", "1"]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise TimeoutError("zhenggai serve did not become ready")


def _still_running_for(api: httpx.Client, job_id: str, seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status = api.get(f"/v1/summaries/{job_id}").json()["status"]
        if status != "running":
            return status
        time.sleep(0.2)
    return "running"


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux prlimit")
def test_disk_full_507_readiness_and_the_running_job(tmp_path, fake_llm, llm_subprocess_env):
    gate = Gate(responder)
    fake_llm.responder = gate
    proc, url = _serve(tmp_path, fake_llm.url, llm_subprocess_env)
    try:
        with httpx.Client(base_url=url, headers=AUTH, timeout=30) as api:
            job = api.post("/v1/summaries", json={"text": QINGHE}).json()
            assert gate.held.wait(20)  # running, its model calls held

            hard = resource.prlimit(proc.pid, resource.RLIMIT_FSIZE)[1]
            resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (1, hard))  # no file of the service can grow
            r = api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")})
            assert r.status_code == 507, r.text
            assert set(r.json()) == ERROR_KEYS and r.json()["type"] == "storage_full"
            assert r.headers["retry-after"] and "disk is full" in r.json()["message"]
            ready = httpx.get(f"{url}/readyz")
            assert ready.status_code == 503 and not ready.json()["detail"]["checks"]["jobs_db"]["ok"]
            assert httpx.get(f"{url}/healthz").status_code == 200  # up, not ready

            gate.open()  # the job's model answers come; neither they nor its outcome can be stored
            assert _still_running_for(api, job["id"], 3) == "running"

            resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (hard, hard))  # space again
            failed = wait_for(api, job["id"], timeout=30)
            assert failed["status"] == "failed" and failed["error"]["type"] == "storage_full", failed["error"]
            assert httpx.get(f"{url}/readyz").status_code == 200
            again = api.post("/v1/summaries?wait=true", json={"text": QINGHE})  # a failed job is not reused
            assert again.status_code == 200 and again.json()["status"] == "done"
    finally:
        proc.terminate()
        proc.wait(30)


def test_read_only_store_503_readiness_and_the_running_job(tmp_path, judge_llm):
    gate = Gate(responder)
    judge_llm.responder = gate
    app = create_app(api_settings(tmp_path, judge_llm.url))
    with LiveServer(app) as srv, httpx.Client(base_url=srv.url, headers=AUTH, timeout=30) as api:
        store = app.state.service.store
        job = api.post("/v1/summaries", json={"text": QINGHE}).json()
        assert gate.held.wait(20)

        def query_only(on: bool) -> None:
            with store._lock:
                store._conn.execute(f"PRAGMA query_only = {int(on)}")

        query_only(True)
        r = api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")})
        assert r.status_code == 503, r.text
        body = r.json()
        assert set(body) == ERROR_KEYS and body["type"] == "storage_unavailable"
        assert body["detail"] == {"sqlite": "SQLITE_READONLY"} and r.headers["retry-after"]
        ready = httpx.get(f"{srv.url}/readyz")
        assert ready.status_code == 503 and "SQLITE_READONLY" in ready.json()["detail"]["checks"]["jobs_db"]["message"]
        r = api.delete(f"/v1/summaries/{job['id']}")  # a cancel cannot be written either: said so, not a 500
        assert r.status_code == 503 and r.json()["type"] == "storage_unavailable"
        assert api.get(f"/v1/summaries/{job['id']}").status_code == 200  # reading still works

        gate.open()
        assert _still_running_for(api, job["id"], 3) == "running"  # result and failure both refused
        query_only(False)
        failed = wait_for(api, job["id"], timeout=30)
        assert failed["status"] == "failed" and failed["error"]["type"] == "storage_unavailable"
        assert "could not be stored" in failed["error"]["message"]
        assert httpx.get(f"{srv.url}/readyz").status_code == 200
