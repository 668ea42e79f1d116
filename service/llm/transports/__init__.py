"""How a request reaches a model: one registry, one module per transport.

The client owns everything around a request (cache, retries, validation, the concurrency cap
per requested model, usage); a transport only sends one chat request with a response format and
answers with the reply, or raises a classified `LLMError` (transient or permanent). litellm is
the transport today: it speaks to every hosted provider and to the embedded llama.cpp server
alike; `pool` sends each request to one deployment of a pool file through litellm's Router.
Adding one (say a provider's own SDK) is one module with a `Transport` class plus one line in
`TRANSPORTS`; `ZHENGGAI_TRANSPORT` picks it.
"""

from __future__ import annotations

from collections.abc import Callable

from zhenggai.llm.errors import PermanentLLMError
from zhenggai.llm.transports.base import Reply, Transport, TransportRequest, transport_capacity
from zhenggai.llm.transports.litellm import LitellmTransport
from zhenggai.llm.transports.pool import PoolTransport
from zhenggai.settings import Settings

TRANSPORTS: dict[str, Callable[[Settings], Transport]] = {
    "litellm": LitellmTransport,
    "pool": PoolTransport,  # several deployments per model behind litellm's Router (ZHENGGAI_MODEL_POOL)
}


def transport_for(settings: Settings) -> Transport:
    try:
        factory = TRANSPORTS[settings.transport]
    except KeyError:
        raise PermanentLLMError(
            f"unknown transport {settings.transport!r}; known: {', '.join(sorted(TRANSPORTS))}"
        ) from None
    return factory(settings)


__all__ = ["TRANSPORTS", "Reply", "Transport", "TransportRequest", "transport_capacity", "transport_for"]
