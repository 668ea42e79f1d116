"""The structured call: render → (cache) → call → parse + validate → re-ask → cache → usage.

One `LLMClient` per process or pipeline. It owns the response cache, the concurrency limit
(per requested model) and its claim on the shared embedded server. Requests go out through a
transport (`zhenggai.llm.transports`; litellm by default, for every model, local or hosted: a
local alias is just `openai/<name>` at the in-process server's URL).

Two kinds of retry, kept apart on purpose:
- transient faults (timeouts, connection errors, 429, 5xx) are retried by tenacity with
  exponential backoff + jitter, at most `Settings.transient_retries` times and never past
  `Settings.total_deadline_s` (which bounds the whole `structured()` call); a timeout of the
  embedded server is not retried (it is slowness, and the server still works on the request);
- an answer that does not parse or validate is sent back to the model with the validation
  error, at most `Settings.validation_retries` times, then `ValidationExhaustedError`.
Permanent faults (auth, bad request, unknown model) raise `PermanentLLMError` at once.

Every request is capped by `max_tokens` and a wall-time timeout: a small model that loops
ends with `finish_reason=length`, which counts as a validation failure, not a hang.

Usage accounting (`CallUsage`): tokens and latency are what *this* call cost, so a cache hit
reports zero tokens; `transient_retries` counts re-sends after faults, `validation_failures`
re-asks. Every call returns its usage and every `LLMError` it raises carries it (`.usage`), so
a report's usage is the sum of its own calls however many reports share the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import weakref
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from zhenggai.llm.cache import CallRecord, ResponseCache, cache_key
from zhenggai.llm.embedded import LocalServer, acquire_server, release_server
from zhenggai.llm.errors import (
    LLMError,
    LLMTimeoutError,
    PermanentLLMError,
    TransientLLMError,
    ValidationExhaustedError,
)
from zhenggai.llm.prompts import Prompt, load_prompt
from zhenggai.llm.registry import ResolvedModel, is_local, resolve_model
from zhenggai.llm.transports import Transport, TransportRequest, transport_capacity, transport_for
from zhenggai.llm.usage import CallUsage
from zhenggai.settings import Settings
from zhenggai.vocab.usage import Usage

T = TypeVar("T", bound=BaseModel)

_FEEDBACK_TEXT_LIMIT = 4000  # how much of a rejected answer is echoed back to the model


@dataclass(frozen=True)
class CallResult(Generic[T]):
    """A validated answer, its raw text and its usage record."""

    value: T
    usage: CallUsage
    text: str


@dataclass(frozen=True)
class _Request:
    """One request of a structured call, as the retry loop and the sender both need it."""

    rm: ResolvedModel
    messages: list[dict[str, str]]
    params: dict[str, Any]
    schema: dict[str, Any]
    response_model: type[BaseModel]
    usage: CallUsage  # updated in place: requests, tokens, model time
    deadline: float  # perf_counter() value
    key: str  # the cache key, for the call log


@dataclass
class _Reply:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    deployment: str | None = None


def response_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of a response model: every property required, no extra keys
    (what OpenAI's strict mode demands; llama.cpp turns it into a grammar)."""
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(model)


def _schema_name(model: type[BaseModel]) -> str:
    name = "".join(c if c.isalnum() or c in "_-" else "_" for c in model.__name__)
    return name[:64] or "response"


def _format_validation_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors(include_url=False)[:12]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        lines.append(f"{loc}: {err.get('msg')}")
    more = exc.error_count() - len(lines)
    if more > 0:
        lines.append(f"... and {more} more error(s)")
    return "; ".join(lines)


def _strip_fences(text: str) -> str:
    t = text.strip()
    if t.startswith("```"):
        t = t.split("\n", 1)[1] if "\n" in t else ""
        if t.rstrip().endswith("```"):
            t = t.rstrip()[:-3]
    return t.strip()


def parse_reply(text: str, response_model: type[T]) -> T:
    """Parse JSON text into the response model; raises ValidationError (bad JSON included)."""
    return response_model.model_validate_json(_strip_fences(text))


class _SyncRunner:
    """A private event loop on a daemon thread, so the sync wrapper works from anywhere
    (even inside a running loop) and litellm's per-loop HTTP clients stay valid across calls."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="zhenggai-llm-sync", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        async def _cancel_leftovers() -> None:
            # litellm leaves a logging-worker task on every loop it runs on: end it cleanly
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.get_running_loop().shutdown_asyncgens()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_cancel_leftovers(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()


class LLMClient:
    """Structured LLM calls with validation, retries, a persistent cache and a call log."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        cache: ResponseCache | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.transport = transport or transport_for(self.settings)
        self._owns_cache = cache is None
        self.cache = cache or ResponseCache(self.settings.responses_store)
        self._stats_lock = threading.Lock()
        self.stats = Usage()  # lifetime totals, for run summaries and benchmarks; per report: the calls' own usage
        self._servers: dict[str, LocalServer] = {}
        self._servers_lock = threading.Lock()
        self._semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
            weakref.WeakKeyDictionary()
        )
        self._sync: _SyncRunner | None = None
        self._closed = False

    # ------------------------------------------------------------------ public API

    async def structured(
        self,
        prompt: Prompt | str,
        response_model: type[T],
        variables: dict[str, Any] | None = None,
        *,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        cache: bool = True,
        refresh: bool | None = None,
    ) -> CallResult[T]:
        """Ask `model` (default: settings.model) for a `response_model` object.

        `cache=False` bypasses the cache (no read, no write); `refresh=True` skips the read
        but stores the new answer (default: settings.cache_refresh).
        """
        if self._closed:
            raise LLMError("LLMClient is closed")
        started = time.perf_counter()
        deadline = started + self.settings.total_deadline_s
        if isinstance(prompt, str):
            prompt = load_prompt(prompt)
        rm = resolve_model(model, self.settings)
        schema = response_schema(response_model)
        messages = self._render(prompt, schema, variables or {}, rm)
        params = self._sampling(prompt, max_tokens, temperature)
        use_cache = cache and self.settings.cache_enabled
        refresh = self.settings.cache_refresh if refresh is None else refresh
        key = cache_key(
            model=rm.cache_identity(),
            prompt_id=prompt.id,
            prompt_version=prompt.version,
            prompt_hash=prompt.content_hash,
            schema=schema,
            messages=messages,
            params={**params, "mode": rm.mode},
        )
        usage = CallUsage(model=rm.requested, prompt_id=prompt.id, prompt_version=prompt.version, cache_key=key)
        try:
            if use_cache and not refresh:
                hit = self._from_cache(key, response_model, usage, messages, started)
                if hit is not None:
                    return hit
            return await self._ask(prompt, response_model, schema, rm, messages, params, usage, deadline, use_cache)
        except LLMError as exc:
            usage.errors = 1
            if exc.usage is None:
                exc.usage = usage
            raise
        finally:
            usage.latency_s = round(time.perf_counter() - started, 3)
            with self._stats_lock:
                self.stats = self.stats + usage.counters()

    async def _ask(
        self,
        prompt: Prompt,
        response_model: type[T],
        schema: dict[str, Any],
        rm: ResolvedModel,
        messages: list[dict[str, str]],
        params: dict[str, Any],
        usage: CallUsage,
        deadline: float,
        use_cache: bool,
    ) -> CallResult[T]:
        """Send the request, check the answer, re-ask with the validation error until it holds."""
        key = usage.cache_key
        if rm.local is not None:
            server = await asyncio.to_thread(self.local_server, rm.requested)
            rm = resolve_model(rm.requested, self.settings, local_url=server.url)

        convo = list(messages)
        last_error = ""
        last_text = ""
        for _attempt in range(self.settings.validation_retries + 1):
            reply = await self._request_with_retries(
                _Request(rm, convo, params, schema, response_model, usage, deadline, key)
            )
            last_text = reply.text
            error = self._check(reply, params["max_tokens"])
            value: T | None = None
            if error is None:
                try:
                    value = parse_reply(reply.text, response_model)
                except ValidationError as exc:
                    error = _format_validation_error(exc)
            self.cache.log(
                CallRecord(
                    cache_key=key,
                    prompt_id=prompt.id,
                    prompt_version=prompt.version,
                    model=rm.requested,
                    messages=convo,
                    response_text=reply.text,
                    finish_reason=reply.finish_reason,
                    prompt_tokens=reply.prompt_tokens,
                    completion_tokens=reply.completion_tokens,
                    latency_s=reply.seconds,
                    attempt=usage.requests,
                    error=None if error is None else f"validation: {error}",
                    deployment=reply.deployment,
                )
            )
            if value is not None:
                if use_cache:
                    self.cache.put(
                        key,
                        model=rm.requested,
                        prompt_id=prompt.id,
                        prompt_version=prompt.version,
                        response_text=reply.text,
                        prompt_tokens=usage.prompt_tokens,
                        completion_tokens=usage.completion_tokens,
                    )
                return CallResult(value=value, usage=usage, text=reply.text)
            last_error = error or "unknown validation failure"
            usage.validation_failures += 1
            convo = [*convo, *self._feedback(reply, last_error)]

        raise ValidationExhaustedError(
            f"{rm.requested} / {prompt.id}@{prompt.version}: no valid {response_model.__name__} after "
            f"{self.settings.validation_retries + 1} attempt(s); last problem: {last_error}",
            last_error=last_error,
            last_text=last_text,
            attempts=self.settings.validation_retries + 1,
            usage=usage,
        )

    def structured_sync(
        self,
        prompt: Prompt | str,
        response_model: type[T],
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> CallResult[T]:
        """Blocking `structured()` for the CLI; runs on the client's private event loop."""
        return self._run_sync(self.structured(prompt, response_model, variables, **kwargs))

    def render(
        self, prompt: Prompt | str, response_model: type[BaseModel], variables: dict[str, Any], model: str | None = None
    ) -> list[dict[str, str]]:
        """The messages `structured()` would send (so a caller can budget a call before making it)."""
        if isinstance(prompt, str):
            prompt = load_prompt(prompt)
        rm = resolve_model(model, self.settings)
        return self._render(prompt, response_schema(response_model), variables, rm)

    def context_window(self, model: str | None = None) -> int:
        """Tokens a request to `model` may hold: the embedded server's context per slot, a hosted
        model's input limit from litellm's bundled table, else `settings.hosted_context_tokens`."""
        rm = resolve_model(model, self.settings)
        if rm.local is not None:
            return self.settings.local_ctx
        from zhenggai.llm._litellm import litellm

        try:
            limit = litellm.get_model_info(rm.litellm_model).get("max_input_tokens")
        except Exception:  # a model litellm's table lacks
            limit = None
        return int(limit) if limit else self.settings.hosted_context_tokens

    def count_tokens(self, text: str, model: str | None = None) -> int | None:
        """Tokens of `text` under the real tokenizer of a local model (llama.cpp /tokenize);
        None for hosted models, whose tokenizer we do not have."""
        name = model or self.settings.model
        if not is_local(name):
            return None
        return self.local_server(name).tokenize(text)

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        """Release this client's claim on the shared local server (stopped when no client
        holds it any more) and close the cache. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._sync is not None:
            self._sync.close()
            self._sync = None
        with self._servers_lock:
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            release_server(server)
        if self._owns_cache:
            self.cache.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ internals

    def _run_sync(self, aw: Awaitable[Any]) -> Any:
        if self._sync is None:
            self._sync = _SyncRunner()

        async def _wrap() -> Any:
            return await aw

        return self._sync.run(_wrap())

    def local_server(self, alias: str | None = None) -> LocalServer:
        """The running embedded server of a local alias (default: settings.model), started on
        first use and shared with every other client of this process."""
        alias = alias or self.settings.model
        if not is_local(alias):
            raise PermanentLLMError(f"{alias} is not a local model")
        with self._servers_lock:
            server = self._servers.get(alias)
            if server is None:
                server = acquire_server(alias, self.settings)
                self._servers[alias] = server
            elif not server.running:
                server.start()
            return server

    def _semaphore(self, rm: ResolvedModel) -> asyncio.Semaphore:
        """The concurrency limit of the model this request goes to (a hosted default must not let
        a job asking for the local model put more requests on llama.cpp than it has slots); one
        set per event loop (the sync wrapper has its own)."""
        loop = asyncio.get_running_loop()
        per_model = self._semaphores.get(loop)
        if per_model is None:
            per_model = self._semaphores[loop] = {}
        sem = per_model.get(rm.requested)
        if sem is None:
            # A pool states its deployments' slots: that many requests, not the single-endpoint default.
            limit = transport_capacity(self.transport, rm) or self.settings.concurrency
            if rm.local is not None:
                # More requests than llama.cpp has slots only queue inside the server, where the
                # wall-time cap of each call would count the waiting.
                limit = min(limit, self.settings.local_parallel)
            sem = per_model[rm.requested] = asyncio.Semaphore(limit)
        return sem

    def _render(
        self, prompt: Prompt, schema: dict[str, Any], variables: dict[str, Any], rm: ResolvedModel
    ) -> list[dict[str, str]]:
        schema_text = json.dumps(schema, ensure_ascii=False, indent=1)
        messages = prompt.render(**{"response_schema": schema_text, **variables})
        if rm.mode == "json_object":
            instruction = (
                "Reply with one JSON object only (no prose, no code fences). "
                f"It must conform to this JSON schema:\n{json.dumps(schema, ensure_ascii=False)}"
            )
            if messages[0]["role"] == "system":
                messages[0] = {"role": "system", "content": f"{messages[0]['content']}\n\n{instruction}"}
            else:
                messages.insert(0, {"role": "system", "content": instruction})
        return messages

    def _sampling(self, prompt: Prompt, max_tokens: int | None, temperature: float | None) -> dict[str, Any]:
        p = prompt.params
        params: dict[str, Any] = {
            "max_tokens": max_tokens or p.max_tokens or self.settings.max_output_tokens,
            "temperature": temperature
            if temperature is not None
            else (p.temperature if p.temperature is not None else self.settings.temperature),
        }
        if p.top_p is not None:
            params["top_p"] = p.top_p
        if p.seed is not None:
            params["seed"] = p.seed
        return params

    def _from_cache(
        self,
        key: str,
        response_model: type[T],
        usage: CallUsage,
        messages: list[dict[str, str]],
        started: float,
    ) -> CallResult[T] | None:
        cached = self.cache.get(key)
        if cached is None:
            return None
        try:
            value = parse_reply(cached.response_text, response_model)
        except ValidationError:  # the model class changed under an identical schema: drop it
            self.cache.delete(key)
            return None
        usage.cache_hits = 1
        usage.latency_s = time.perf_counter() - started
        self.cache.log(
            CallRecord(
                cache_key=key,
                prompt_id=usage.prompt_id,
                prompt_version=usage.prompt_version,
                model=usage.model,
                messages=messages,
                response_text=cached.response_text,
                latency_s=usage.latency_s,
                cache_hit=True,
            )
        )
        return CallResult(value=value, usage=usage, text=cached.response_text)

    @staticmethod
    def _check(reply: _Reply, max_tokens: int) -> str | None:
        if reply.finish_reason == "length":
            return (
                f"the answer was cut off at max_tokens={max_tokens} (finish_reason=length) before the JSON "
                "was complete; the model may be repeating itself, or the limit is too small"
            )
        if not reply.text.strip():
            return "the answer was empty"
        return None

    @staticmethod
    def _feedback(reply: _Reply, error: str) -> list[dict[str, str]]:
        if reply.finish_reason == "length":
            return [
                {
                    "role": "user",
                    "content": f"Your previous answer was rejected: {error}. "
                    "Answer again with a shorter JSON object: do not repeat items.",
                }
            ]
        return [
            {"role": "assistant", "content": reply.text[:_FEEDBACK_TEXT_LIMIT]},
            {
                "role": "user",
                "content": f"Your previous answer was rejected by the validator: {error}\n"
                "Reply again with only the corrected JSON object.",
            },
        ]

    async def _request_with_retries(self, req: _Request) -> _Reply:
        s = self.settings
        rm, usage = req.rm, req.usage
        remaining = max(req.deadline - time.perf_counter(), 0.0)

        # The in-process server timing out means the machine is too slow for this call, not a
        # network glitch; re-sending would only queue the same work behind the abandoned request.
        local_timeout: tuple[type[BaseException], ...] = (LLMTimeoutError,) if rm.local is not None else ()

        def _before_sleep(state: RetryCallState) -> None:
            usage.transient_retries += 1

        retrying = AsyncRetrying(
            stop=stop_after_attempt(s.transient_retries + 1) | stop_before_delay(remaining),
            wait=wait_exponential_jitter(
                multiplier=s.retry_backoff_s, max=s.retry_backoff_max_s, jitter=s.retry_backoff_s
            ),
            retry=retry_if_exception_type(TransientLLMError) & retry_if_not_exception_type(local_timeout),
            before_sleep=_before_sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._request_once(req)
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self, params: dict[str, Any]) -> float:
        """A call's wall-time cap grows with the tokens it asks for: a slow machine writes each token
        slower, and a fixed cap would fail exactly the biggest calls first."""
        return self.settings.call_timeout_s + self.settings.call_timeout_per_token_s * int(params["max_tokens"])

    async def _request_once(self, req: _Request) -> _Reply:
        rm, messages, usage = req.rm, req.messages, req.usage
        remaining = req.deadline - time.perf_counter()
        if remaining <= 0:
            raise LLMTimeoutError(f"{rm.requested}: total deadline of {self.settings.total_deadline_s:g}s exceeded")
        timeout = min(self._timeout(req.params), remaining)
        request = TransportRequest(
            rm=rm,
            messages=messages,
            params=req.params,
            schema_name=_schema_name(req.response_model),
            schema=req.schema,
            timeout=timeout,
        )
        usage.requests += 1
        t0 = time.perf_counter()
        try:
            async with self._semaphore(rm):
                t0 = time.perf_counter()
                reply = await self.transport.send(request)
        except LLMError as err:
            seconds = time.perf_counter() - t0
            usage.model_seconds += seconds
            self.cache.log(
                CallRecord(
                    cache_key=req.key,
                    prompt_id=usage.prompt_id,
                    prompt_version=usage.prompt_version,
                    model=rm.requested,
                    messages=messages,
                    latency_s=seconds,
                    attempt=usage.requests,
                    error=f"{type(err).__name__}: {err}",
                )
            )
            raise
        seconds = time.perf_counter() - t0
        usage.model_seconds += seconds
        usage.prompt_tokens += reply.prompt_tokens
        usage.completion_tokens += reply.completion_tokens
        if reply.deployment is not None:
            usage.deployment = reply.deployment
        return _Reply(
            reply.text, reply.finish_reason, reply.prompt_tokens, reply.completion_tokens, seconds, reply.deployment
        )
