"""Faults on the shared PostgreSQL store, with real processes on loopback: three `zhenggai worker`s
and two `zhenggai serve --no-worker`s over a fake model of realistic latency, 1,000 jobs submitted
over HTTP to both API processes; a worker is killed (-9) mid-job, an API process is killed
mid-request (while submissions are in flight to it), the database is restarted mid-run. Every job
is done exactly once: none lost, none doubled, one result each, attempts as expected.

How 1,000 jobs fit in a few minutes on a loaded 2-core machine: each job is a very short fictional
report (one problem, so parsing costs little and a job makes one or two model calls), the fake
model answers after 50 ms, and every worker runs 4 jobs at once (`ZHENGGAI_API_MAX_JOBS`). Each job
still runs the whole pipeline in a worker process of a real `zhenggai worker`."""

from __future__ import annotations

import concurrent.futures
import contextlib
import signal
import threading
import time

import httpx
import psycopg
import pytest
from _procs import env_for, free_port, launch, stop, until, wait_healthy
from api_server import AUTH
from fake_judge import responder
from fake_llm import Step

pytestmark = pytest.mark.postgres

JOBS = 1000
LATENCY_S = 0.05  # per model call: a fast deployment's latency; the queue, not the CPU, should be what a job waits on
SLOTS = "4"  # jobs at once per worker
SUBMITTERS = 8  # clients submitting at once, alternating between the two API processes

# a fictional report (松岭县 does not exist), numbered so every job's text, and so its dedupe key, differs
REPORT = """中共松岭{n:04d}县委关于巡察整改进展情况的通报

　　根据市委统一部署，2023年4月3日至5月26日，市委第二巡察组对松岭{n:04d}县开展了巡察。\
2023年6月15日，市委第二巡察组向县委反馈了巡察意见。现将巡察整改进展情况予以公布。

　　一、关于“基层党组织建设有短板”问题

　　整改措施：修订村级组织工作规则，开展网格员轮训。目前已完成整改。
"""


def _slow(body):
    step = responder(body)
    return Step(**{**step.__dict__, "delay": LATENCY_S})


def _text(n: int) -> str:
    return REPORT.format(n=n)


def _rows(db: str, sql: str, *args) -> list[tuple]:
    with psycopg.connect(db, autocommit=True) as c:
        return c.execute(sql, args).fetchall()


def _count(db: str, where: str) -> int:
    return _rows(db, f"SELECT count(*) FROM jobs WHERE {where}")[0][0]


class Submitter:
    """Clients submitting every report, alternating between the API processes; a submission whose
    process died under it (or that got a 503) is sent again to the other one, as a client behind a
    load balancer would."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self.ids: dict[int, str] = {}
        self.retried = 0
        self._lock = threading.Lock()

    def one(self, n: int, client: httpx.Client) -> None:
        for k in range(40):
            base = self.bases[(n + k) % len(self.bases)]
            try:
                r = client.post(f"{base}/v1/summaries", json={"text": _text(n)}, headers=AUTH, timeout=30)
            except httpx.TransportError:
                r = None
            if r is not None and r.status_code in (200, 202):
                with self._lock:
                    self.ids[n] = r.json()["id"]
                    self.retried += k > 0
                return
            assert r is None or r.status_code == 503, r.text
            time.sleep(0.05 * k)
        raise AssertionError(f"report {n} was never accepted")

    def run(self, count: int) -> None:
        with httpx.Client() as client, concurrent.futures.ThreadPoolExecutor(SUBMITTERS) as pool:
            for f in [pool.submit(self.one, n, client) for n in range(count)]:
                f.result()


def test_every_job_is_done_exactly_once_through_kills_and_a_database_restart(tmp_path, pg_server, fake_llm):
    fake_llm.responder = _slow
    db = pg_server.new_database()
    lease = {"ZHENGGAI_API_LEASE_S": "6", "ZHENGGAI_API_MAX_JOBS": SLOTS, "ZHENGGAI_API_MAX_ATTEMPTS": "4"}
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
        submitter = Submitter(bases)
        submitting = concurrent.futures.ThreadPoolExecutor(1).submit(submitter.run, JOBS)

        # a worker killed mid-job: its jobs are taken over once their leases run out
        pids = {str(w.pid): w for w in workers}

        def a_running_job():
            rows = _rows(db, "SELECT id, worker_id FROM jobs WHERE status = 'running'")
            return [(i, w) for i, w in rows if w and w.split(":")[1] in pids]

        _, holder = until(a_running_job, 300, "no worker started a job")[0]
        victim = pids[holder.split(":")[1]]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        # the starts that died with it: attempts the worker never ended
        unended = "SELECT job_id FROM attempts WHERE worker_id = %s AND ended_at IS NULL"
        orphaned = {i for (i,) in _rows(db, unended, holder)}
        assert orphaned
        workers.append(launch(tmp_path, ["worker"], env_for(tmp_path, fake_llm.url, db, "w3", **lease), "w3"))
        procs.append(workers[-1])

        # an API process killed mid-request, while submissions are in flight to it (they are sent
        # again to the other one), and while it holds a ?wait=true submission: idempotent submission
        # gives one job per text however far the first request got
        until(lambda: len(submitter.ids) >= JOBS // 3, 300, "submissions stalled")
        extra = _text(JOBS)

        def submit_and_hold() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the process dies under it
                httpx.post(f"{bases[1]}/v1/summaries?wait=true", json={"text": extra}, headers=AUTH, timeout=60)

        held = threading.Thread(target=submit_and_hold, daemon=True)
        held.start()
        time.sleep(0.5)
        apis[1].send_signal(signal.SIGKILL)
        apis[1].wait(10)
        submitting.result(timeout=600)
        assert len(submitter.ids) == JOBS and submitter.retried > 0  # some submissions died with it
        r = httpx.post(f"{bases[0]}/v1/summaries", json={"text": extra}, headers=AUTH, timeout=30)
        assert r.status_code in (200, 202), r.text
        ids = {**submitter.ids, JOBS: r.json()["id"]}

        # the database restarted mid-run, with jobs running and queued: workers and the API reconnect
        until(lambda: _count(db, "status = 'done'") >= JOBS // 3, 400, "jobs are not being done")
        in_flight = _count(db, "status = 'running'"), _count(db, "status = 'queued'")
        pg_server.restart()
        assert all(in_flight), in_flight  # running and queued jobs when the server went down

        until(lambda: _count(db, "status IN ('queued', 'running')") == 0, 600, "jobs still unfinished")
        jobs = _rows(db, "SELECT id, status, attempts FROM jobs")
        assert len(jobs) == JOBS + 1  # none doubled (each retried submission is one job)
        assert {i for i, _, _ in jobs} == set(ids.values())  # none lost
        assert {s for _, s, _ in jobs} == {"done"}, [j for j in jobs if j[1] != "done"][:5]
        results = _rows(db, "SELECT job_id, count(*) FROM results GROUP BY job_id")
        assert sorted(i for i, _ in results) == sorted(ids.values()) and {c for _, c in results} == {1}
        attempts = {i: a for i, _, a in jobs}
        assert all(attempts[i] >= 2 for i in orphaned)  # their first start died with the worker
        died = _rows(db, "SELECT job_id, outcome FROM attempts WHERE worker_id = %s", holder)
        assert {o for i, o in died if i in orphaned} == {"interrupted"}  # taken over once the lease ran out
        rows = _rows(db, "SELECT job_id, attempt, outcome FROM attempts ORDER BY job_id, attempt")
        starts: dict[str, list[tuple[int, str]]] = {}
        for job_id, attempt, outcome in rows:
            starts.setdefault(job_id, []).append((attempt, outcome))
        assert set(starts) == set(attempts)
        for job_id, runs in starts.items():
            assert [a for a, _ in runs] == list(range(1, attempts[job_id] + 1))  # every start counted, only starts
            assert runs[-1][1] == "done"  # done exactly once, by its last start
            assert all(o in ("interrupted", "released") for _, o in runs[:-1]), runs  # earlier starts ended unfinished
        assert max(attempts.values()) <= 4
        with httpx.Client(base_url=bases[0], headers=AUTH, timeout=30) as api:
            for n in (0, JOBS // 2, JOBS):
                record = api.get(f"/v1/summaries/{ids[n]}").json()
                assert "status" in record, record
                assert record["status"] == "done" and record["result"]["problems"], record
    finally:
        for p in procs:
            stop(p)
