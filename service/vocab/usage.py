"""What model calls cost: one model, summed per call, per report, per run and per client."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import AliasChoices, Field

from zhenggai.vocab.contract import Contract


class Usage(Contract):
    """Counters that add up. `transient_retries` are re-sends after a network or server fault;
    `validation_failures` are answers sent back to the model because they did not validate;
    `requests` counts every request sent, both kinds of re-send included."""

    calls: int = 0
    cache_hits: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    transient_retries: int = Field(default=0, validation_alias=AliasChoices("transient_retries", "retries"))
    validation_failures: int = 0
    errors: int = 0  # calls that ended without a valid answer

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})

    @classmethod
    def total(cls, items: Iterable[Usage]) -> Usage:
        out = cls()
        for u in items:
            out = out + u
        out.model_seconds = round(out.model_seconds, 3)
        return out
