"""The job store contract, on every engine (SQLite, and PostgreSQL on a real server): dedupe under
concurrency, transitions that cannot overwrite each other, recovery after a stop, persistence, paging."""

from __future__ import annotations

import threading

import pytest

from zhenggai.api.jobs import NewJob, QueueFullError
from zhenggai.api.jobs import SQLiteJobStore as JobStore
from zhenggai.api.stores import open_store

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _new(text: str = "一、整改情况\n报告正文。", owner: str = "team-a", **kw) -> NewJob:
    values = {
        "owner": owner,
        "name": "r.txt",
        "media_type": "text/plain",
        "encoding": None,
        "source_kind": "text",
        "source": text.encode(),
        "text": text,
        "model": "openai/fake-model",
        "prompt_version": "v1",
        **kw,
    }
    return NewJob(**values)


@pytest.fixture(params=ENGINES)
def target(request, tmp_path) -> str:
    """Where a store lives: a SQLite file, or a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "jobs.sqlite")
    return request.getfixturevalue("pg_url")


def _open(target: str):
    """A store as a process that just started opens it; on PostgreSQL with leases that run out at
    once, so the jobs a 'dead' process was running are the next start's to recover."""
    if target.startswith("postgresql"):
        from zhenggai.api.pgstore import PgJobStore

        return PgJobStore(target, lease_s=0.0)
    return open_store(target)


@pytest.fixture
def store(target):
    s = open_store(target)
    yield s
    s.close()


def test_identical_submissions_at_once_make_one_job(store):
    results = []

    def submit() -> None:
        results.append(store.submit(_new(), max_pending=100))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({job.id for job, _ in results}) == 1
    assert sorted(reused for _, reused in results) == [False] + [True] * 7
    other, reused = store.submit(_new(owner="team-b"), max_pending=100)
    assert not reused and other.id != results[0][0].id
    changed, reused = store.submit(_new(prompt_version="v2"), max_pending=100)
    assert not reused and changed.id != results[0][0].id


def test_transitions_never_overwrite_a_cancel(store):
    job, _ = store.submit(_new(), max_pending=10)
    assert store.start(job.id) is not None
    assert store.start(job.id) is None  # not queued any more
    store.progress(job.id, 5, 9)
    store.progress(job.id, 3, 9)  # a late, older update
    assert store.get(job.id).chunks_done == 5
    row, changed = store.cancel(job.id, "team-a")
    assert changed and row.status == "cancelled"
    assert not store.finish(job.id, "{}")  # the run ended after the cancel: the cancel stands
    assert not store.fail(job.id, "internal", "x")
    assert store.get(job.id).status == "cancelled" and store.get(job.id, with_result=True).result is None
    assert store.cancel(job.id, "team-b") == (None, False)  # not theirs
    again, reused = store.submit(_new(), max_pending=10)
    assert not reused and again.id != job.id


def test_recovery_requeues_or_fails_by_attempts(target):
    store = _open(target)
    a, _ = store.submit(_new("甲"), max_pending=10)
    b, _ = store.submit(_new("乙"), max_pending=10)
    c, _ = store.submit(_new("丙"), max_pending=10)
    store.start(a.id)
    for _ in range(2):  # b was started twice already
        store.start(b.id)
        store.recover(max_attempts=5)
    store.start(b.id)
    store.close()  # as if the process died here: a and b running, c queued

    store = _open(target)
    assert store.recover(max_attempts=3) == [a.id, c.id]
    assert store.get(a.id).status == "queued" and store.get(a.id).attempts == 1
    failed = store.get(b.id)
    assert failed.status == "failed" and failed.error["type"] == "interrupted"
    assert failed.error["detail"] == {"attempts": 3}
    store.close()


def test_queue_bound_and_paging(store):
    jobs = [store.submit(_new(f"报告{k}"), max_pending=3)[0] for k in range(3)]
    with pytest.raises(QueueFullError):
        store.submit(_new("再一个"), max_pending=3)
    assert store.submit(_new("报告0"), max_pending=3)[1]  # a duplicate is no new work
    store.start(jobs[0].id)
    store.finish(jobs[0].id, '{"x": 1}')
    assert store.pending() == 2
    page = store.list("team-a", limit=2)
    assert [j.id for j in page] == [jobs[2].id, jobs[1].id]
    assert [j.id for j in store.list("team-a", limit=2, before=page[-1].id)] == [jobs[0].id]
    assert [j.id for j in store.list("team-a", limit=5, status="done")] == [jobs[0].id]
    assert store.get(jobs[0].id, with_result=True).result == '{"x": 1}'
    assert store.text(jobs[1].id) == "报告1"
    store.check_writable()


def test_one_process_runs_a_databases_jobs(tmp_path):
    import subprocess
    import sys

    from zhenggai.api.jobs import StoreBusyError

    db = tmp_path / "jobs.sqlite"
    first = JobStore(db)
    first.claim_runner()
    # a second serve on the same file (another process) refuses instead of taking over running jobs
    probe = (
        "import sys\nfrom zhenggai.api.jobs import SQLiteJobStore as JobStore, StoreBusyError\n"
        "try:\n    JobStore(sys.argv[1]).claim_runner()\nexcept StoreBusyError as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    other = subprocess.run([sys.executable, "-c", probe, str(db)], capture_output=True, text=True, timeout=60)
    assert other.returncode == 3 and "one process per database" in other.stdout
    with pytest.raises(StoreBusyError):
        JobStore(db).claim_runner()
    first.check_writable()  # a real write
    first.close()  # the lock goes with the store (and with the process, however it dies)
    again = JobStore(db)
    again.claim_runner()
    again.close()


def test_paging_cursors_tell_nothing_of_other_owners(store):
    for k in range(3):
        store.submit(_new(f"一、整改情况\n他人的报告{k}。", owner="team-b"), max_pending=100)
    mine = [store.submit(_new(f"一、整改情况\n报告{k}。"), max_pending=100)[0] for k in range(3)]
    page = store.list("team-a", limit=2)
    assert [j.id for j in page] == [mine[2].id, mine[1].id]
    assert [j.id for j in store.list("team-a", limit=2, before=page[-1].id)] == [mine[0].id]
    # another owner's job id is no cursor into this owner's list
    theirs = store.list("team-b", limit=1)[0].id
    assert store.list("team-a", limit=5, before=theirs) == []


def test_a_store_is_opened_by_path_or_url_and_an_unknown_engine_is_named(tmp_path):
    from zhenggai.api.stores import UnknownStoreError, open_store

    by_path = open_store(tmp_path / "a.sqlite")
    by_url = open_store(f"sqlite://{tmp_path / 'b.sqlite'}")
    for store in (by_path, by_url):
        row, _reused = store.submit(_new(), max_pending=10)
        assert store.get(row.id, "team-a").status == "queued"
        store.close()
    assert (tmp_path / "b.sqlite").exists()
    with pytest.raises(UnknownStoreError, match="known: sqlite"):
        open_store("mysql://db.example/jobs")
