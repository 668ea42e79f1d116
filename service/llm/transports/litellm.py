"""The litellm transport: every hosted provider, and the embedded server as `openai/<alias>`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from zhenggai.llm.errors import LLMError, LLMTimeoutError, PermanentLLMError, TransientLLMError
from zhenggai.llm.transports.base import Reply, TransportRequest
from zhenggai.settings import Settings


class LitellmTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, request: TransportRequest) -> Reply:
        from zhenggai.llm._litellm import litellm

        rm = request.rm
        kwargs: dict[str, Any] = {
            "model": rm.litellm_model,
            "messages": request.messages,
            "response_format": response_format(request),
            "timeout": request.timeout,
            "num_retries": 0,  # the client owns retries ...
            "max_retries": 0,  # ... and so the OpenAI SDK must not retry on its own
            **request.params,
        }
        if rm.api_base:
            kwargs["api_base"] = rm.api_base
        if rm.api_key is not None:
            kwargs["api_key"] = rm.api_key.get_secret_value()
        try:
            resp = await asyncio.wait_for(litellm.acompletion(**kwargs), timeout=request.timeout + 1.0)
        except Exception as exc:
            raise self._classify(exc, rm.requested, request.timeout) from exc
        choice = resp.choices[0]
        u = getattr(resp, "usage", None)
        return Reply(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            prompt_tokens=int(getattr(u, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(u, "completion_tokens", 0) or 0),
        )

    def _redact(self, text: str) -> str:
        secret = self.settings.api_key
        if secret is not None and secret.get_secret_value():
            text = text.replace(secret.get_secret_value(), "***")
        return text[:600]

    def _classify(self, exc: BaseException, where: str, timeout: float) -> LLMError:
        return classify(exc, where, timeout, self._redact)


def response_format(request: TransportRequest) -> dict[str, Any]:
    """A strict JSON schema where the model enforces one, JSON mode otherwise."""
    if request.rm.mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True},
        }
    return {"type": "json_object"}


_AUTH_HINT = "check ZHENGGAI_API_KEY or the provider's own key variable (e.g. OPENAI_API_KEY, DEEPSEEK_API_KEY)"


def classify(
    exc: BaseException, where: str, timeout: float, redact: Callable[[str], str], auth_hint: str = _AUTH_HINT
) -> LLMError:
    """Map litellm/openai/httpx exceptions onto transient vs permanent (`redact` cleans their texts)."""
    from zhenggai.llm._litellm import litellm

    if isinstance(exc, LLMError):
        return exc
    name = type(exc).__name__
    msg = redact(str(exc))
    if isinstance(exc, asyncio.TimeoutError | litellm.Timeout):
        return LLMTimeoutError(f"{where}: no answer within {timeout:g}s ({name})")
    if isinstance(exc, litellm.ContextWindowExceededError):
        return PermanentLLMError(f"{where}: the prompt does not fit the context window: {msg}")
    transient = (
        litellm.RateLimitError,
        litellm.APIConnectionError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
    )
    if isinstance(exc, transient):
        return TransientLLMError(f"{where}: {name}: {msg}")
    if isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError):
        return PermanentLLMError(f"{where}: authentication failed ({name}); {auth_hint}: {msg}")
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        if status in (408, 409, 429) or status >= 500:
            return TransientLLMError(f"{where}: HTTP {status} {name}: {msg}")
        return PermanentLLMError(f"{where}: HTTP {status} {name}: {msg}")
    import httpx

    if isinstance(exc, httpx.TransportError | ConnectionError):
        return TransientLLMError(f"{where}: {name}: {msg}")
    return PermanentLLMError(f"{where}: {name}: {msg}")
