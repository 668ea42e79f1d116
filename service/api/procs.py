"""Worker processes for the CPU work of jobs and submissions, out of the service's interpreter lock.

Parsing a 4 MB hostile body holds the GIL for seconds; in a thread that stalls `/healthz` and
every other job. Here it runs in a worker process (`remote.py`), one task per worker at a time,
each worker with a private duplex pipe; model calls come back over the pipe to the service.

Why not `concurrent.futures.ProcessPoolExecutor`: a running task cannot be stopped there, and
killing its process breaks the whole pool (every other job's work fails with BrokenProcessPool).
Cancelling a job here kills that job's worker alone and starts a fresh one in its place.
Workers come from the `forkserver` context with the pipeline preloaded, so a replacement is a
fork of an already-imported process, not a new interpreter.

All methods run on the job runner's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from zhenggai.api.logs import event
from zhenggai.api.remote import worker_main

log = logging.getLogger("zhenggai.api.workers")

_CONTEXT = "forkserver"
_PRELOAD = ["zhenggai.api.remote"]
_START_TIMEOUT_S = 60.0

OnMessage = Callable[[tuple[Any, ...], Callable[[tuple[Any, ...]], None]], None]


class WorkerDied(RuntimeError):
    """The worker process of a task ended without answering (killed, out of memory, crashed)."""


@dataclass(eq=False)
class _Worker:
    proc: BaseProcess
    conn: Connection
    tasks: int = 0
    retired: bool = False
    waiter: asyncio.Future[Any] | None = None
    on_message: OnMessage | None = field(default=None, repr=False)

    def send(self, msg: tuple[Any, ...]) -> None:
        with contextlib.suppress(OSError, ValueError):  # the worker is gone; its waiter hears it from the reader
            self.conn.send(msg)


def _spawn() -> _Worker:
    """Start one worker and wait for its hello (blocking; called in a thread)."""
    ctx = multiprocessing.get_context(_CONTEXT)
    with contextlib.suppress(ValueError, RuntimeError):
        ctx.set_forkserver_preload(_PRELOAD)  # type: ignore[attr-defined]
    parent, child = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=worker_main, args=(child,), name="zhenggai-worker", daemon=True)
    proc.start()
    child.close()
    if not parent.poll(_START_TIMEOUT_S):
        proc.kill()
        raise WorkerDied(f"a worker process did not start within {_START_TIMEOUT_S:.0f}s")
    hello = parent.recv()
    assert hello[0] == "ready", hello
    return _Worker(proc, parent)


class WorkerPool:
    def __init__(self, size: int) -> None:
        self.size = size
        self._free: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._closed = False
        self.problem: str | None = None  # the last start failure, for readiness
        self.replaced = 0  # workers killed and replaced (cancelled or dead)
        self._keep: set[asyncio.Task[Any]] = set()

    @property
    def alive(self) -> int:
        # read from the HTTP loop's thread while the runner's loop adds workers: iterate a copy
        # (a set changing size under a Python-level iteration raises RuntimeError)
        return sum(1 for w in list(self._all) if w.proc.is_alive())

    @property
    def idle(self) -> int:
        return sum(1 for w in list(self._free._queue) if not w.retired)  # type: ignore[attr-defined]

    def pids(self) -> set[int]:
        return {w.proc.pid for w in list(self._all) if w.proc.pid is not None}

    async def start(self) -> None:
        await asyncio.gather(*(self._add() for _ in range(self.size)))

    async def _add(self) -> None:
        if self._closed:
            return
        try:
            worker = await asyncio.to_thread(_spawn)
        except RuntimeError as exc:
            if self._closed or "after shutdown" in str(exc):
                return  # the service is stopping: its executor takes no new work, nothing failed
            self.problem = f"a worker process did not start: {type(exc).__name__}: {exc}"[:300]
            event(log, "worker_failed", logging.ERROR, exception=type(exc).__name__)
            return
        except Exception as exc:
            self.problem = f"a worker process did not start: {type(exc).__name__}: {exc}"[:300]
            event(log, "worker_failed", logging.ERROR, exception=type(exc).__name__)
            return
        if self._closed:
            self._stop(worker)
            return
        self.problem = None
        self._all.add(worker)
        asyncio.get_running_loop().add_reader(worker.conn.fileno(), self._readable, worker)
        self._free.put_nowait(worker)

    def _readable(self, worker: _Worker) -> None:
        try:
            while worker.conn.poll():
                msg = worker.conn.recv()
                if msg[0] == "done":
                    if worker.waiter is not None and not worker.waiter.done():
                        worker.waiter.set_result(msg[1])
                elif worker.on_message is not None:
                    worker.on_message(msg, worker.send)
        except (EOFError, OSError):
            self._lost(worker)

    def _lost(self, worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        worker.proc.join(timeout=1)
        if worker.waiter is None:  # died idle: replace it now, not when a task finds it dead
            self._replace(worker)
        elif not worker.waiter.done():
            worker.waiter.set_exception(WorkerDied(f"the worker process died (exit code {worker.proc.exitcode})"))

    async def run(self, kind: str, args: tuple[Any, ...], on_message: OnMessage | None = None) -> Any:
        """Run one task in a free worker (waiting for one); what the task returned.

        Cancelled (the job was cancelled, the client went away, the service stops), or its worker
        died: that worker is killed and a fresh one takes its place.
        """
        while True:
            worker = await self._free.get()
            if not worker.retired and worker.proc.is_alive():
                break
            if not worker.retired:
                self._replace(worker)
        worker.waiter = asyncio.get_running_loop().create_future()
        worker.on_message = on_message
        healthy = False
        try:
            await asyncio.to_thread(worker.send, ("task", kind, args))  # megabytes of source: off the loop
            result = await worker.waiter
            healthy = True
            return result
        finally:
            worker.waiter, worker.on_message = None, None
            worker.tasks += 1
            if healthy and not self._closed:
                self._free.put_nowait(worker)
            else:
                self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        if worker.retired:
            return
        worker.retired = True
        self._all.discard(worker)
        self._stop(worker)
        self.replaced += 1
        loop = asyncio.get_running_loop()
        jobs = [asyncio.to_thread(worker.proc.join, 5)]  # reap it
        if not self._closed:
            jobs.append(self._add())
        for coro in jobs:
            task = loop.create_task(coro)
            self._keep.add(task)
            task.add_done_callback(self._keep.discard)

    def _stop(self, worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        with contextlib.suppress(Exception):
            worker.proc.kill()
        with contextlib.suppress(Exception):
            worker.conn.close()

    async def close(self) -> None:
        self._closed = True
        workers = list(self._all)
        self._all.clear()
        for w in workers:
            self._stop(w)
        await asyncio.to_thread(lambda: [w.proc.join(timeout=5) for w in workers])
