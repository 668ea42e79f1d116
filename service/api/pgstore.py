"""The PostgreSQL job store: the `JobStore` contract of `stores.py` for any number of API processes
and workers, on any number of machines, sharing one database.

Same states and conditional transitions as the SQLite store (`jobs.py`); what one database shared
by many processes adds:

- **Tables** (migrations in `migrations/`, version table `zhenggai_jobs_version`): `jobs` (state
  only, the hot rows), `inputs` (submitted bytes and normalised text), `results` (the record),
  `attempts` (one row per start: who ran it, when, how it ended), `rate_buckets` (the API's
  shared rate limits, `limits.py`), `probe` (readiness writes).
- **Idempotent submission across processes**: a unique partial index on (owner, dedupe_key) over
  live and done jobs, and `INSERT … ON CONFLICT DO NOTHING`: two processes submitting the same
  input at once get the same job.
- **Leases instead of one runner per database** (`WorkerStore`): `claim` takes the oldest queued
  job with `FOR UPDATE SKIP LOCKED` (workers never wait on each other), `renew` extends the lease,
  `progress` renews it too, and `recover` requeues (or fails, by attempts) only jobs whose lease
  ran out. Every transition is a conditional UPDATE, so a job driven by another dispatcher (a
  task-queue library's own tables) is still moved once: a second `finish` is a no-op.
- **Notifications**: every transition sends `NOTIFY zhenggai_jobs, '<id> <status>'` in its
  transaction, so a process waiting on a job can LISTEN instead of polling.
- **Faults**: a connection pool (psycopg_pool) checks a connection before lending it and
  reconnects by itself; while the server is down or restarting every call raises a
  `StorageError` of type `storage_unavailable` (503), a full disk `storage_full` (507), and
  calls succeed again as soon as the server is back.

Times are epoch seconds from the database server's clock, so leases mean the same on every machine.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from zhenggai.api.jobs import JobInput, JobRow, NewJob, QueueFullError, StorageError
from zhenggai.pgdb import libpq_url, migrate, redact

log = logging.getLogger("zhenggai.api.jobs")

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "zhenggai_jobs_version"
CHANNEL = "zhenggai_jobs"

NOW = "extract(epoch from clock_timestamp())::float8"
_LIVE = "('queued', 'running', 'done')"
_BRIEF = (
    "j.seq, j.id, j.owner, j.status, j.name, j.model, j.prompt_version, j.characters, j.sha256, j.chunks_done,"
    " j.chunks_total, j.attempts, j.created_at, j.started_at, j.finished_at, j.error_type, j.error_message,"
    " j.error_detail"
)
_INPUT = "j.name, j.media_type, j.encoding, j.source_kind, i.source, j.model, j.prompt_version, j.attempts"

# SQLSTATE classes that mean "the server cannot take this now", not "the query is wrong":
# 08 connection, 53 insufficient resources, 57 operator intervention (shutdown, restart), 40 rollback,
# 25006 read-only transaction (a standby), 55P03 lock not available.
_UNAVAILABLE_CLASSES = ("08", "53", "57", "40")
_UNAVAILABLE_STATES = ("25006", "55P03")
_FULL_STATES = ("53100",)  # disk_full
_PROBE_TIMEOUT_S = 2  # a direct connection attempt while the server is away
_CHECK_IDLE_S = 1.0  # a pooled connection idle longer than this is checked before it is lent


class PgStorageError(StorageError):
    """The database refused or could not take a call; `name` is the SQLSTATE's name (or the
    client-side failure), `full` when the server's disk is full."""

    engine = "postgresql"

    def __init__(self, name: str, message: str, *, full: bool = False) -> None:
        Exception.__init__(self, f"{name}: {message}")
        self.name = name
        self.full = full


def storage_error(exc: BaseException) -> PgStorageError | None:
    """The StorageError for a failure of the server or the connection; None for anything else
    (a bug in a query is a bug, not a 503)."""
    if isinstance(exc, PoolTimeout):
        return PgStorageError("connection_unavailable", "no database connection within the timeout")
    if not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate or ""
    name = type(exc).__name__
    if state in _FULL_STATES:
        return PgStorageError(name, str(exc).strip(), full=True)
    if isinstance(exc, psycopg.OperationalError) or state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES:
        return PgStorageError(name, str(exc).strip().splitlines()[0] if str(exc).strip() else name)
    if isinstance(exc, psycopg.InterfaceError):  # a connection closed under us
        return PgStorageError(name, str(exc).strip() or name)
    return None


# what psycopg_pool says, at WARNING, on every attempt while the server is away (and for every broken
# connection it drops): the store's own one line per outage says it once
_RECONNECT_NOISE = (
    "error connecting in",
    "reconnection attempt in pool",
    "discarding broken connection",
    "discarding closed connection",
)


class _PoolReconnectFilter(logging.Filter):
    """Drops psycopg_pool's per-attempt reconnect lines unless its logger was set to INFO or
    DEBUG on purpose; everything else it logs (a connection returned mid-transaction, a failed
    reset, a maintenance task that failed) passes as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        asked = logging.getLogger("psycopg.pool").level
        if asked and asked < logging.WARNING:
            return True
        return not (isinstance(record.msg, str) and record.msg.startswith(_RECONNECT_NOISE))


def _quiet_pool_reconnects() -> None:
    pool_log = logging.getLogger("psycopg.pool")
    if not any(isinstance(f, _PoolReconnectFilter) for f in pool_log.filters):
        pool_log.addFilter(_PoolReconnectFilter())


def default_worker_id() -> str:
    """host:pid:random, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class PgJobStore:
    """`stores.JobStore` and `stores.WorkerStore` on PostgreSQL (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        max_connections: int = 8,
        timeout_s: float = 5.0,
        lease_s: float = 300.0,
        worker_id: str | None = None,
    ) -> None:
        self.url = libpq_url(url)
        self.lease_s = lease_s
        self.worker_id = worker_id or default_worker_id()
        self._last_used: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = weakref.WeakKeyDictionary()
        try:
            migrate(self.url, MIGRATIONS, VERSION_TABLE)
        except Exception as exc:  # SQLAlchemy wraps the driver's error
            cause = exc.__cause__ or exc.__context__ or exc
            mapped = storage_error(cause) or storage_error(getattr(exc, "orig", exc))
            if mapped is None:
                raise
            raise PgStorageError(mapped.name, f"cannot migrate the job store at {redact(self.url)}: {mapped}") from exc
        self._pool = ConnectionPool(
            self.url,
            min_size=1,
            max_size=max_connections,
            open=False,
            # every call is one statement, so each is its own transaction: no BEGIN/COMMIT round trips
            kwargs={"autocommit": True},
            reset=self._returned,  # no `check=`: `_lend` checks, and clears the pool after a restart
            timeout=timeout_s,
            # a failed reconnect is given up at once and the next call tries again: the pool's own
            # backoff would keep it away for many seconds after the server is back
            reconnect_timeout=0,
            name="zhenggai-jobs",
        )
        self._pool.open(wait=False)
        self._away = False  # the last call found the server unreachable
        self._away_since: float | None = None  # when this outage began (for its one log line)
        _quiet_pool_reconnects()

    def _lend(self) -> psycopg.Connection[Any]:
        """A pooled connection, checked with one round trip unless it was in use a moment ago (a call
        that then meets a broken connection is a 503, and the pool drops it).

        A connection that fails its check means the server went away (a restart): every idle
        connection is as broken, so the pool checks and replaces them all at once (`check()`) and
        this call takes a fresh one. The pool's own `check=` would test them one by one, sleeping
        a growing backoff between failures, and a pool of broken connections would time out (a
        503 seconds after the server is back)."""
        conn = self._pool.getconn()
        used = self._last_used.get(conn)
        if used is not None and time.monotonic() - used <= _CHECK_IDLE_S:
            return conn
        try:
            ConnectionPool.check_connection(conn)
            return conn
        except psycopg.Error:
            self._pool.putconn(conn)  # broken: the pool discards it and opens another
        self._pool.check()
        return self._pool.getconn()

    def _returned(self, conn: psycopg.Connection[Any]) -> None:
        self._last_used[conn] = time.monotonic()

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection in autocommit: each statement is a transaction of its own, committed
        in the round trip that runs it. Every transition is one statement (CTEs carry its attempt
        row, result and NOTIFY), so no call needs a multi-statement transaction, and a worker's job
        costs one round trip per transition instead of two (the statement, then COMMIT). A server
        that is down, restarting, full or read-only raises PgStorageError.

        Once the server was found away, each call first tries one direct connection: refused at
        once while it is down (a 503 in milliseconds, not after the pool's wait for a connection),
        and the pool is used again as soon as one succeeds."""
        if self._away:
            try:
                psycopg.connect(self.url, connect_timeout=_PROBE_TIMEOUT_S).close()
            except psycopg.Error as exc:
                raise storage_error(exc) or PgStorageError(type(exc).__name__, str(exc)) from exc
            self._back()
        try:
            conn = self._lend()
            try:
                yield conn
            finally:
                self._pool.putconn(conn)
        except (psycopg.Error, PoolTimeout) as exc:
            mapped = storage_error(exc)
            if mapped is None:
                raise
            if isinstance(exc, PoolTimeout) or (getattr(exc, "sqlstate", None) or "08")[:2] in ("08", "57"):
                self._gone(mapped)
            raise mapped from exc

    def _gone(self, why: PgStorageError) -> None:
        """The server went away: one warning per outage (the pool's own per-attempt lines are
        filtered, `_quiet_pool_reconnects`)."""
        self._away = True
        if self._away_since is None:
            self._away_since = time.monotonic()
            log.warning(
                "job store at %s unreachable (%s); calls answer 503 until it is back", redact(self.url), why.name
            )

    def _back(self) -> None:
        self._away = False
        since, self._away_since = self._away_since, None
        if since is not None:
            log.info("job store at %s reachable again after %.1fs", redact(self.url), time.monotonic() - since)

    @staticmethod
    def _select(c: psycopg.Connection[Any], where: str, args: tuple[Any, ...], *, with_result: bool) -> JobRow | None:
        if with_result:
            sql = f"SELECT {_BRIEF}, r.result FROM jobs j LEFT JOIN results r ON r.job_id = j.id WHERE {where}"
        else:
            sql = f"SELECT {_BRIEF} FROM jobs j WHERE {where}"
        row = c.execute(sql, args).fetchone()
        return None if row is None else JobRow(*row)

    # ------------------------------------------------------------------ client side

    def submit(self, new: NewJob, *, max_pending: int) -> tuple[JobRow, bool]:
        """Store a job, or return the owner's live or finished job for the same input; (job, reused).

        The queue bound is read before the insert, without a lock: processes submitting at the same
        instant may pass it by one each, never the dedupe (the unique index decides that)."""
        key = new.dedupe_key
        find = f"(SELECT id FROM jobs WHERE owner = %s AND dedupe_key = %s AND status IN {_LIVE})"
        with self._conn() as c:
            found, pending = c.execute(
                f"SELECT {find}, (SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running'))", (new.owner, key)
            ).fetchone()
            if found is None:
                if pending >= max_pending:
                    raise QueueFullError(f"{pending} jobs are waiting")
                # one statement: the job, its input and the notification, or nothing on a duplicate
                row = c.execute(
                    "WITH j AS (INSERT INTO jobs (id, owner, dedupe_key, status, name, media_type, encoding,"
                    " source_kind, sha256, characters, model, prompt_version, created_at)"
                    f" VALUES (%s, %s, %s, 'queued', %s, %s, %s, %s, %s, %s, %s, %s, {NOW})"
                    f" ON CONFLICT (owner, dedupe_key) WHERE status IN {_LIVE} DO NOTHING RETURNING *),"
                    " i AS (INSERT INTO inputs (job_id, source, text) SELECT id, %s, %s FROM j)"
                    f" SELECT {_BRIEF}, NULL, pg_notify(%s, j.id || ' queued') FROM j",
                    (
                        uuid.uuid4().hex,
                        new.owner,
                        key,
                        new.name,
                        new.media_type,
                        new.encoding,
                        new.source_kind,
                        new.sha256,
                        len(new.text),
                        new.model,
                        new.prompt_version,
                        new.source,
                        new.text,
                        CHANNEL,
                    ),
                ).fetchone()
                if row is not None:
                    return JobRow(*row[:-1]), False
                # another process stored it between our look and our insert
                (found,) = c.execute(f"SELECT {find}", (new.owner, key)).fetchone()
                if found is None:  # and it was cancelled at once: rare enough to ask the client again
                    raise PgStorageError("SerializationFailure", "a duplicate submission raced; retry")
            job = self._select(c, "j.id = %s", (found,), with_result=True)
        assert job is not None
        return job, True

    def get(self, job_id: str, owner: str | None = None, *, with_result: bool = False) -> JobRow | None:
        with self._conn() as c:
            if owner is None:
                return self._select(c, "j.id = %s", (job_id,), with_result=with_result)
            return self._select(c, "j.id = %s AND j.owner = %s", (job_id, owner), with_result=with_result)

    def text(self, job_id: str) -> str | None:
        """The normalised text every offset of the result refers to."""
        with self._conn() as c:
            row = c.execute("SELECT text FROM inputs WHERE job_id = %s", (job_id,)).fetchone()
        return None if row is None else row[0]

    def list(self, owner: str, *, limit: int, status: str | None = None, before: str | None = None) -> list[JobRow]:
        """The owner's jobs, newest first; `before` is the id of the last job of the previous page."""
        where, args = ["j.owner = %s"], [owner]
        if status is not None:
            where.append("j.status = %s")
            args.append(status)
        if before is not None:
            where.append("j.seq < (SELECT seq FROM jobs WHERE id = %s AND owner = %s)")
            args += [before, owner]
        sql = f"SELECT {_BRIEF} FROM jobs j WHERE {' AND '.join(where)} ORDER BY j.seq DESC LIMIT %s"
        with self._conn() as c:
            rows = c.execute(sql, (*args, limit)).fetchall()
        return [JobRow(*r) for r in rows]

    def cancel(self, job_id: str, owner: str) -> tuple[JobRow | None, bool]:
        """Cancel a queued or running job; (the job as it is now, whether this call cancelled it)."""
        with self._conn() as c:
            cancelled = self._end(
                c,
                f"UPDATE jobs SET status = 'cancelled', finished_at = {NOW}, error_type = 'cancelled',"
                " error_message = 'cancelled by the client', worker_id = NULL, lease_until = NULL"
                " WHERE id = %s AND owner = %s AND status IN ('queued', 'running')",
                (job_id, owner),
                status="cancelled",
                outcome="cancelled",
            )
            row = self._select(c, "j.id = %s AND j.owner = %s", (job_id, owner), with_result=False)
        return row, cancelled

    def pending(self) -> int:
        with self._conn() as c:
            return c.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]

    # ------------------------------------------------------------------ runner side

    @staticmethod
    def _end(
        c: psycopg.Connection[Any],
        update: str,
        args: tuple[Any, ...],
        *,
        status: str,
        outcome: str,
        also: str = "",
        also_args: tuple[Any, ...] = (),
    ) -> bool:
        """One statement: `update` (an UPDATE of jobs, conditional on the state it leaves), then,
        only if it moved the job, `also` (a CTE reading `d`), the end of the attempt and the
        notification. True when the job moved."""
        row = c.execute(
            f"WITH d AS ({update} RETURNING id, attempts){also},"
            f" a AS (UPDATE attempts SET ended_at = {NOW}, outcome = %s FROM d"
            " WHERE attempts.job_id = d.id AND attempts.attempt = d.attempts AND attempts.ended_at IS NULL)"
            " SELECT pg_notify(%s, d.id || %s) FROM d",
            (*args, *also_args, outcome, CHANNEL, f" {status}"),
        ).fetchone()
        return row is not None

    @staticmethod
    def _run(
        c: psycopg.Connection[Any], started: str, args: tuple[Any, ...], worker_id: str
    ) -> tuple[str, JobInput] | None:
        """One statement: `started` (a CTE named s: an UPDATE to running, RETURNING the job's row),
        the attempt's row, the notification, and the input the runner needs."""
        row = c.execute(
            f"WITH {started},"
            " a AS (INSERT INTO attempts (job_id, attempt, worker_id, started_at)"
            f" SELECT id, attempts, %s, {NOW} FROM s ON CONFLICT (job_id, attempt) DO NOTHING)"
            " SELECT s.name, s.media_type, s.encoding, s.source_kind, i.source, s.model, s.prompt_version,"
            " s.attempts, s.id, pg_notify(%s, s.id || ' running') FROM s JOIN inputs i ON i.job_id = s.id",
            (*args, worker_id, CHANNEL),
        ).fetchone()
        return None if row is None else (row[8], JobInput(*row[:8]))

    _RUNNING = (
        f"status = 'running', attempts = jobs.attempts + 1, started_at = {NOW}, chunks_done = 0,"
        f" worker_id = %s, lease_s = %s, lease_until = {NOW} + %s"
    )

    def start(self, job_id: str, *, worker_id: str | None = None, lease_s: float | None = None) -> JobInput | None:
        """queued → running under a lease held by `worker_id` (this store's own id by default);
        the job's input, or None when it is no longer queued (cancelled, or another worker has it)."""
        worker = worker_id or self.worker_id
        lease = self.lease_s if lease_s is None else lease_s
        started = f"s AS (UPDATE jobs SET {self._RUNNING} WHERE id = %s AND status = 'queued' RETURNING *)"
        with self._conn() as c:
            got = self._run(c, started, (worker, lease, lease, job_id), worker)
        return None if got is None else got[1]

    def claim(self, worker_id: str, lease_s: float) -> tuple[str, JobInput] | None:
        """The oldest queued job, now running under `worker_id`'s lease for `lease_s` seconds; None
        when nothing is queued. Workers skip each other's locked rows instead of waiting on them."""
        started = (
            "next AS (SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED),"
            f" s AS (UPDATE jobs SET {self._RUNNING} FROM next WHERE jobs.id = next.id RETURNING jobs.*)"
        )
        with self._conn() as c:
            return self._run(c, started, (worker_id, lease_s, lease_s), worker_id)

    def renew(self, job_id: str, worker_id: str, lease_s: float | None = None) -> bool:
        """Extend `worker_id`'s lease on a running job; False when the job is no longer its own
        (cancelled, finished, or taken over after the lease ran out): the worker should stop it."""
        with self._conn() as c:
            cur = c.execute(
                f"UPDATE jobs SET lease_until = {NOW} + COALESCE(%s, lease_s, %s)"
                " WHERE id = %s AND worker_id = %s AND status = 'running'",
                (lease_s, self.lease_s, job_id, worker_id),
            )
            return cur.rowcount == 1

    def release(self, job_id: str, worker_id: str) -> bool:
        """running → queued for a worker that stops before the job ends (a graceful shutdown);
        the start still counts as an attempt."""
        with self._conn() as c:
            return self._end(
                c,
                "UPDATE jobs SET status = 'queued', worker_id = NULL, lease_until = NULL"
                " WHERE id = %s AND worker_id = %s AND status = 'running'",
                (job_id, worker_id),
                status="queued",
                outcome="released",
            )

    @staticmethod
    def _holder(worker_id: str | None) -> tuple[str, tuple[Any, ...]]:
        return ("", ()) if worker_id is None else (" AND worker_id = %s", (worker_id,))

    def progress(self, job_id: str, done: int, total: int, *, worker_id: str | None = None) -> None:
        """Chunks done so far; never moves backwards. Renews the lease: progress is a heartbeat."""
        held, args = self._holder(worker_id)
        with self._conn() as c:
            c.execute(
                f"UPDATE jobs SET chunks_done = GREATEST(chunks_done, %s), chunks_total = %s,"
                f" lease_until = {NOW} + COALESCE(lease_s, %s) WHERE id = %s AND status = 'running'{held}",
                (done, total, self.lease_s, job_id, *args),
            )

    def finish(self, job_id: str, result_json: str, *, worker_id: str | None = None) -> bool:
        """running → done with its record; False when the job is no longer running (cancelled, or
        already finished by another run), so a result is stored once."""
        held, args = self._holder(worker_id)
        with self._conn() as c:
            return self._end(
                c,
                f"UPDATE jobs SET status = 'done', finished_at = {NOW}, chunks_done = COALESCE(chunks_total, 0),"
                f" worker_id = NULL, lease_until = NULL WHERE id = %s AND status = 'running'{held}",
                (job_id, *args),
                status="done",
                outcome="done",
                also=", r AS (INSERT INTO results (job_id, result) SELECT id, %s FROM d)",
                also_args=(result_json,),
            )

    def fail(
        self,
        job_id: str,
        type_: str,
        message: str,
        detail: Any = None,
        *,
        from_status: str = "running",
        worker_id: str | None = None,
    ) -> bool:
        held, args = self._holder(worker_id)
        with self._conn() as c:
            return self._end(
                c,
                f"UPDATE jobs SET status = 'failed', finished_at = {NOW}, error_type = %s, error_message = %s,"
                f" error_detail = %s, worker_id = NULL, lease_until = NULL WHERE id = %s AND status = %s{held}",
                (type_, message, json.dumps(detail) if detail is not None else None, job_id, from_status, *args),
                status="failed",
                outcome=f"failed: {type_}",
            )

    def claim_runner(self) -> None:
        """Nothing to claim: any number of processes share this database, each job is held by a
        lease (`start`, `claim`), never the whole store by one process."""

    def recover(self, max_attempts: int) -> list[str]:
        """Running jobs whose lease ran out (their worker died or lost the database) go back to the
        queue, or fail once they have been started `max_attempts` times. Jobs other processes are
        running under a live lease are left alone. Returns every queued job, oldest first."""
        expired = f"status = 'running' AND (lease_until IS NULL OR lease_until < {NOW})"
        with self._conn() as c:
            c.execute(
                f"WITH lost AS (UPDATE jobs SET status = 'failed', finished_at = {NOW}, error_type = 'interrupted',"
                " error_message = 'the service stopped while this job was running, ' || attempts || ' time(s); "
                "not retried again', error_detail = json_build_object('attempts', attempts)::text,"
                f" worker_id = NULL, lease_until = NULL WHERE {expired} AND attempts >= %s RETURNING id, attempts)"
                f" UPDATE attempts a SET ended_at = {NOW}, outcome = 'interrupted' FROM lost"
                " WHERE a.job_id = lost.id AND a.attempt = lost.attempts AND a.ended_at IS NULL",
                (max_attempts,),
            )
            c.execute(
                f"WITH lost AS (UPDATE jobs SET status = 'queued', worker_id = NULL, lease_until = NULL"
                f" WHERE {expired} RETURNING id, attempts)"
                f" UPDATE attempts a SET ended_at = {NOW}, outcome = 'interrupted' FROM lost"
                " WHERE a.job_id = lost.id AND a.attempt = lost.attempts AND a.ended_at IS NULL"
            )
            rows = c.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq").fetchall()
        return [r[0] for r in rows]

    def attempts(self, job_id: str) -> list[dict[str, Any]]:
        """Every start of a job: attempt, worker, start and end times, outcome (for operators and tests)."""
        with self._conn() as c:
            rows = c.execute(
                "SELECT attempt, worker_id, started_at, ended_at, outcome FROM attempts WHERE job_id = %s"
                " ORDER BY attempt",
                (job_id,),
            ).fetchall()
        keys = ("attempt", "worker_id", "started_at", "ended_at", "outcome")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # ------------------------------------------------------------------ health

    def ping(self) -> None:
        """One round trip (a worker's health: the database answers); StorageError when it does not."""
        with self._conn() as c:
            c.execute("SELECT 1")

    def check_writable(self, probe_bytes: int = 64 * 1024) -> None:
        """Raise StorageError unless the database takes a committed write the size of a submission
        (random bytes, so compression does not make it small), deleted again at once."""
        with self._conn() as c:
            c.execute("INSERT INTO probe (data) VALUES (%s)", (os.urandom(probe_bytes),))
        with self._conn() as c:
            c.execute("DELETE FROM probe")

    def close(self) -> None:
        """End the leases this store's own id holds (a process stopping cleanly: its runner left
        them `running`), so the next `recover` on any process requeues them at once, or fails them
        by attempts, exactly as after a SQLite restart; then close the connections. A process that
        dies instead leaves its leases to run out."""
        try:
            with self._conn() as c:
                c.execute(
                    f"UPDATE jobs SET lease_until = {NOW} WHERE worker_id = %s AND status = 'running'",
                    (self.worker_id,),
                )
        except StorageError as exc:
            log.warning("could not end this process's leases on close (%s); they will run out", exc.name)
        self._pool.close()
