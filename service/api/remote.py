"""What runs inside a worker process (see `procs.py`): reading submissions and whole jobs.

A worker holds no model: the pipeline runs here with a `RemoteClient` whose `structured()` sends
the call over the worker's pipe to the service process, where the one shared `LLMClient` (and the
embedded llama.cpp server) answers it. Only small things cross the pipe: a call's prompt and
variables, its answer, progress, and at the end the record as JSON text (never a `Document` or
an outline, whose pickles are many times the input and slow to load).

Messages, worker → service: ("call", n, prompt, response_model, variables, kwargs),
("progress", done, total), ("done", outcome). Service → worker: ("task", kind, args),
("reply", n, ok, payload). The pipe closing means the service is gone: the worker exits.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import queue
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from pydantic import BaseModel, create_model

from zhenggai.api.errors import from_ingest
from zhenggai.ingest.document import Document, load_bytes, load_text
from zhenggai.ingest.errors import IngestError
from zhenggai.llm import errors as llm_errors
from zhenggai.llm.client import CallResult, LLMClient
from zhenggai.llm.errors import LLMError, ValidationExhaustedError
from zhenggai.llm.prompts import Prompt, load_prompt
from zhenggai.llm.usage import CallUsage
from zhenggai.pipeline import PipelineOptions, summarize_document
from zhenggai.settings import Settings
from zhenggai.structure.genre import NotARectificationReport
from zhenggai.vocab.usage import Usage

STORAGE_FULL = ("SQLITE_FULL", "SQLITE_IOERR_WRITE")


@dataclass(frozen=True)
class Outcome:
    """How a job ended in its worker: the record JSON, or why not (`error` = the job's error type)."""

    result: str | None = None
    error: str | None = None
    message: str = ""
    detail: Any = None
    exception: str = ""  # the class name of what was raised, for the log


@dataclass(frozen=True)
class RemoteFailure:
    """An exception of a model call in the service process, in a form that always pickles."""

    kind: str  # class name
    message: str
    llm: bool  # a zhenggai.llm error (the pipeline keeps the chunk's parser reading)
    sqlite: str | None = None  # sqlite3 error name, when the response cache could not write
    attrs: dict[str, Any] | None = None  # ValidationExhaustedError's fields
    usage: Any = None  # the CallUsage a failed call carries (what it cost)

    @classmethod
    def of(cls, exc: BaseException) -> RemoteFailure:
        attrs = None
        if isinstance(exc, ValidationExhaustedError):
            attrs = {"last_error": exc.last_error, "last_text": exc.last_text, "attempts": exc.attempts}
        return cls(
            type(exc).__name__,
            str(exc),
            isinstance(exc, LLMError),
            getattr(exc, "sqlite_errorname", None),
            attrs,
            getattr(exc, "usage", None),
        )

    def rebuild(self) -> Exception:
        if self.llm:
            cls = getattr(llm_errors, self.kind, LLMError)
            if self.attrs is not None and cls is ValidationExhaustedError:
                return ValidationExhaustedError(self.message, **self.attrs, usage=self.usage)
            err = cls(self.message) if isinstance(cls, type) and issubclass(cls, LLMError) else LLMError(self.message)
            err.usage = self.usage
            return err
        return RemoteError(self)


class RemoteError(Exception):
    """A model call failed in the service process with something other than an LLM error."""

    def __init__(self, failure: RemoteFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass(frozen=True)
class ShippedModel:
    """A response model made at run time (`create_model`), which pickle cannot find by name:
    its name, base and fields, to be made again on the other side."""

    name: str
    base: type[BaseModel]
    fields: dict[str, tuple[Any, Any]]

    def build(self) -> type[BaseModel]:
        return create_model(self.name, __base__=self.base, **self.fields)  # type: ignore[call-overload]


@dataclass(frozen=True)
class ShippedPrompt:
    """A prompt by name: both processes load the same versioned files (a rendered `Prompt` holds a
    compiled template, which does not pickle). The hash proves they read the same text."""

    id: str
    version: str
    content_hash: str

    def load(self) -> Prompt:
        prompt = load_prompt(self.id, self.version)
        if prompt.content_hash != self.content_hash:
            raise RuntimeError(f"prompt {self.id}@{self.version} differs between the worker and the service")
        return prompt


def ship_prompt(prompt: Prompt | str) -> ShippedPrompt | str:
    return prompt if isinstance(prompt, str) else ShippedPrompt(prompt.id, prompt.version, prompt.content_hash)


def ship_model(model: type[BaseModel]) -> type[BaseModel] | ShippedModel:
    """The model itself when pickle finds it by name, else its recipe."""
    if getattr(sys.modules.get(model.__module__), model.__qualname__, None) is model:
        return model
    base = model.__base__ if issubclass(model.__base__, BaseModel) else BaseModel
    return ShippedModel(model.__name__, base, {f: (fi.annotation, fi) for f, fi in model.model_fields.items()})


def read_source(
    source_kind: str, source: bytes, *, name: str, media_type: str | None, encoding: str | None
) -> Document:
    """The document of a submission; the same call at intake and when the job runs, so a
    resumed job reads exactly the text that was accepted."""
    if source_kind == "text":
        return load_text(source.decode("utf-8"), name=name, media_type=media_type)
    return load_bytes(source, name=name, media_type=media_type, encoding=encoding, max_bytes=len(source) + 1)


class RemoteClient:
    """The part of `LLMClient` the pipeline uses: `structured` is answered by the service; the
    pure helpers a caller budgets a call with (`render`, `context_window`, which read only the
    settings) are `LLMClient`'s own, run here. Its stats count this job's calls only."""

    render = LLMClient.render
    _render = LLMClient._render

    def __init__(self, send: Any, settings: Settings, windows: dict[str, int]) -> None:
        self.settings = settings
        self.windows = windows  # model → context window, looked up by the service (litellm's tables live there)
        self._send = send
        self._ids = itertools.count()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stats = Usage()

    def context_window(self, model: str | None = None) -> int:
        name = model or self.settings.model
        return self.windows[name] if name in self.windows else LLMClient.context_window(self, model)  # type: ignore[arg-type]

    async def structured(
        self, prompt: Any, response_model: type, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> CallResult[Any]:
        loop = asyncio.get_running_loop()
        self.loop = loop
        n = next(self._ids)
        fut: asyncio.Future[Any] = loop.create_future()
        self._pending[n] = fut
        try:
            self._send(("call", n, ship_prompt(prompt), ship_model(response_model), variables, kwargs))
            ok, payload = await fut
        finally:
            self._pending.pop(n, None)
        if not ok:
            err = payload.rebuild()
            if isinstance(getattr(err, "usage", None), CallUsage):
                self.stats = self.stats + err.usage.counters()
            raise err
        value_json, usage, text = payload  # the value as JSON: the service's class may be a rebuilt one
        res = CallResult(value=response_model.model_validate_json(value_json), usage=usage, text=text)
        self.stats = self.stats + usage.counters()
        return res

    def reply(self, n: int, ok: bool, payload: Any) -> None:
        """From the reader thread: hand an answer to the waiting call."""
        loop = self.loop
        if loop is None:
            return

        def deliver() -> None:
            fut = self._pending.get(n)
            if fut is not None and not fut.done():
                fut.set_result((ok, payload))

        loop.call_soon_threadsafe(deliver)


def _classify(exc: BaseException) -> Outcome:
    name = type(exc).__name__
    if isinstance(exc, NotARectificationReport):  # readable, but not a report: say so, make nothing up
        return Outcome(error=exc.reason, message=str(exc), detail={"reason": exc.reason}, exception=name)
    if isinstance(exc, IngestError):
        return Outcome(error="unreadable", message=str(exc), detail={"reason": exc.reason}, exception=name)
    if isinstance(exc, LLMError):
        return Outcome(error="model_error", message=f"{name}: {exc}"[:1000], exception=name)
    if isinstance(exc, RemoteError):
        f = exc.failure
        if f.sqlite is not None:
            kind = "storage_full" if f.sqlite in STORAGE_FULL else "storage_unavailable"
            message = f"the response cache could not be written ({f.sqlite}: {f.message}); submit again later"
            return Outcome(error=kind, message=message[:1000], detail={"sqlite": f.sqlite}, exception=f.kind)
        return Outcome(error="internal", message=f"{f.kind}: {f.message}"[:1000], exception=f.kind)
    return Outcome(error="internal", message=f"{name}: {exc}"[:1000], exception=name)  # a bug costs one job


def _run_job(args: tuple[Any, ...], send: Any, current: list[RemoteClient]) -> Outcome:
    kind, source, name, media_type, encoding, settings, options, windows = args
    assert isinstance(settings, Settings) and isinstance(options, PipelineOptions)
    client = RemoteClient(send, settings, windows)
    current[:] = [client]

    async def main() -> str:
        client.loop = asyncio.get_running_loop()
        doc = read_source(kind, source, name=name, media_type=media_type, encoding=encoding)
        record = await summarize_document(
            doc,
            client,
            settings,
            options,
            progress=lambda d, n: send(("progress", d, n)),  # type: ignore[arg-type]
        )
        return record.model_dump_json()

    try:
        return Outcome(result=asyncio.run(main()))
    except Exception as exc:
        return _classify(exc)


def read_submission_text(args: tuple[Any, ...]) -> tuple[str, Any]:
    """A submission's document at intake: ("ok", normalised text) or ("error", ApiError fields)."""
    kind, source, name, media_type, encoding = args
    try:
        return "ok", read_source(kind, source, name=name, media_type=media_type, encoding=encoding).text
    except IngestError as exc:
        err = from_ingest(exc)
        return "error", (err.status_code, err.type, err.message, err.body_detail)
    except (UnicodeError, LookupError) as exc:  # an exotic forced codec failing its own way
        return "error", (422, "undecodable", f"cannot decode as {encoding}: {exc}"[:300], {"reason": "decoding"})


def worker_main(conn: Connection) -> None:
    """The worker's life: tasks one at a time, until the pipe closes."""
    lock = threading.Lock()
    tasks: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()
    current: list[RemoteClient] = []

    def send(msg: tuple[Any, ...]) -> None:
        with lock:
            conn.send(msg)

    def reader() -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                os._exit(0)  # the service closed the pipe or is gone: nothing to do the work for
            if msg[0] == "task":
                tasks.put((msg[1], msg[2]))
            elif msg[0] == "reply" and current:
                current[0].reply(msg[1], msg[2], msg[3])

    threading.Thread(target=reader, name="zhenggai-worker-reader", daemon=True).start()
    send(("ready", os.getpid()))
    while True:
        kind, args = tasks.get()
        if kind == "read":
            send(("done", read_submission_text(args)))
        elif kind == "job":
            outcome = _run_job(args, send, current)
            current.clear()
            send(("done", outcome))
        else:
            print(f"zhenggai worker: unknown task {kind!r}", file=sys.stderr)
            send(("done", None))
