"""The HTTP service on the PostgreSQL job store, over real sockets: a job's life, a graceful
restart resuming a job, two API processes sharing one rate limit, and the database restarted
under a running service (503 with the one error shape while it is away, recovery by itself after)."""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest
from api_server import AUTH, ERROR_KEYS, OTHER_AUTH, QINGHE, Gate, LiveServer, api_settings, wait_for
from fake_judge import responder

from zhenggai.api import create_app
from zhenggai.schemas.record import SummaryRecord

pytestmark = pytest.mark.postgres


def _client(srv: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, headers=AUTH, timeout=30)


def test_a_job_from_submission_to_result_on_postgresql(serve, pg_url):
    api = serve(api_db=pg_url)
    job = api.post("/v1/summaries", json={"text": QINGHE, "name": "qinghe.txt"}).json()
    done = wait_for(api, job["id"])
    assert done["status"] == "done" and done["attempts"] == 1, done["error"]
    record = SummaryRecord.model_validate(done["result"])
    assert record.report.source_file == "qinghe.txt" and record.problems
    again = api.post("/v1/summaries", json={"text": QINGHE}).json()
    assert again["reused"] and again["id"] == job["id"]
    md = api.get(f"/v1/summaries/{job['id']}.md")  # renderings read the stored text back
    assert md.status_code == 200 and md.text.startswith("# 中共青禾县委关于巡察整改进展情况的通报")
    assert [j["id"] for j in api.get("/v1/summaries").json()["items"]] == [job["id"]]
    ready = httpx.get(f"{api.base_url}/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["jobs_db"]["ok"], ready.text


def test_a_graceful_restart_mid_job_resumes_it_on_postgresql(tmp_path, fake_llm, pg_url):
    gate = Gate(responder, allow=1)
    fake_llm.responder = gate
    settings = api_settings(tmp_path, fake_llm.url, concurrency=1, api_db=pg_url)
    srv = LiveServer(create_app(settings)).start()
    job = _client(srv).post("/v1/summaries", json={"text": QINGHE}).json()
    assert gate.held.wait(60)
    srv.stop()  # mid-job: the worker stops it and gives it back to the queue, so the next start runs it at once
    gate.open()
    srv = LiveServer(create_app(settings)).start()
    try:
        api = _client(srv)
        done = wait_for(api, job["id"])
        assert done["status"] == "done" and done["attempts"] == 2
        assert done["result"]["provenance"]["usage"]["cache_hits"] >= 1
        assert [j["id"] for j in api.get("/v1/summaries").json()["items"]] == [job["id"]]
        history = srv.server.config.app.state.service.store.attempts(job["id"])
        assert [h["outcome"] for h in history] == ["released", "done"]
    finally:
        srv.stop()


def test_two_api_processes_share_one_rate_limit(serve, pg_url):
    """Two services on one database: a key's burst is spent across both, not once per process;
    so is the throttle of wrong keys from one address."""
    first = serve(api_db=pg_url, api_rate_per_s=0.2, api_rate_burst=4)
    second = serve(api_db=pg_url, api_rate_per_s=0.2, api_rate_burst=4)
    codes = [(first if k % 2 else second).get("/v1/summaries").status_code for k in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]  # one process alone would have let 3 more through
    r = first.get("/v1/summaries")
    assert r.status_code == 429 and set(r.json()) == ERROR_KEYS and r.json()["type"] == "rate_limited"
    assert int(r.headers["retry-after"]) >= 1
    assert second.get("/v1/summaries", headers=OTHER_AUTH).status_code == 200  # other keys are unaffected

    wrong = {"Authorization": "Bearer sk-guess-0000"}
    codes = [(first if k % 2 else second).get("/v1/summaries", headers=wrong).status_code for k in range(14)]
    assert codes[0] == 401 and set(codes[-3:]) == {429}
    assert codes.index(429) <= 11  # 10 mistakes pass in all, not 10 per process


def test_the_database_restarted_under_a_running_service(serve, pg_server, judge_llm):
    gate = Gate(responder)
    judge_llm.responder = gate
    api = serve(api_db=pg_server.new_database())
    url = str(api.base_url)
    job = api.post("/v1/summaries", json={"text": QINGHE}).json()
    assert gate.held.wait(60)  # running, its model calls held
    pg_server.stop()
    try:
        for r in (
            api.get(f"/v1/summaries/{job['id']}"),
            api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")}),
            api.get("/v1/summaries"),
        ):
            assert r.status_code == 503, r.text
            body = r.json()
            assert set(body) == ERROR_KEYS and body["type"] == "storage_unavailable"
            assert r.headers["retry-after"] and set(body["detail"]) == {"postgresql"}
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503 and not ready.json()["detail"]["checks"]["jobs_db"]["ok"]
        assert httpx.get(f"{url}/healthz").status_code == 200  # up, not ready
    finally:
        pg_server.start()
    deadline = time.monotonic() + 30
    while (r := api.get(f"/v1/summaries/{job['id']}")).status_code != 200:  # no restart of the service
        assert r.status_code == 503 and time.monotonic() < deadline, r.text
        time.sleep(0.2)
    gate.open()
    done = wait_for(api, job["id"])
    assert done["status"] == "done" and done["attempts"] == 1, done["error"]
    deadline = time.monotonic() + 30  # ready again once LISTEN has reconnected too (with its backoff)
    while (ready := httpx.get(f"{url}/readyz")).status_code != 200:
        assert time.monotonic() < deadline, ready.text
        time.sleep(0.2)
    fresh = api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")})
    assert fresh.status_code == 202 and wait_for(api, fresh.json()["id"])["status"] == "done"


def test_a_read_only_database_is_503_until_it_takes_writes_again(serve, pg_server, pg_url):
    """The server turned read-only under the service (as after a failover to a standby): writes
    are refused with 503 and the reason, reads go on, and writes work again once it is writable."""
    api = serve(api_db=pg_url)
    url = str(api.base_url)
    job = wait_for(api, api.post("/v1/summaries", json={"text": QINGHE}).json()["id"])
    admin = pg_server.url()

    def read_only(on: bool) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET default_transaction_read_only = {'on' if on else 'off'}")
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)  # every backend re-reads its configuration

    read_only(True)
    try:
        r = api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")})
        assert r.status_code == 503 and r.json()["type"] == "storage_unavailable", r.text
        assert r.json()["detail"] == {"postgresql": "ReadOnlySqlTransaction"} and r.headers["retry-after"]
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 503 and "read-only" in ready.json()["detail"]["checks"]["jobs_db"]["message"]
        assert api.get(f"/v1/summaries/{job['id']}").json()["status"] == "done"  # reading still works
    finally:
        read_only(False)
    assert api.post("/v1/summaries", json={"text": QINGHE.replace("青禾", "青山")}).status_code == 202
    assert httpx.get(f"{url}/readyz").status_code == 200
