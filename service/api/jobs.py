"""The SQLite job store: jobs, their inputs and their results in one file (the seam: `stores.py`).

Everything a job needs to run again after a restart is stored with it when it is accepted:
the submitted bytes (re-read exactly as the first time), the normalised text (for
renderings and the dedupe key), the model and the resolved prompt version. The store is
the single source of truth for a job's state; every transition is a conditional UPDATE, so
a cancel racing with the end of a job cannot be overwritten by it:

    queued → running → done | failed          (the runner)
    queued | running → cancelled              (the client)
    running → queued | failed                 (startup recovery, by attempts)

One connection in WAL mode, serialised by a lock; callers on an event loop go through
`asyncio.to_thread`, so each call is one short transaction off the loop.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhenggai.sqlitedb import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS health (probe TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    status TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT,
    encoding TEXT,
    source_kind TEXT NOT NULL,
    source BLOB NOT NULL,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    characters INTEGER NOT NULL,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    chunks_done INTEGER NOT NULL DEFAULT 0,
    chunks_total INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    result TEXT,
    error_type TEXT,
    error_message TEXT,
    error_detail TEXT
);
CREATE INDEX IF NOT EXISTS jobs_owner_seq ON jobs (owner, seq);
CREATE INDEX IF NOT EXISTS jobs_status_seq ON jobs (status, seq);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_live_dedupe ON jobs (owner, dedupe_key)
    WHERE status IN ('queued', 'running', 'done');
"""

_BRIEF = (
    "seq, id, owner, status, name, model, prompt_version, characters, sha256, chunks_done, chunks_total, attempts,"
    " created_at, started_at, finished_at, error_type, error_message, error_detail"
)


class QueueFullError(Exception):
    """More jobs are waiting than the service accepts."""


@dataclass(frozen=True)
class NewJob:
    """A validated submission, ready to be stored."""

    owner: str
    name: str
    media_type: str | None
    encoding: str | None
    source_kind: str  # "text" (JSON body, stored UTF-8) or "bytes" (uploaded file)
    source: bytes
    text: str  # normalised
    model: str
    prompt_version: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def dedupe_key(self) -> str:
        """Identical submissions: the same normalised text, model and prompt version."""
        return hashlib.sha256(json.dumps([self.sha256, self.model, self.prompt_version]).encode()).hexdigest()


@dataclass(frozen=True)
class JobRow:
    seq: int
    id: str
    owner: str
    status: str
    name: str
    model: str
    prompt_version: str
    characters: int
    sha256: str
    chunks_done: int
    chunks_total: int | None
    attempts: int
    created_at: float
    started_at: float | None
    finished_at: float | None
    error_type: str | None
    error_message: str | None
    error_detail: str | None
    result: str | None = None  # SummaryRecord JSON, when asked for and done

    @property
    def error(self) -> dict[str, Any] | None:
        if self.error_type is None:
            return None
        detail = json.loads(self.error_detail) if self.error_detail else None
        return {"type": self.error_type, "message": self.error_message or "", "detail": detail}


@dataclass(frozen=True)
class JobInput:
    """What the runner needs to (re)build the document."""

    name: str
    media_type: str | None
    encoding: str | None
    source_kind: str
    source: bytes
    model: str
    prompt_version: str
    attempt: int  # this start is the job's n-th


_FULL = ("SQLITE_FULL", "SQLITE_IOERR_WRITE")  # no space left; a write past a size limit (EFBIG) reads as an I/O error


class StorageError(Exception):
    """The job store refused a write: the disk is full (`full`), or the file is read-only, locked or
    failing. Carries SQLite's error name; the API answers 507 or 503, never a bare 500."""

    def __init__(self, exc: sqlite3.Error) -> None:
        self.name: str = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
        super().__init__(f"{self.name}: {exc}")
        self.full = self.name in _FULL

    @property
    def type(self) -> str:
        return "storage_full" if self.full else "storage_unavailable"


class StoreBusyError(RuntimeError):
    """Another process already runs this job store's jobs."""


class SQLiteJobStore:
    """The embedded default store (`stores.JobStore`): one SQLite file, one process running its jobs."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = connect(self.path, _SCHEMA)
        self._runner_fd: int | None = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a write SQLite refuses (full, read-only, I/O, locked) is a StorageError."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                    self._conn.execute("COMMIT")
                except BaseException:
                    if self._conn.in_transaction:  # SQLite may have rolled back on its own already
                        with suppress(sqlite3.Error):
                            self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                raise StorageError(exc) from exc

    def _row(self, cols: str, where: str, args: tuple[Any, ...]) -> JobRow | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {cols} FROM jobs WHERE {where}", args).fetchone()
        return None if row is None else JobRow(*row)

    # ------------------------------------------------------------------ client side

    def submit(self, new: NewJob, *, max_pending: int) -> tuple[JobRow, bool]:
        """Store a job, or return the owner's live or finished job for the same input; (job, reused)."""
        key = new.dedupe_key
        with self._tx() as c:
            found = c.execute(
                "SELECT id FROM jobs WHERE owner = ? AND dedupe_key = ? AND status IN ('queued', 'running', 'done')",
                (new.owner, key),
            ).fetchone()
            if found is None:
                (pending,) = c.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()
                if pending >= max_pending:
                    raise QueueFullError(f"{pending} jobs are waiting")
                job_id = uuid.uuid4().hex
                c.execute(
                    "INSERT INTO jobs (id, owner, dedupe_key, status, name, media_type, encoding, source_kind, source,"
                    " text, sha256, characters, model, prompt_version, created_at)"
                    " VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        job_id,
                        new.owner,
                        key,
                        new.name,
                        new.media_type,
                        new.encoding,
                        new.source_kind,
                        new.source,
                        new.text,
                        new.sha256,
                        len(new.text),
                        new.model,
                        new.prompt_version,
                        time.time(),
                    ),
                )
        job = self.get(found[0] if found else job_id, with_result=True)
        assert job is not None
        return job, found is not None

    def get(self, job_id: str, owner: str | None = None, *, with_result: bool = False) -> JobRow | None:
        cols = _BRIEF + (", result" if with_result else "")
        if owner is None:
            return self._row(cols, "id = ?", (job_id,))
        return self._row(cols, "id = ? AND owner = ?", (job_id, owner))

    def text(self, job_id: str) -> str | None:
        """The normalised text every offset of the result refers to."""
        with self._lock:
            row = self._conn.execute("SELECT text FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else row[0]

    def list(self, owner: str, *, limit: int, status: str | None = None, before: str | None = None) -> list[JobRow]:
        """The owner's jobs, newest first; `before` is the id of the last job of the previous page
        (an id, not a row number: row numbers would tell other teams' volume)."""
        where, args = ["owner = ?"], [owner]
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if before is not None:
            where.append("seq < (SELECT seq FROM jobs WHERE id = ? AND owner = ?)")
            args += [before, owner]
        sql = f"SELECT {_BRIEF} FROM jobs WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?"
        with self._lock:
            rows = self._conn.execute(sql, (*args, limit)).fetchall()
        return [JobRow(*r) for r in rows]

    def cancel(self, job_id: str, owner: str) -> tuple[JobRow | None, bool]:
        """Cancel a queued or running job; (the job as it is now, whether this call cancelled it)."""
        with self._tx() as c:
            cur = c.execute(
                "UPDATE jobs SET status = 'cancelled', finished_at = ?, error_type = 'cancelled',"
                " error_message = 'cancelled by the client'"
                " WHERE id = ? AND owner = ? AND status IN ('queued', 'running')",
                (time.time(), job_id, owner),
            )
        return self.get(job_id, owner), cur.rowcount == 1

    def pending(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]

    # ------------------------------------------------------------------ runner side

    def start(self, job_id: str) -> JobInput | None:
        """queued → running; the job's input, or None when it is no longer queued (cancelled)."""
        with self._tx() as c:
            cur = c.execute(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ?, chunks_done = 0"
                " WHERE id = ? AND status = 'queued'",
                (time.time(), job_id),
            )
            if cur.rowcount != 1:
                return None
            row = c.execute(
                "SELECT name, media_type, encoding, source_kind, source, model, prompt_version, attempts"
                " FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        return JobInput(*row)

    def progress(self, job_id: str, done: int, total: int) -> None:
        """Chunks done so far; never moves backwards (updates may arrive out of order)."""
        with self._tx() as c:
            c.execute(
                "UPDATE jobs SET chunks_done = MAX(chunks_done, ?), chunks_total = ?"
                " WHERE id = ? AND status = 'running'",
                (done, total, job_id),
            )

    def finish(self, job_id: str, result_json: str) -> bool:
        with self._tx() as c:
            cur = c.execute(
                "UPDATE jobs SET status = 'done', result = ?, finished_at = ?, chunks_done = COALESCE(chunks_total, 0)"
                " WHERE id = ? AND status = 'running'",
                (result_json, time.time(), job_id),
            )
        return cur.rowcount == 1

    def fail(self, job_id: str, type_: str, message: str, detail: Any = None, *, from_status: str = "running") -> bool:
        with self._tx() as c:
            cur = c.execute(
                "UPDATE jobs SET status = 'failed', finished_at = ?, error_type = ?, error_message = ?,"
                " error_detail = ? WHERE id = ? AND status = ?",
                (time.time(), type_, message, json.dumps(detail) if detail is not None else None, job_id, from_status),
            )
        return cur.rowcount == 1

    def claim_runner(self) -> None:
        """Become the one process that runs this database's jobs, for as long as the store is open.

        A second `serve` on the same file would take over the first one's running jobs as if they
        had been interrupted; an exclusive lock on `<db>.lock` (released by the OS when the process
        dies, even by kill -9) makes it refuse to start instead.
        """
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreBusyError(
                f"another zhenggai serve runs the jobs of {self.path} (its lock {lock} is held); "
                "run one process per database"
            ) from None
        self._runner_fd = fd

    def recover(self, max_attempts: int) -> list[str]:
        """After a start: jobs that were running go back to the queue, or fail once they have been
        started `max_attempts` times (a job that kills the service must not do it forever).
        Returns every queued job, oldest first."""
        with self._tx() as c:
            c.execute(
                "UPDATE jobs SET status = 'failed', finished_at = ?, error_type = 'interrupted',"
                " error_message = 'the service stopped while this job was running, ' || attempts || ' time(s); "
                "not retried again', error_detail = json_object('attempts', attempts)"
                " WHERE status = 'running' AND attempts >= ?",
                (time.time(), max_attempts),
            )
            c.execute("UPDATE jobs SET status = 'queued' WHERE status = 'running'")
            rows = c.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq").fetchall()
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ health

    def check_writable(self, probe_bytes: int = 64 * 1024) -> None:
        """Raise StorageError unless the file takes a write the size of a submission (disk full,
        read-only, locked). The probe row is committed, so the write reaches the disk (a rolled-back
        one may never leave the page cache), and deleted again at once."""
        with self._tx() as c:
            c.execute("INSERT INTO probe (data) VALUES (randomblob(?))", (probe_bytes,))
        with self._tx() as c:
            c.execute("DELETE FROM probe")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        if self._runner_fd is not None:
            os.close(self._runner_fd)  # releases the runner lock
            self._runner_fd = None
