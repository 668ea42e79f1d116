"""Faults on the shared PostgreSQL store, with real processes on loopback: three `zhenggai worker`s
and two `zhenggai serve --no-worker`s over a fake model of realistic latency; a worker is killed
(-9) mid-job, an API process is killed mid-request, the database is restarted mid-run. Every job
is done exactly once: none lost, none doubled, one result each, attempts as expected.

The count is kept small (JOBS) so the test stays near two minutes on a loaded 2-core machine: each
job runs the whole pipeline (parsing, chunking, merging in a worker process). `bench/bench_scale.py`
submits 1,000."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

import httpx
import psycopg
import pytest
from _procs import env_for, free_port, launch, stop, wait_healthy
from api_server import AUTH, QINGHE
from fake_judge import responder
from fake_llm import Step

pytestmark = pytest.mark.postgres

JOBS = 12
LATENCY_S = 0.15  # per model call: the model's latency, not CPU, should be what a job waits on


def _slow(body):
    step = responder(body)
    return Step(**{**step.__dict__, "delay": LATENCY_S})


def _text(n: int) -> str:
    return QINGHE.replace("青禾", f"青禾{n:04d}")


def _rows(db: str, sql: str, *args) -> list[tuple]:
    with psycopg.connect(db, autocommit=True) as c:
        return c.execute(sql, args).fetchall()


def _until(what, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(0.1)
    raise TimeoutError(message)


def test_every_job_is_done_exactly_once_through_kills_and_a_database_restart(tmp_path, pg_server, fake_llm):
    fake_llm.responder = _slow
    db = pg_server.new_database()
    lease = {"ZHENGGAI_API_LEASE_S": "6", "ZHENGGAI_API_MAX_JOBS": "1", "ZHENGGAI_API_MAX_ATTEMPTS": "4"}
    ports = [free_port(), free_port()]
    apis = [
        launch(
            tmp_path,
            ["serve", "--no-worker", "--port", str(p)],
            env_for(tmp_path, fake_llm.url, db, f"api{k}"),
            f"api{k}",
        )
        for k, p in enumerate(ports)
    ]
    workers = [
        launch(tmp_path, ["worker"], env_for(tmp_path, fake_llm.url, db, f"w{k}", **lease), f"w{k}") for k in range(3)
    ]
    procs = [*apis, *workers]
    try:
        for proc, port in zip(apis, ports, strict=True):
            wait_healthy(proc, port)
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        ids: dict[int, str] = {}
        for n in range(JOBS):
            r = httpx.post(f"{bases[n % 2]}/v1/summaries", json={"text": _text(n)}, headers=AUTH, timeout=30)
            assert r.status_code == 202, r.text
            ids[n] = r.json()["id"]

        # a worker killed mid-job: its job is taken over once its lease runs out
        pids = {str(w.pid): w for w in workers}

        def a_running_job():
            rows = _rows(db, "SELECT id, worker_id FROM jobs WHERE status = 'running'")
            return [(i, w) for i, w in rows if w and w.split(":")[1] in pids]

        victim_job, holder = _until(a_running_job, 300, "no worker started a job")[0]
        victim = pids[holder.split(":")[1]]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)

        # an API process killed mid-request (a ?wait=true submission it holds): the client submits again
        # to the other one, and idempotent submission gives one job for the text however far the first got
        extra = _text(JOBS)

        def submit_and_hold() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the process dies under it
                httpx.post(f"{bases[1]}/v1/summaries?wait=true", json={"text": extra}, headers=AUTH, timeout=60)

        held = threading.Thread(target=submit_and_hold, daemon=True)
        held.start()
        time.sleep(0.5)
        apis[1].send_signal(signal.SIGKILL)
        apis[1].wait(10)
        r = httpx.post(f"{bases[0]}/v1/summaries", json={"text": extra}, headers=AUTH, timeout=30)
        assert r.status_code in (200, 202), r.text
        ids[JOBS] = r.json()["id"]

        # the database restarted mid-run: workers and the API reconnect, nothing is lost
        pg_server.restart()
        workers.append(launch(tmp_path, ["worker"], env_for(tmp_path, fake_llm.url, db, "w3", **lease), "w3"))
        procs.append(workers[-1])

        def all_finished():
            left = _rows(db, "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")[0][0]
            return left == 0

        _until(all_finished, 400, "jobs still unfinished")
        jobs = _rows(db, "SELECT id, status, attempts FROM jobs")
        assert len(jobs) == JOBS + 1  # none doubled (the retried submission is one job)
        assert {i for i, _, _ in jobs} == set(ids.values())  # none lost
        assert {s for _, s, _ in jobs} == {"done"}, [j for j in jobs if j[1] != "done"]
        results = _rows(db, "SELECT job_id, count(*) FROM results GROUP BY job_id")
        assert sorted(i for i, _ in results) == sorted(ids.values()) and {c for _, c in results} == {1}
        attempts = {i: a for i, _, a in jobs}
        assert attempts[victim_job] >= 2  # its first start died with the worker
        done = _rows(db, "SELECT job_id, count(*) FROM attempts WHERE outcome = 'done' GROUP BY job_id")
        assert {c for _, c in done} == {1} and len(done) == JOBS + 1  # done exactly once
        starts = _rows(db, "SELECT job_id, count(*) FROM attempts GROUP BY job_id")
        assert all(attempts[i] == c for i, c in starts)  # every start counted, and only starts
        assert max(attempts.values()) <= 4
        with httpx.Client(base_url=bases[0], headers=AUTH, timeout=30) as api:
            record = api.get(f"/v1/summaries/{ids[0]}").json()
            assert record["status"] == "done" and record["result"]["problems"]
    finally:
        for p in procs:
            stop(p)
