"""The contract of a transport: one request in, one reply out (or a classified error)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from zhenggai.llm.registry import ResolvedModel


@dataclass(frozen=True)
class TransportRequest:
    rm: ResolvedModel
    messages: list[dict[str, str]]
    params: dict[str, Any]  # sampling: max_tokens, temperature, top_p, seed
    schema_name: str
    schema: dict[str, Any]
    timeout: float  # wall-time cap of this request, seconds


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    deployment: str | None = None  # which deployment of a pool answered (None: the only one)


class Transport(Protocol):
    async def send(self, request: TransportRequest) -> Reply:
        """Send once (no retries: the client owns them). Raise `TransientLLMError` for what may
        pass (timeouts, connection, 429, 5xx), `PermanentLLMError` for what cannot."""
        ...


def transport_capacity(transport: object, rm: ResolvedModel) -> int | None:
    """Requests a transport can have in flight to a model, if it knows (a pool: its deployments'
    slots); None leaves the client's own cap (`Settings.concurrency`)."""
    capacity = getattr(transport, "capacity", None)
    return capacity(rm) if callable(capacity) else None
