"""The job runner: summarizes queued jobs on an event loop of its own, in its own thread, with
the CPU work of every job in a worker process (`procs.py`).

Why a separate loop: the LLM client writes its cache synchronously and the model calls of all
jobs are served here; on the HTTP loop that would stall every other request. Why worker
processes: the pipeline's CPU work (reading, parsing, chunking, merging, serialising a record)
holds the interpreter lock, which a thread does not escape; in a worker it delays nothing else.
A job's pipeline runs in its worker and asks its model calls of this loop over the worker's pipe.
The HTTP side talks to the runner through thread-safe calls: `enqueue`, `cancel`, `wait`, `read`.

- One shared `LLMClient` (its own cap on concurrent model calls applies across all jobs).
- At most `api_max_jobs` jobs run at once; the rest wait in the queue, in order.
- Progress (chunks done/total) is written to the store as the pipeline reports it.
- Cancelling a job cancels its task: its model calls are cancelled, its worker is killed and
  replaced; the store already says `cancelled`. On shutdown the tasks are cancelled too but
  their state is left `running`, so the next start resumes them (the response cache makes the
  re-run cheap) or fails them after `api_max_attempts`.
- A store that refuses a write (disk full, read-only): a job that cannot start stays queued and
  is tried again; a job whose result cannot be stored is failed with the reason, and that
  outcome is written as soon as the store takes writes again, never left `running`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import importlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from zhenggai.api.jobs import JobInput, StorageError
from zhenggai.api.logs import event
from zhenggai.api.procs import WorkerDied, WorkerPool
from zhenggai.api.remote import Outcome, RemoteFailure, ShippedModel, ShippedPrompt, read_submission_text
from zhenggai.api.stores import JobStore
from zhenggai.llm.client import LLMClient
from zhenggai.llm.errors import TransientLLMError
from zhenggai.llm.registry import is_local, structured_mode
from zhenggai.pipeline import PipelineOptions
from zhenggai.settings import Settings

log = logging.getLogger("zhenggai.api.jobs")

_STORE_RETRY_S = 2.0  # how soon a job store that refused a write is tried again

_FINISH_PATIENCE_S = 30.0  # how long a leased job's result is offered to a store that refuses it

T = TypeVar("T")


class CallTally:
    """A job's model calls: answered, and the failures. The pipeline keeps the parser's reading
    when a call fails (a `chunk_failed` warning), which is right when some calls failed; when every
    call failed for a reason that may pass (the endpoint down, timeouts), the record holds no model
    judgement at all, so the job is a transient failure instead (`outcome`): a queue worker retries
    it with backoff, and its last attempt fails with this reason."""

    def __init__(self) -> None:
        self.answered = 0
        self.failures: list[BaseException] = []

    def failed(self, exc: BaseException) -> None:
        self.failures.append(exc)

    def all_transient(self) -> bool:
        transient = all(isinstance(e, TransientLLMError) for e in self.failures)
        return self.answered == 0 and bool(self.failures) and transient

    def outcome(self) -> Outcome:
        last = self.failures[-1]
        message = (
            f"every model call of this job failed ({len(self.failures)} calls; the last: {type(last).__name__}: "
            f"{last}); the model endpoint looks unreachable"
        )
        detail = {"reason": "model_unreachable", "calls_failed": len(self.failures)}
        return Outcome(error="model_error", message=message[:1000], detail=detail, exception=type(last).__name__)


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
        self.pool: WorkerPool | None = None
        self._unsaved: dict[str, tuple[str, str, Any]] = {}  # job → failure the store did not take yet
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
                self.pool = WorkerPool(self.settings.worker_processes)
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            self._keep(loop.create_task(self.pool.start()))
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
        if self.pool is not None:
            await self.pool.close()
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

    async def read(self, args: tuple[Any, ...]) -> tuple[str, Any]:
        """Read a submission in a worker (from the HTTP loop): ("ok", text) or ("error", ApiError fields).
        A request that goes away cancels the read and frees its worker."""
        assert self._loop is not None and self.pool is not None
        if self.pool.alive == 0:  # the workers are still starting: do not hold submissions up for them
            return await asyncio.to_thread(read_submission_text, args)
        fut = asyncio.run_coroutine_threadsafe(self.pool.run("read", args), self._loop)
        return await asyncio.wrap_future(fut)

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

    def _progress(self, job_id: str, done: int, total: int, held: dict[str, Any]) -> None:
        async def write() -> None:
            with contextlib.suppress(StorageError):  # progress is a courtesy; the outcome is what must land
                await asyncio.to_thread(functools.partial(self.store.progress, job_id, done, total, **held))

        self._keep(asyncio.get_running_loop().create_task(write()))

    def _later(self, delay: float, fn: Callable[..., object], *args: object) -> None:
        asyncio.get_running_loop().call_later(delay, fn, *args)

    async def _run(self, job_id: str) -> None:
        assert self._sem is not None
        async with self._sem:
            try:
                inp = await asyncio.to_thread(self.store.start, job_id)
            except StorageError as exc:  # cannot even say it runs: leave it queued, try again soon
                event(log, "job_deferred", logging.WARNING, job=job_id, storage=exc.name)
                self._later(_STORE_RETRY_S, self._spawn, job_id)
                return
            if inp is None:  # cancelled while queued
                return
            await self.execute(job_id, inp)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run a coroutine on the runner's loop (from any thread): a queue worker runs here, so its
        jobs share this runner's model client and worker processes."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def execute(
        self,
        job_id: str,
        inp: JobInput,
        holder: str | None = None,
        keep: Callable[[Outcome], bool] | None = None,
    ) -> Outcome:
        """Run a started job to its end (on the runner's loop) and write its outcome. `holder` is
        the worker id of a leased job (a shared store): only the lease's holder writes it, and a
        result the store refuses is offered again for a while (a database restarting), not lost.
        A failure `keep` says will be retried is returned unwritten."""
        assert self.pool is not None
        event(log, "job_started", job=job_id, attempt=inp.attempt)
        held: dict[str, Any] = {} if holder is None else {"worker_id": holder}
        calls: set[asyncio.Task[None]] = set()
        tally = CallTally()

        def on_message(msg: tuple[Any, ...], reply: Callable[[tuple[Any, ...]], None]) -> None:
            if msg[0] == "progress":
                self._progress(job_id, msg[1], msg[2], held)
            elif msg[0] == "call":
                task = asyncio.get_running_loop().create_task(self._serve_call(msg, reply, tally))
                calls.add(task)
                task.add_done_callback(calls.discard)

        options = PipelineOptions(model=inp.model, judge_version=inp.prompt_version)
        # what litellm's tables say about the model, looked up here where litellm is loaded: the
        # worker renders and budgets prompts with them and never imports litellm (seconds per worker)
        mode, window = await asyncio.to_thread(self._model_facts, inp.model)
        settings = self.settings.model_copy(update={"structured_output": mode})
        args = (
            inp.source_kind,
            inp.source,
            inp.name,
            inp.media_type,
            inp.encoding,
            settings,
            options,
            {inp.model: window},
        )
        try:
            outcome: Outcome = await self.pool.run("job", args, on_message)
        except WorkerDied as exc:
            outcome = Outcome(error="internal", message=str(exc), exception="WorkerDied")
        finally:  # cancelled or not: no model call of this job goes on
            for task in list(calls):
                task.cancel()
        if outcome.result is not None and tally.all_transient():
            outcome = tally.outcome()  # a record built without one answer: the endpoint was down
        if outcome.result is None:
            if keep is None or not keep(outcome):
                await self._fail(job_id, outcome, held)
            return outcome
        patience = asyncio.get_running_loop().time() + (_FINISH_PATIENCE_S if holder is not None else 0.0)
        while True:
            try:
                stored = await asyncio.to_thread(functools.partial(self.store.finish, job_id, outcome.result, **held))
                break
            except StorageError as exc:
                if asyncio.get_running_loop().time() < patience:
                    await asyncio.sleep(_STORE_RETRY_S / 4)
                    continue
                message = f"the result could not be stored ({exc}); submit the report again later"
                failed = Outcome(error=exc.type, message=message, detail={"sqlite": exc.name}, exception="StorageError")
                if keep is None or not keep(failed):
                    await self._fail(job_id, failed, held)
                return failed
        if stored:
            event(log, "job_done", job=job_id)
        return outcome

    def _model_facts(self, model: str) -> tuple[str, int]:
        assert self.client is not None
        return structured_mode(model, self.settings), self.client.context_window(model)

    async def _serve_call(
        self, msg: tuple[Any, ...], reply: Callable[[tuple[Any, ...]], None], tally: CallTally | None = None
    ) -> None:
        """One model call a job's worker asked for, on the shared client."""
        assert self.client is not None
        _, n, shipped_prompt, shipped, variables, kwargs = msg
        try:
            prompt = shipped_prompt.load() if isinstance(shipped_prompt, ShippedPrompt) else shipped_prompt
            response_model = shipped.build() if isinstance(shipped, ShippedModel) else shipped
            res = await self.client.structured(prompt, response_model, variables, **kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if tally is not None:
                tally.failed(exc)
            reply(("reply", n, False, RemoteFailure.of(exc)))
        else:
            if tally is not None:
                tally.answered += 1
            reply(("reply", n, True, (res.value.model_dump_json(), res.usage, res.text)))

    async def _fail(self, job_id: str, outcome: Outcome, held: dict[str, Any]) -> None:
        type_, message = outcome.error or "internal", outcome.message
        try:
            await asyncio.to_thread(functools.partial(self.store.fail, job_id, type_, message, outcome.detail, **held))
        except StorageError as exc:  # the store refuses even this: keep it, write it once it can
            event(log, "job_outcome_unsaved", logging.ERROR, job=job_id, type=type_, storage=exc.name)
            if not self._unsaved:
                self._later(_STORE_RETRY_S, self._retry_unsaved)
            self._unsaved[job_id] = (type_, message, outcome.detail)
        if self.settings.api_log_details:
            log.error("job %s failed (%s): %s", job_id, type_, message)
        else:  # messages may quote the document: only the kind of failure by default
            event(log, "job_failed", logging.WARNING, job=job_id, type=type_, exception=outcome.exception)

    def _retry_unsaved(self) -> None:
        async def retry() -> None:
            for job_id, (type_, message, detail) in list(self._unsaved.items()):
                try:
                    await asyncio.to_thread(self.store.fail, job_id, type_, message, detail)
                except StorageError:
                    continue
                self._unsaved.pop(job_id, None)
                event(log, "job_outcome_saved", job=job_id, type=type_)
            if self._unsaved:
                self._later(_STORE_RETRY_S, self._retry_unsaved)

        self._keep(asyncio.get_running_loop().create_task(retry()))
