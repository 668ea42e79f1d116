"""The pool transport: each request goes to one deployment of a pool, chosen by litellm's Router.

The Router (`litellm.Router`) spreads requests over a group's deployments (weights, rpm/tpm,
max_parallel_requests), re-sends a failed request at once to another healthy deployment, puts a
deployment that keeps failing in cooldown, and falls back to other groups when a whole group
fails. Everything around a request stays with the client: cache, validation, re-asks, the
backoff retries after the pool gave up, usage. Caps are the client's too: `max_tokens` goes with
every request and the wall-time cap bounds the whole pool attempt (retries and fallbacks inside).

Two things the Router does not do on its own, done here:
- a deployment whose `max_parallel_requests` slots are all taken answers with litellm's own 429
  instead of a wait; when every slot of the group is taken the request waits here for one, within
  its wall-time cap (the client admits no more requests than the group's slots, so this is rare:
  only while a deployment cools down);
- Router state (cooldowns, counters, HTTP clients) lives on one event loop: one Router per loop.

Local aliases (`local/...`) still go to the in-process server through the litellm transport.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from typing import Any

from zhenggai.llm.errors import PermanentLLMError
from zhenggai.llm.pool import PoolConfigError, load_pool
from zhenggai.llm.registry import ResolvedModel
from zhenggai.llm.transports.base import Reply, TransportRequest
from zhenggai.llm.transports.litellm import LitellmTransport, classify, response_format
from zhenggai.settings import Settings

_SLOT_WAIT_S = 0.02  # how often a request waiting for a free deployment slot looks again


def _all_slots_taken(exc: BaseException) -> bool:
    """litellm's own 429 of a full deployment (not a provider's 429, which cools the deployment down)."""
    from zhenggai.llm._litellm import litellm

    return isinstance(exc, litellm.RateLimitError) and getattr(exc, "category", None) == "litellm_rate_limit"


class PoolTransport:
    def __init__(self, settings: Settings) -> None:
        if settings.model_pool is None:
            raise PoolConfigError("the pool transport needs a pool file: set ZHENGGAI_MODEL_POOL or pass --pool")
        self.settings = settings
        self.config = load_pool(settings.model_pool)
        self._secrets = self.config.secrets()
        self._model_list = self.config.model_list(self._secrets)
        self._local = LitellmTransport(settings)
        self.slot_waits = 0  # times a request found every slot of its group taken and waited
        self._routers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        variables = sorted({d.key_variable for ds in self.config.models.values() for d in ds if d.key_variable})
        self._auth_hint = f"check the keys of {settings.model_pool} ({', '.join(variables) or 'none set'})"

    def capacity(self, rm: ResolvedModel) -> int | None:
        """Requests the client may have in flight to this model: the sum of its deployments' slots."""
        if rm.local is not None or rm.requested not in self.config.models:
            return None
        return self.config.capacity(rm.requested)

    def _router(self) -> Any:
        loop = asyncio.get_running_loop()
        router = self._routers.get(loop)
        if router is None:
            from zhenggai.llm._litellm import litellm

            opts = self.config.router
            router = litellm.Router(
                model_list=copy.deepcopy(self._model_list),
                routing_strategy=opts.routing_strategy,
                num_retries=opts.num_retries,
                allowed_fails=opts.allowed_fails,
                cooldown_time=opts.cooldown_time,
                retry_after=opts.retry_after,
                fallbacks=[{group: targets} for group, targets in self.config.fallbacks.items()],
            )
            self._routers[loop] = router
        return router

    def _redact(self, text: str) -> str:
        for secret in self._secrets.values():
            if secret.get_secret_value():
                text = text.replace(secret.get_secret_value(), "***")
        return text[:600]

    async def send(self, request: TransportRequest) -> Reply:
        rm = request.rm
        if rm.local is not None:
            return await self._local.send(request)
        if rm.requested not in self.config.models:
            known = ", ".join(sorted(self.config.models))
            raise PermanentLLMError(f"model {rm.requested!r} is not in the pool {self.settings.model_pool} ({known})")
        router = self._router()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + request.timeout
        while True:
            remaining = max(deadline - loop.time(), 0.001)
            try:
                resp = await asyncio.wait_for(
                    router.acompletion(
                        model=rm.requested,
                        messages=request.messages,
                        response_format=response_format(request),
                        timeout=remaining,
                        **request.params,
                    ),
                    timeout=remaining + 1.0,
                )
                break
            except Exception as exc:
                if _all_slots_taken(exc) and deadline - loop.time() > _SLOT_WAIT_S:
                    self.slot_waits += 1
                    await asyncio.sleep(_SLOT_WAIT_S)
                    continue
                # `from None`: the provider's own exception text may quote a key; ours is redacted
                raise classify(exc, rm.requested, request.timeout, self._redact, self._auth_hint) from None
        choice = resp.choices[0]
        u = getattr(resp, "usage", None)
        hidden = getattr(resp, "_hidden_params", None) or {}
        return Reply(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            prompt_tokens=int(getattr(u, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(u, "completion_tokens", 0) or 0),
            deployment=hidden.get("model_id"),
        )
