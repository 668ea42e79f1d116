"""`zhenggai worker`: a job runner (model client, worker processes) with a queue worker on its
loop, until SIGTERM or Ctrl-C; then the running jobs are released to the queue. With a health
port, its own `/healthz` and `/readyz` too (`health.py`)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from zhenggai.api.app import shared
from zhenggai.api.logs import event
from zhenggai.api.stores import open_store
from zhenggai.api.worker import JobRunner
from zhenggai.pgdb import redact
from zhenggai.queue.health import WorkerHealth
from zhenggai.queue.worker import QueueWorker, WorkerHandle, options_from
from zhenggai.settings import Settings

log = logging.getLogger("zhenggai.queue")


class NotSharedError(ValueError):
    """A worker needs a store many processes share (postgresql://…)."""


def run_worker(settings: Settings, *, console: Any = None, health: tuple[str, int] | None = None) -> None:
    """Run until SIGTERM or Ctrl-C; `health` = (host, port) also serves `/healthz` and `/readyz`."""
    target = str(settings.jobs_db)
    store: Any = open_store(settings.jobs_db)
    if not shared(store):
        store.close()
        raise NotSharedError(
            f"a worker runs the jobs of a shared store: give --db postgresql://… or ZHENGGAI_API_DB (not {target})"
        )
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    runner = JobRunner(store, settings)
    checker: WorkerHealth | None = None
    url = None
    try:
        runner.start()
        options = options_from(settings)
        handle = WorkerHandle(QueueWorker(store, runner.execute, store.worker_id, options, None), runner.submit, target)
        if health is not None:
            checker = WorkerHealth(handle, store)
            url = checker.start(*health)
        event(log, "worker_started", worker=store.worker_id, db=redact(target), slots=options.slots, health=url)
        if console is not None:
            console.print(f"worker {store.worker_id} on {redact(target)}: {options.slots} job(s) at once")
            if url:
                console.print(f"health: {url}/healthz, {url}/readyz")
        while not stop.wait(0.5):
            if not handle.alive:
                log.error("the queue worker stopped")
                break
        handle.stop()
    finally:
        if checker is not None:
            checker.stop()
        runner.stop()
        store.close()
        for s, h in previous.items():
            signal.signal(s, h)
        event(log, "worker_stopped", worker=store.worker_id)
