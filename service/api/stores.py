"""The job store seam: what the service asks of a store, and which engine serves a given target.

The app, the runner and the corpus routes speak only to `JobStore` (a protocol); `open_store`
picks the engine from the target: a path (or `sqlite:///path`) is the SQLite store in
`jobs.py`, the embedded default; `postgresql://…` is the PostgreSQL store in `pgstore.py`, for
several API processes and workers on several machines sharing one database. Each engine is one
class with these methods and one entry in `STORES`, keyed by its URL scheme, and passes the same
contract tests (`tests/test_api_store.py`).

`WorkerStore` is what a store shared by many processes adds: jobs held by leases instead of the
whole store by one process (`claim_runner`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from zhenggai.api.jobs import JobInput, JobRow, NewJob, SQLiteJobStore


class JobStore(Protocol):
    """Every state change is conditional (a cancel racing with a job's end cannot be overwritten);
    a write the storage refuses raises `StorageError` (full → 507, unavailable → 503)."""

    # client side
    def submit(self, new: NewJob, *, max_pending: int) -> tuple[JobRow, bool]: ...
    def get(self, job_id: str, owner: str | None = None, *, with_result: bool = False) -> JobRow | None: ...
    def text(self, job_id: str) -> str | None: ...
    def list(self, owner: str, *, limit: int, status: str | None = None, before: str | None = None) -> list[JobRow]: ...
    def cancel(self, job_id: str, owner: str) -> tuple[JobRow | None, bool]: ...
    def pending(self) -> int: ...

    # runner side
    def start(self, job_id: str) -> JobInput | None: ...
    def progress(self, job_id: str, done: int, total: int) -> None: ...
    def finish(self, job_id: str, result_json: str) -> bool: ...
    def fail(
        self, job_id: str, type_: str, message: str, detail: Any = None, *, from_status: str = "running"
    ) -> bool: ...
    def claim_runner(self) -> None: ...
    def recover(self, max_attempts: int) -> list[str]: ...

    # health
    def check_writable(self) -> None: ...
    def close(self) -> None: ...


class WorkerStore(JobStore, Protocol):
    """A store any number of workers share (PostgreSQL): each running job is held by one worker's
    lease; a worker that stops renewing it loses the job to `recover`, which requeues it (or fails
    it by attempts). `start`, `progress`, `finish` and `fail` take the holder's `worker_id` too:
    given, they act only while that worker still holds the job."""

    worker_id: str  # this store's own id, the holder of jobs `start`ed without one

    def claim(self, worker_id: str, lease_s: float) -> tuple[str, JobInput] | None:
        """queued → running for the oldest queued job no other worker is claiming (SKIP LOCKED),
        under `worker_id`'s lease; None when nothing is queued."""
        ...

    def renew(self, job_id: str, worker_id: str, lease_s: float | None = None) -> bool:
        """Extend the lease; False when the job is no longer this worker's (cancelled, finished,
        taken over): stop working on it."""
        ...

    def release(self, job_id: str, worker_id: str) -> bool:
        """running → queued when a worker stops before the job ends (the start still counts)."""
        ...

    def attempts(self, job_id: str) -> list[dict[str, Any]]:
        """Every start of the job: attempt, worker_id, started_at, ended_at, outcome."""
        ...


def _sqlite(target: str) -> JobStore:
    return SQLiteJobStore(Path(target.removeprefix("sqlite://")))


def _postgresql(target: str) -> JobStore:
    from zhenggai.api.pgstore import PgJobStore  # psycopg is the `postgres` extra: imported only when used

    return PgJobStore(target)


STORES: dict[str, Callable[[str], JobStore]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
}


class UnknownStoreError(ValueError):
    pass


def open_store(target: Path | str) -> JobStore:
    """The store at `target`: a file path, or a URL whose scheme names the engine."""
    text = str(target)
    scheme = text.split("://", 1)[0].lower() if "://" in text else "sqlite"
    if scheme.startswith("postgres"):
        scheme = "postgresql"
    factory = STORES.get(scheme)
    if factory is None:
        raise UnknownStoreError(
            f"no job store for {scheme!r} (ZHENGGAI_API_DB={text[: text.find('://') + 3]}…); known: {', '.join(STORES)}"
        )
    return factory(text)
