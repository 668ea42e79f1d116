"""The FastAPI application: `create_app(settings)`.

Lifespan: open the job store, put jobs that were running when the service stopped back in
the queue (or fail them, see `JobStore.recover`), start the job runner with the one shared
LLM client, and hand every queued job to it; on shutdown stop the runner (running jobs stay
`running`, to be resumed by the next start) and close the store.

On a shared store (PostgreSQL) nothing is recovered or handed over at startup: queue workers claim
jobs from the database under leases (`zhenggai.queue.worker`), this process's embedded one unless
`api_worker` is off (`serve --no-worker`), and `?wait=true` listens for the store's NOTIFY.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from zhenggai import __version__
from zhenggai.api.auth import Authenticator, parse_keys, rate_buckets
from zhenggai.api.corpus import router as corpus_router
from zhenggai.api.docs import docs
from zhenggai.api.errors import install_handlers
from zhenggai.api.health import Readiness
from zhenggai.api.intake import prompt_versions
from zhenggai.api.limits import BodyLimitMiddleware
from zhenggai.api.logs import RequestContextMiddleware, event, quiet_client_libraries
from zhenggai.api.models import FILE_SUBMISSION_SCHEMA, TextSubmission
from zhenggai.api.routes import health, router
from zhenggai.api.stores import JobStore, open_store
from zhenggai.api.worker import JobRunner
from zhenggai.llm.client import LLMClient
from zhenggai.pgdb import redact
from zhenggai.queue.listen import JobEvents
from zhenggai.queue.worker import QueueWorker, WorkerHandle, options_from
from zhenggai.settings import Settings

log = logging.getLogger("zhenggai.api")

DESCRIPTION = """Structured, traceable summaries of Chinese inspection-rectification reports
(巡视/巡察整改进展情况的通报).

Submit a report (`POST /v1/summaries`, JSON text or a file upload), then poll the job until it
is `done`; its `result` is the summary record, also rendered as Markdown (`.md`) and CSV (`.csv`).
Every `/v1` call needs `Authorization: Bearer <key>`. Every error has the body
`{"type", "message", "detail"}`; every response carries an `X-Request-ID`.
"""


@dataclass
class Service:
    """What the routes use, one per app. `events` (a shared store's notifications) is set when
    other processes run the jobs: the routes then wait on the database, not on this runner."""

    settings: Settings
    store: JobStore
    runner: JobRunner
    auth: Authenticator
    readiness: Readiness
    events: JobEvents | None = None
    worker: WorkerHandle | None = None  # the embedded queue worker, on a shared store


def _openapi(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """The generated document plus the two submission bodies (one operation takes both), with the
    models and prompt versions this server offers as enums."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            text = TextSubmission.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(text.pop("$defs", {}))
            form = copy.deepcopy(FILE_SUBMISSION_SCHEMA)
            choices = {"model": settings.allowed_models, "prompt_version": prompt_versions()[0]}
            for name, values in choices.items():
                text["properties"][name]["anyOf"][0]["enum"] = values
                form["properties"][name]["enum"] = values
            schemas["TextSubmission"] = text
            schemas["FileSubmission"] = form
            app.openapi_schema = doc
        return app.openapi_schema

    return build


def shared(store: JobStore) -> bool:
    """A store many processes share, its jobs held by leases (PostgreSQL), not by one runner."""
    return hasattr(store, "claim")


def _embedded_worker(store: Any, runner: JobRunner, settings: Settings) -> WorkerHandle:
    worker = QueueWorker(store, runner.execute, store.worker_id, options_from(settings), None)
    return WorkerHandle(worker, runner.submit, str(settings.jobs_db))


def create_app(settings: Settings, *, client_factory: Callable[[Settings], LLMClient] = LLMClient) -> FastAPI:
    """The service for these settings; raises ValueError without API keys."""
    quiet_client_libraries(settings.api_log_details)
    auth = Authenticator(parse_keys(settings.api_keys), *rate_buckets(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await asyncio.to_thread(open_store, settings.jobs_db)
        if shared(store):
            async with serve_shared(app, store) as running:
                yield running
            return
        await asyncio.to_thread(store.claim_runner)
        queued = await asyncio.to_thread(store.recover, settings.api_max_attempts)
        runner = JobRunner(store, settings, client_factory=client_factory)
        await asyncio.to_thread(runner.start)
        app.state.service = Service(settings, store, runner, auth, Readiness())
        for job_id in queued:
            runner.enqueue(job_id)
        event(log, "service_started", model=settings.model, db=str(settings.jobs_db), resumed=len(queued))
        try:
            yield
        finally:
            await asyncio.to_thread(runner.stop)
            await asyncio.to_thread(store.close)
            await asyncio.to_thread(auth.close)
            event(log, "service_stopped")

    @asynccontextmanager
    async def serve_shared(app: FastAPI, store: JobStore) -> AsyncIterator[None]:
        """A shared store: any number of processes; jobs are claimed under leases by workers (this
        process's own embedded one unless `api_worker` is off), waits are woken by NOTIFY."""
        runner = JobRunner(store, settings, client_factory=client_factory)
        await asyncio.to_thread(runner.start)
        events = JobEvents(str(settings.jobs_db))
        listening = asyncio.get_running_loop().create_task(events.run())
        worker = await asyncio.to_thread(_embedded_worker, store, runner, settings) if settings.api_worker else None
        app.state.service = Service(settings, store, runner, auth, Readiness(), events=events, worker=worker)
        event(log, "service_started", model=settings.model, db=redact(str(settings.jobs_db)), worker=worker is not None)
        try:
            yield
        finally:
            if worker is not None:
                await asyncio.to_thread(worker.stop)
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
            await asyncio.to_thread(runner.stop)
            await asyncio.to_thread(store.close)
            await asyncio.to_thread(auth.close)
            event(log, "service_stopped")

    app = FastAPI(
        title="zhenggai",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load Swagger UI / ReDoc from a CDN: ours serves vendored files
        redoc_url=None,
    )
    install_handlers(app)
    app.include_router(health)
    app.include_router(docs)
    app.include_router(router)
    app.include_router(corpus_router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    # outermost: request id, access log and the 500 shape for everything below
    app.add_middleware(RequestContextMiddleware, log_details=settings.api_log_details)
    app.openapi = _openapi(app, settings)  # type: ignore[method-assign]
    return app
