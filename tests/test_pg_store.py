"""The PostgreSQL job store beyond the shared contract (tests/test_api_store.py): many processes on
one database. Submissions from several processes at once, migrations applied once by processes
starting together, leases (claim, renew, takeover after a lease runs out), a stopped server."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from test_api_store import _new

from zhenggai.api.jobs import StorageError
from zhenggai.api.pgstore import VERSION_TABLE, PgJobStore
from zhenggai.api.stores import open_store

pytestmark = pytest.mark.postgres

SPAWN = multiprocessing.get_context("spawn")


def _submit_together(url: str, text: str, barrier, results) -> None:
    """In a fresh process: open the store (migrating it if no one has yet), wait for the others, submit."""
    store = PgJobStore(url)
    try:
        barrier.wait(timeout=120)
        job, reused = store.submit(_new(text), max_pending=100)
        results.put((job.id, reused))
    finally:
        store.close()


def test_processes_starting_together_migrate_once_and_submit_one_job(pg_url):
    """Four processes open a new database at once (each runs the migrations), then all submit the
    same report at the same instant: one job, three of them told it was reused."""
    barrier, results = SPAWN.Barrier(4), SPAWN.Queue()
    procs = [
        SPAWN.Process(target=_submit_together, args=(pg_url, "一、整改情况\n同一份报告。", barrier, results))
        for _ in range(4)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len({job_id for job_id, _ in got}) == 1
    assert sorted(reused for _, reused in got) == [False, True, True, True]
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall() == [("0001",)]
        assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone() == (1,)
        assert conn.execute("SELECT COUNT(*) FROM inputs").fetchone() == (1,)


def test_identical_submissions_from_many_connections_race_on_the_unique_index(pg_url):
    """Sixteen threads, each with its own store (own connections): the insert races are decided by
    the unique partial index (ON CONFLICT), not by a lock in the process."""
    stores = [PgJobStore(pg_url, max_connections=1) for _ in range(16)]
    try:
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda s: s.submit(_new("并发的报告"), max_pending=100), stores))
    finally:
        for s in stores:
            s.close()
    assert len({job.id for job, _ in results}) == 1
    assert sum(not reused for _, reused in results) == 1


def test_workers_claim_distinct_jobs_under_leases(pg_url):
    store = PgJobStore(pg_url)
    try:
        ids = [store.submit(_new(f"报告{k}"), max_pending=100)[0].id for k in range(6)]
        with ThreadPoolExecutor(6) as pool:
            claims = list(pool.map(lambda k: store.claim(f"w{k}", 30.0), range(6)))
        assert sorted(job_id for job_id, _ in claims) == sorted(ids)  # each job to exactly one worker
        assert store.claim("w9", 30.0) is None  # nothing left
        job_id, inp = claims[0]
        assert inp.attempt == 1 and inp.source == store.text(job_id).encode()
        holder = "w0"
        assert store.renew(job_id, holder) and not store.renew(job_id, "w1")
        assert not store.finish(job_id, '{"x": 1}', worker_id="w1")  # not the holder: refused
        store.progress(job_id, 2, 5, worker_id=holder)
        assert store.get(job_id).chunks_done == 2
        assert store.finish(job_id, '{"x": 1}', worker_id=holder)
        assert not store.finish(job_id, '{"x": 2}', worker_id=holder)  # a second run's end is a no-op
        assert store.get(job_id, with_result=True).result == '{"x": 1}'
        assert [a["outcome"] for a in store.attempts(job_id)] == ["done"]
        other = claims[1][0]
        store.cancel(other, "team-a")
        assert not store.renew(other, "w1")  # the worker learns it should stop
        assert store.release(claims[2][0], "w2") and store.get(claims[2][0]).status == "queued"
    finally:
        store.close()


def test_a_dead_workers_job_is_taken_over_once_its_lease_runs_out(pg_url):
    store = PgJobStore(pg_url)
    try:
        a = store.submit(_new("甲"), max_pending=10)[0].id
        b = store.submit(_new("乙"), max_pending=10)[0].id
        assert store.claim("dead", 0.5)[0] == a
        assert store.claim("alive", 60.0)[0] == b
        assert store.recover(max_attempts=3) == []  # both leases live: nothing is touched
        time.sleep(0.8)
        assert store.recover(max_attempts=3) == [a]  # only the expired one is requeued
        assert store.get(b).status == "running"
        job_id, inp = store.claim("heir", 60.0)
        assert job_id == a and inp.attempt == 2
        assert not store.finish(a, "{}", worker_id="dead")  # the dead worker, waking up, cannot overwrite
        assert store.finish(a, '{"ok": true}', worker_id="heir")
        history = store.attempts(a)
        assert [(h["worker_id"], h["outcome"]) for h in history] == [("dead", "interrupted"), ("heir", "done")]
    finally:
        store.close()


def test_transitions_are_notified(pg_url):
    """Each transition sends NOTIFY in its transaction: a waiter can LISTEN instead of polling."""
    store = open_store(pg_url)  # ZHENGGAI_API_DB=postgresql://… picks this store
    assert isinstance(store, PgJobStore)
    listener = psycopg.connect(pg_url, autocommit=True)
    try:
        listener.execute("LISTEN zhenggai_jobs")
        job = store.submit(_new(), max_pending=10)[0]
        store.start(job.id)
        store.finish(job.id, "{}")
        got = [n.payload for n in listener.notifies(timeout=5.0, stop_after=3)]
        assert got == [f"{job.id} queued", f"{job.id} running", f"{job.id} done"]
    finally:
        listener.close()
        store.close()


def test_a_stopped_server_is_storage_unavailable_and_the_store_recovers(pg_server):
    url = pg_server.new_database()
    store = PgJobStore(url, timeout_s=1.0)  # how long a call waits for a connection before its 503
    try:
        job = store.submit(_new(), max_pending=10)[0]
        pg_server.stop()
        try:
            calls = (lambda: store.get(job.id), store.check_writable, lambda: store.submit(_new("新"), max_pending=9))
            for call in calls:
                with pytest.raises(StorageError) as info:
                    call()
                assert info.value.type == "storage_unavailable" and not info.value.full
        finally:
            pg_server.start()
        deadline = time.monotonic() + 20
        while True:  # the pool replaces its broken connections by itself
            try:
                assert store.get(job.id).status == "queued"
                break
            except StorageError:
                assert time.monotonic() < deadline, "the store did not reconnect"
                time.sleep(0.2)
        store.check_writable()
        assert store.submit(_new("新"), max_pending=9)[0].status == "queued"
    finally:
        store.close()


def test_an_unreachable_server_at_start_is_a_clear_error_without_the_password(pg_server):
    url = f"postgresql://postgres:s3cret@127.0.0.1:{pg_server.port + 1}/nowhere"  # nothing listens there
    with pytest.raises(StorageError) as info:
        open_store(url)
    assert info.value.type == "storage_unavailable" and "s3cret" not in str(info.value)
    assert "***" in str(info.value)


def test_the_first_call_after_a_restart_the_store_slept_through_is_answered(pg_server):
    """A store whose pool holds several connections, idle while the server restarts: every one of
    them is broken, and the first call after the restart still gets a fresh connection (not a 503
    after the pool tried the broken ones one by one)."""
    url = pg_server.new_database()
    store = PgJobStore(url, max_connections=6, timeout_s=2.0)
    try:
        job = store.submit(_new(), max_pending=10)[0]
        with ThreadPoolExecutor(6) as pool:  # open all six connections
            list(pool.map(lambda _: store.get(job.id) and time.sleep(0.3), range(6)))
        pg_server.restart()
        time.sleep(1.5)  # idle past the check interval, as a quiet API process would be
        assert store.get(job.id).status == "queued"
        assert store.submit(_new("新"), max_pending=9)[0].status == "queued"
    finally:
        store.close()
