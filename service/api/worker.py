"""The job runner: summarizes queued jobs on an event loop of its own, in its own thread.

Why a separate loop: the pipeline does CPU work between model calls (parsing, chunking,
merging, serialising a record) and the LLM client writes its cache synchronously. On the
HTTP loop that would stall every other request; here it only delays other jobs. The HTTP
side talks to the runner through three thread-safe calls: `enqueue`, `cancel`, `wait`.

- One shared `LLMClient` (its own cap on concurrent model calls applies across all jobs).
- At most `api_max_jobs` jobs run at once; the rest wait in the queue, in order.
- Progress (chunks done/total) is written to the store as the pipeline reports it.
- Cancelling a job cancels its task; the store already says `cancelled`. On shutdown the
  tasks are cancelled too but their state is left `running`, so the next start resumes them
  (the response cache makes the re-run cheap) or fails them after `api_max_attempts`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import logging
import threading
from collections.abc import Callable

from zhenggai.api.jobs import JobInput, JobStore
from zhenggai.api.logs import event
from zhenggai.ingest.document import Document, load_bytes, load_text
from zhenggai.ingest.errors import IngestError
from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import LLMError
from zhenggai.llm.registry import is_local
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.settings import Settings
from zhenggai.structure.genre import NotARectificationReport

log = logging.getLogger("zhenggai.api.jobs")


def read_source(
    source_kind: str, source: bytes, *, name: str, media_type: str | None, encoding: str | None
) -> Document:
    """The document of a submission; the same call at intake and when the job runs, so a
    resumed job reads exactly the text that was accepted."""
    if source_kind == "text":
        return load_text(source.decode("utf-8"), name=name, media_type=media_type)
    return load_bytes(source, name=name, media_type=media_type, encoding=encoding, max_bytes=len(source) + 1)


def read_input(inp: JobInput) -> Document:
    return read_source(inp.source_kind, inp.source, name=inp.name, media_type=inp.media_type, encoding=inp.encoding)


class JobRunner:
    def __init__(
        self,
        store: JobStore,
        settings: Settings,
        *,
        client_factory: Callable[[Settings], LLMClient] = LLMClient,
    ) -> None:
        self.store = store
        self.settings = settings
        self._client_factory = client_factory
        self.client: LLMClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._waiters: dict[str, concurrent.futures.Future[None]] = {}
        self._lock = threading.Lock()
        self._background: set[asyncio.Task[object]] = set()
        self._sem: asyncio.Semaphore | None = None
        # Readiness as the runner sees it: still importing the model client; a model that did not load.
        self.starting = True
        self.model_problem: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                self.client = self._client_factory(self.settings)
                self._sem = asyncio.Semaphore(self.settings.api_max_jobs)
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            # litellm takes seconds to import: pay it here, not in the first job (HTTP is up meanwhile).
            with contextlib.suppress(Exception):
                importlib.import_module("zhenggai.llm._litellm")
            self.starting = False
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=main, name="zhenggai-jobs", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        if self.settings.api_warmup and is_local(self.settings.model):
            self.model_problem = "the embedded model is loading"
            self._call(self._warmup)

    def stop(self, timeout: float = 30.0) -> None:
        """Cancel what runs (its state stays `running`, to be resumed), close the client, end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            fut.result(timeout=timeout)
        except (concurrent.futures.TimeoutError, Exception):
            log.warning("job runner did not shut down cleanly within %.0fs", timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    async def _shutdown(self) -> None:
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()
        await asyncio.get_running_loop().shutdown_default_executor()

    def _call(self, fn: Callable[..., object], *args: object) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(fn, *args)

    def _warmup(self) -> None:
        async def load() -> None:
            assert self.client is not None
            try:
                await asyncio.to_thread(self.client.local_server, self.settings.model)
            except Exception as exc:
                self.model_problem = f"the embedded model did not start: {type(exc).__name__}: {exc}"[:500]
                event(log, "model_failed", logging.ERROR, model=self.settings.model, exception=type(exc).__name__)
            else:
                self.model_problem = None

        self._keep(asyncio.get_running_loop().create_task(load()))

    def _keep(self, task: asyncio.Task[object]) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ thread-safe API

    def enqueue(self, job_id: str) -> None:
        """Run a queued job (from any thread)."""
        with self._lock:
            if job_id not in self._waiters:
                self._waiters[job_id] = concurrent.futures.Future()
        self._call(self._spawn, job_id)

    def cancel(self, job_id: str) -> None:
        """Stop a job's task; the caller has already marked it cancelled in the store."""
        self._call(self._cancel_task, job_id)

    async def wait(self, job_id: str, timeout: float) -> None:
        """Wait (on the caller's loop) until the job's task ends or `timeout` passes."""
        with self._lock:
            fut = self._waiters.get(job_id)
        if fut is None or timeout <= 0:
            return
        await asyncio.wait([asyncio.wrap_future(fut)], timeout=timeout)

    def running_ids(self) -> set[str]:
        with self._lock:
            return set(self._waiters)

    # ------------------------------------------------------------------ on the runner's loop

    def _spawn(self, job_id: str) -> None:
        if job_id in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(self._run(job_id), name=f"job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda t: self._ended(job_id))

    def _ended(self, job_id: str) -> None:
        self._tasks.pop(job_id, None)
        with self._lock:
            fut = self._waiters.pop(job_id, None)
        if fut is not None and not fut.done():
            fut.set_result(None)

    def _cancel_task(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            task.cancel()

    def _progress(self, job_id: str, done: int, total: int) -> None:
        self._keep(asyncio.get_running_loop().create_task(asyncio.to_thread(self.store.progress, job_id, done, total)))

    async def _run(self, job_id: str) -> None:
        assert self._sem is not None and self.client is not None
        async with self._sem:
            inp = await asyncio.to_thread(self.store.start, job_id)
            if inp is None:  # cancelled while queued
                return
            event(log, "job_started", job=job_id, attempt=inp.attempt)
            try:
                doc = await asyncio.to_thread(read_input, inp)
                options = PipelineOptions(model=inp.model, judge_version=inp.prompt_version)
                record = await summarize_document(
                    doc, self.client, self.settings, options, progress=lambda d, n: self._progress(job_id, d, n)
                )
                result = record.model_dump_json()
            except NotARectificationReport as exc:  # readable, but not a report: say so, make nothing up
                await self._fail(job_id, exc.reason, str(exc), {"reason": exc.reason}, exc)
            except IngestError as exc:
                await self._fail(job_id, "unreadable", str(exc), {"reason": exc.reason}, exc)
            except LLMError as exc:
                await self._fail(job_id, "model_error", f"{type(exc).__name__}: {exc}"[:1000], None, exc)
            except Exception as exc:  # a bug must cost one job, not the runner
                await self._fail(job_id, "internal", f"{type(exc).__name__}: {exc}"[:1000], None, exc)
            else:
                if await asyncio.to_thread(self.store.finish, job_id, result):
                    event(log, "job_done", job=job_id)

    async def _fail(self, job_id: str, type_: str, message: str, detail: object, exc: BaseException) -> None:
        await asyncio.to_thread(self.store.fail, job_id, type_, message, detail)
        if self.settings.api_log_details:
            log.error("job %s failed (%s): %s", job_id, type_, message, exc_info=exc)
        else:  # messages may quote the document: only the kind of failure by default
            event(log, "job_failed", logging.WARNING, job=job_id, type=type_, exception=type(exc).__name__)
