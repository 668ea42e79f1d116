"""The job store seam: what the service asks of a store, and which engine serves a given target.

The app, the runner and the corpus routes speak only to `JobStore` (a protocol); `open_store`
picks the engine from the target: a path (or `sqlite:///path`) is the SQLite store in
`jobs.py`, the embedded default. Another engine (PostgreSQL, for several processes on several
machines) is one class with these methods and one entry in `STORES`, keyed by its URL scheme,
and passes the same contract tests (`tests/test_api_store.py`).
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


def _sqlite(target: str) -> JobStore:
    return SQLiteJobStore(Path(target.removeprefix("sqlite://")))


STORES: dict[str, Callable[[str], JobStore]] = {
    "sqlite": _sqlite,
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
