"""The store's notifications (`NOTIFY zhenggai_jobs, '<id> <status>'`, sent in every transition's
transaction), received on one LISTEN connection per process and handed to whoever waits.

Why LISTEN: a `?wait=true` request, a worker waiting for work and a cancel reaching the worker that
runs the job are all woken by the database within milliseconds, in whichever process they are,
without polling. A notification sent while the connection is down is lost, so every reconnect
wakes every waiter too: they look at the store again (a restart of the database costs a re-check,
never a missed end).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from zhenggai.pgdb import libpq_url, redact

log = logging.getLogger("zhenggai.queue")

CHANNEL = "zhenggai_jobs"  # the job store's channel (api/pgstore.py)
FINISHED = frozenset({"done", "failed", "cancelled"})
_RECONNECT_S = 0.5


class JobEvents:
    """Runs on one event loop (`run()` as a task); `wait` and `subscribe` are used from that loop."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self.url = libpq_url(url)
        self.channel = channel
        self._waiters: dict[str, set[asyncio.Future[str]]] = {}
        self._subscribers: list[Callable[[str, str], None]] = []
        self.connected = asyncio.Event()  # the LISTEN connection is up (readiness, the worker's health)
        self.reconnects = 0  # times it came back after it was lost

    def subscribe(self, fn: Callable[[str, str], None]) -> None:
        """`fn(job_id, status)` for every notification; `fn("", "reconnected")` after a reconnect."""
        self._subscribers.append(fn)

    def watch(self, job_id: str) -> asyncio.Future[str]:
        """A future that gets the job's next status (or "reconnected"); register before reading
        the store, so an end between the read and the wait is not missed."""
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(job_id, set()).add(fut)
        fut.add_done_callback(lambda f: self._forget(job_id, f))
        return fut

    def _forget(self, job_id: str, fut: asyncio.Future[str]) -> None:
        waiting = self._waiters.get(job_id)
        if waiting is not None:
            waiting.discard(fut)
            if not waiting:
                self._waiters.pop(job_id, None)

    def _deliver(self, job_id: str, status: str) -> None:
        for fut in list(self._waiters.get(job_id, ())):
            if not fut.done():
                fut.set_result(status)
        for fn in self._subscribers:
            fn(job_id, status)

    def _wake_all(self) -> None:
        for job_id in list(self._waiters):
            self._deliver(job_id, "reconnected")
        for fn in self._subscribers:
            fn("", "reconnected")

    async def run(self) -> None:
        """Listen until cancelled, reconnecting whenever the connection or the server goes away."""
        import psycopg  # the `postgres` extra: a SQLite service never gets here

        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    await conn.execute(f"LISTEN {self.channel}")
                    self.connected.set()
                    if not first:
                        self.reconnects += 1
                        log.info("job notifications back (reconnect %d)", self.reconnects)
                        self._wake_all()
                    first = False
                    async for note in conn.notifies():
                        job_id, _, status = note.payload.partition(" ")
                        self._deliver(job_id, status)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as exc:
                if self.connected.is_set():
                    log.warning("job notifications lost (%s); reconnecting to %s", type(exc).__name__, redact(self.url))
                self.connected.clear()
                first = False
                await asyncio.sleep(_RECONNECT_S)


async def wait_finished(events: JobEvents, job_id: str, timeout: float, status: Callable[[], object]) -> None:
    """Return once `status()` (a blocking store read, run off the loop) says the job is finished, or
    `timeout` seconds have passed; woken by the job's notifications, re-checked after each."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        fut = events.watch(job_id)
        try:
            if await asyncio.to_thread(status) in FINISHED:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(fut), remaining)
        finally:
            fut.cancel()
