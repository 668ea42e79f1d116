"""Typed errors of the LLM layer, so callers can tell "try later" from "fix your setup".

- `TransientLLMError`: timeouts, connection errors, 429, 5xx. Retried with backoff inside
  the client; raised to the caller only once the retries or the total deadline are used up.
- `PermanentLLMError`: auth, bad request, unknown model, missing local model packages.
  Never retried: retrying cannot help.
- `ValidationExhaustedError`: the model kept answering with output that does not parse or
  does not validate against the response model, after every re-ask.
"""

from __future__ import annotations


class LLMError(Exception):
    """Base of every error raised by `zhenggai.llm`. A failed structured call sets `usage` to
    its `CallUsage`, so what the failure cost is counted with the report that asked."""

    usage: object | None = None


class PermanentLLMError(LLMError):
    """A fault that retrying cannot fix (bad key, bad request, missing model...)."""


class TransientLLMError(LLMError):
    """A fault that may go away on its own (timeout, connection, 429, 5xx)."""


class LLMTimeoutError(TransientLLMError):
    """One call exceeded its wall-time cap, or the total deadline ran out."""


class LocalModelUnavailableError(PermanentLLMError):
    """The embedded model cannot be used: the `local` extra (or part of it) is not installed."""


class ValidationExhaustedError(LLMError):
    """Every attempt produced output that failed parsing/validation.

    `last_error` is the last validation problem (what a human needs to see first),
    `last_text` the raw model output that caused it, `usage` the `CallUsage` of the failed
    call (tokens were spent even though nothing valid came back).
    """

    def __init__(
        self, message: str, *, last_error: str, last_text: str, attempts: int, usage: object | None = None
    ) -> None:
        super().__init__(message)
        self.last_error = last_error
        self.last_text = last_text
        self.attempts = attempts
        self.usage = usage
