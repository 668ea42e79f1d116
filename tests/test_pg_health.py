"""Health per process on the shared PostgreSQL store, over real sockets: `serve`'s `/readyz` says
whether its LISTEN connection is up (not ready while the database restarts, ready again after),
the cache check asks the cache store that is configured (a PostgreSQL one too), and a
`zhenggai worker --health-port` answers `/healthz` and `/readyz` with its id, its jobs and whether
the database and its LISTEN connection are up, logging one line per database outage."""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest
from _procs import env_for, free_port, launch, stop, until
from fake_judge import responder
from test_api_store import _new

from zhenggai.api.health import cache_writable
from zhenggai.api.pgstore import PgJobStore
from zhenggai.llm.cache_pg import PostgresCacheStore

pytestmark = pytest.mark.postgres


def _ready(base: str) -> tuple[int, dict]:
    try:
        r = httpx.get(f"{base}/readyz", timeout=10)
    except httpx.HTTPError:
        return 0, {}
    return r.status_code, r.json()


def _checks(body: dict) -> dict:
    return body.get("checks") or body.get("detail", {}).get("checks", {})


def test_serve_is_not_ready_while_its_listen_connection_is_down(serve, pg_server):
    api = serve(api_db=pg_server.new_database(), api_worker=False)
    base = str(api.base_url).rstrip("/")
    _, body = until(lambda: (s := _ready(base))[0] == 200 and s, 60, "never ready")
    assert _checks(body)["listen"]["ok"] and "0 reconnects" in _checks(body)["listen"]["message"]

    # the database stays down until /readyz has said so (a bare restart can be over between two
    # polls on a loaded machine): not ready, its LISTEN connection reconnecting
    pg_server.stop()
    try:
        _, body = until(
            lambda: (s := _ready(base))[0] == 503 and not _checks(s[1]).get("listen", {"ok": True})["ok"] and s,
            60,
            "/readyz never said the LISTEN connection was down",
        )
        assert "reconnecting" in _checks(body)["listen"]["message"]
    finally:
        pg_server.start()
    _, body = until(
        lambda: (s := _ready(base))[0] == 200 and "1 reconnects" in _checks(s[1])["listen"]["message"] and s,
        60,
        "the LISTEN connection did not come back",
    )


def test_the_cache_check_asks_the_configured_postgresql_cache(serve, pg_server, tmp_path):
    cache_url = pg_server.new_database()
    with pytest.raises(psycopg.errors.UndefinedTable, match="responses"):  # a database the cache never migrated
        cache_writable(cache_url)
    with pytest.raises(psycopg.OperationalError):  # nothing listens there
        cache_writable(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    cache_writable(tmp_path / "responses.sqlite")  # a SQLite file is checked as before
    api = serve(api_db=pg_server.new_database(), cache_db=cache_url, api_worker=False)
    base = str(api.base_url).rstrip("/")
    _, body = until(lambda: (s := _ready(base))[0] == 200 and s, 60, "never ready")
    assert _checks(body)["cache"]["ok"]
    PostgresCacheStore(cache_url).close()  # migrated (the service's client did it already)
    cache_writable(cache_url)


def test_a_worker_answers_its_own_health_and_logs_one_line_per_outage(tmp_path, pg_server, fake_llm):
    fake_llm.responder = responder
    db = pg_server.new_database()
    store = PgJobStore(db)
    port = free_port()
    worker = launch(tmp_path, ["worker", "--health-port", str(port)], env_for(tmp_path, fake_llm.url, db, "w"), "w")
    base = f"http://127.0.0.1:{port}"
    try:
        _, body = until(lambda: (s := _ready(base))[0] == 200 and s, 120, "the worker never got ready")
        assert body["worker_id"].split(":")[1] == str(worker.pid)
        assert body["checks"]["database"]["ok"] and body["checks"]["listen"]["ok"]
        job = store.submit(_new("一、关于“问题”\n已完成整改。"), max_pending=10)[0]
        until(lambda: store.get(job.id).status in ("done", "failed"), 120, "the job never ended")
        live = httpx.get(f"{base}/healthz", timeout=10).json()
        assert live["status"] == "ok" and live["jobs"] == {"running": 0, "done": 1, "slots": 2}
        assert httpx.get(f"{base}/nowhere", timeout=10).status_code == 404

        pg_server.stop()
        try:
            _, body = until(lambda: (s := _ready(base))[0] == 503 and s, 30, "still ready without a database")
            assert not body["checks"]["database"]["ok"]
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200  # alive all the same
            time.sleep(3)  # the worker keeps trying to claim, sweep and listen meanwhile
        finally:
            pg_server.start()
        until(lambda: _ready(base)[0] == 200, 60, "the worker did not get ready again")
    finally:
        stop(worker)
        store.close()
    log = worker.log.read_text(errors="replace")
    assert log.count("unreachable") == 1, log[-3000:]  # one line for the outage, from our logger
    assert "error connecting in" not in log and "reconnection attempt" not in log  # not psycopg_pool's per attempt
