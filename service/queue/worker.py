"""A queue worker: `slots` jobs at a time from a shared job store, each held under a lease.

- **One worker per job**: `claim` takes the oldest queued job with SKIP LOCKED and leases it to
  this worker; a heartbeat renews the lease every quarter of it. Only the lease's holder can
  write the job's progress, result or failure (the store's updates are conditional on it).
- **Takeover**: every worker sweeps the store for leases that ran out (`recover`): such a job goes
  back to the queue and is claimed by whichever worker is free, its attempts counted; past
  `api_max_attempts` starts it fails as `interrupted` instead of looping.
- **Retries with backoff**: a transient failure (the model unreachable or timing out, the store
  refusing the result) holds the lease for a backoff, then releases the job to the queue (the
  start counts as an attempt); the last attempt's failure is written as it is.
- **Cancellation**: the store's NOTIFY of `cancelled` reaches the worker holding the job at once
  (`listen.py`); a renewal the store refuses (cancelled, taken over) stops it too, within a
  quarter lease. Stopping the job's task cancels its model calls and kills its worker process.
- **Stop** (SIGTERM): running jobs are cancelled and released to the queue for another worker.

The worker knows the store and the job runner only by the calls it makes (no import of the API
shell): `execute(job_id, input, holder, keep)` runs a started job and writes its outcome unless
`keep(outcome)` says it will be tried again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from zhenggai.queue.listen import JobEvents
from zhenggai.settings import Settings

log = logging.getLogger("zhenggai.queue")

TRANSIENT_EXCEPTIONS = frozenset({"TransientLLMError", "LLMTimeoutError", "WorkerDied"})
TRANSIENT_TYPES = frozenset({"storage_unavailable"})


class LeasedStore(Protocol):
    """The calls a worker makes of a shared store (`api.stores.WorkerStore`)."""

    def claim(self, worker_id: str, lease_s: float) -> tuple[str, Any] | None: ...
    def renew(self, job_id: str, worker_id: str, lease_s: float | None = None) -> bool: ...
    def release(self, job_id: str, worker_id: str) -> bool: ...
    def recover(self, max_attempts: int) -> list[str]: ...


Execute = Callable[[str, Any, str, Callable[[Any], bool]], Awaitable[Any]]


@dataclass(frozen=True)
class WorkerOptions:
    slots: int = 1
    lease_s: float = 60.0
    max_attempts: int = 3
    poll_s: float = 2.0  # look for work this often even without a notification
    backoff_s: float = 2.0  # first retry's wait; doubled per attempt
    backoff_max_s: float = 60.0


def transient(outcome: Any) -> bool:
    return getattr(outcome, "exception", "") in TRANSIENT_EXCEPTIONS or getattr(outcome, "error", "") in TRANSIENT_TYPES


def _is_storage_error(exc: BaseException) -> bool:
    return hasattr(exc, "full") and hasattr(exc, "type")  # api.jobs.StorageError, without importing the shell


async def _to_the_end(aw: Awaitable[Any]) -> None:
    """Await `aw` through any further cancellation of this task: a stopping worker's slots are
    cancelled more than once (by the gather they run in, then by `run`), and a release cut short
    leaves its job `running` under a lease that only the sweep ends, instead of back in the queue."""
    fut = asyncio.ensure_future(aw)
    while not fut.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(fut)
    fut.result()


class QueueWorker:
    def __init__(
        self, store: LeasedStore, execute: Execute, worker_id: str, options: WorkerOptions, events: JobEvents | None
    ) -> None:
        self.store = store
        self.execute = execute
        self.worker_id = worker_id
        self.options = options
        self.events = events
        self.running: dict[str, asyncio.Task[Any]] = {}
        self.done = 0  # jobs this worker ended (any outcome), for health and the bench
        self._wake = asyncio.Event()
        self._stopping = False

    # ------------------------------------------------------------------ life

    async def run(self) -> None:
        """Work until cancelled; then release what runs (it goes back to the queue)."""
        if self.events is not None:
            self.events.subscribe(self._notified)
        tasks = [asyncio.create_task(self._slot(n), name=f"slot-{n}") for n in range(self.options.slots)]
        tasks.append(asyncio.create_task(self._sweep(), name="sweep"))
        try:
            await asyncio.gather(*tasks)
        finally:
            self._stopping = True
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _notified(self, job_id: str, status: str) -> None:
        if status in ("queued", "reconnected"):
            self._wake.set()
        elif status == "cancelled" and job_id in self.running:
            log.info("job %s cancelled: stopping it", job_id)
            self.running[job_id].cancel()

    async def _store(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    # ------------------------------------------------------------------ slots

    async def _slot(self, n: int) -> None:
        while True:
            try:
                claimed = await self._store(self.store.claim, self.worker_id, self.options.lease_s)
            except Exception as exc:
                if not _is_storage_error(exc):
                    raise
                log.warning("cannot claim a job (%s); trying again", exc)
                await asyncio.sleep(self.options.poll_s * (0.5 + random.random()))
                continue
            if claimed is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.options.poll_s * (0.5 + random.random()))
                continue
            job_id, inp = claimed
            await self._one(job_id, inp)

    async def _one(self, job_id: str, inp: Any) -> None:
        attempt = getattr(inp, "attempt", 1)

        def keep(outcome: Any) -> bool:  # tried again: do not write this failure
            return transient(outcome) and attempt < self.options.max_attempts

        task = asyncio.create_task(self.execute(job_id, inp, self.worker_id, keep), name=f"job-{job_id}")
        self.running[job_id] = task
        beat = asyncio.create_task(self._heartbeat(job_id, task))
        outcome: Any = None
        try:
            outcome = await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():  # this worker stops: stop the job, give it back to the queue
                task.cancel()
                await _to_the_end(self._stop_and_release(task, job_id))
                raise
            # the job's task was cancelled (a client cancel, or the lease was lost): nothing to write
        except Exception:  # a bug costs this attempt, not the worker: the lease runs out, the sweep requeues it
            log.exception("job %s: the runner failed", job_id)
        finally:
            beat.cancel()
            self.running.pop(job_id, None)
        self.done += 1
        if outcome is not None and keep(outcome):
            delay = min(self.options.backoff_s * 2 ** (attempt - 1), self.options.backoff_max_s)
            log.warning(
                "job %s: transient failure (%s), attempt %d; retrying in %.1fs", job_id, outcome.error, attempt, delay
            )
            beat = asyncio.create_task(self._heartbeat(job_id, None))
            try:
                await asyncio.sleep(delay * (0.75 + random.random() / 2))
            finally:
                beat.cancel()
            await self._release(job_id)

    async def _stop_and_release(self, task: asyncio.Task[Any], job_id: str) -> None:
        with contextlib.suppress(BaseException):
            await task
        await self._release(job_id)

    async def _release(self, job_id: str) -> None:
        try:
            await self._store(self.store.release, job_id, self.worker_id)
        except Exception as exc:  # the store is away: the lease runs out and the sweep requeues it
            if not _is_storage_error(exc):
                raise

    async def _heartbeat(self, job_id: str, task: asyncio.Task[Any] | None) -> None:
        every = max(self.options.lease_s / 4, 0.2)
        while True:
            await asyncio.sleep(every)
            try:
                held = await self._store(self.store.renew, job_id, self.worker_id, self.options.lease_s)
            except Exception as exc:
                if not _is_storage_error(exc):
                    raise
                continue  # the store is away; the lease may still outlast it
            if not held:
                if task is not None and not task.done():
                    log.info("job %s is no longer this worker's (cancelled or taken over): stopping it", job_id)
                    task.cancel()
                return

    # ------------------------------------------------------------------ takeover

    async def _sweep(self) -> None:
        every = max(self.options.lease_s / 2, 0.5)
        while True:
            try:
                queued = await self._store(self.store.recover, self.options.max_attempts)
            except Exception as exc:
                if not _is_storage_error(exc):
                    raise
                queued = []
            if queued:
                self._wake.set()
            await asyncio.sleep(every * (0.75 + random.random() / 2))


def options_from(settings: Settings) -> WorkerOptions:
    return WorkerOptions(
        slots=settings.api_max_jobs, lease_s=settings.api_lease_s, max_attempts=settings.api_max_attempts
    )


Submit = Callable[[Coroutine[Any, Any, Any]], concurrent.futures.Future[Any]]


class WorkerHandle:
    """A `QueueWorker` (and its notifications) running on another thread's event loop, a job
    runner's, so its jobs share that runner's model client and worker processes."""

    def __init__(self, worker: QueueWorker, submit: Submit, url: str) -> None:
        self.worker = worker
        self._submit = submit
        self._url = url
        self._tasks: list[asyncio.Task[Any]] = []
        # not waited for: the runner's loop may still be importing the model client (seconds)
        self._started = submit(self._start())

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        events = JobEvents(self._url)
        self.worker.events = events
        self._tasks = [loop.create_task(events.run()), loop.create_task(self.worker.run())]

    @property
    def alive(self) -> bool:
        return not self._started.done() or (bool(self._tasks) and not self._tasks[1].done())

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; release the running ones to the queue."""

        async def halt() -> None:
            for t in reversed(self._tasks):
                t.cancel()
                await asyncio.gather(t, return_exceptions=True)

        with contextlib.suppress(Exception):
            self._started.result(timeout=timeout)
            self._submit(halt()).result(timeout=timeout)
