"""What a variant's model calls cost: tokens, seconds, retries, validation failures, dollars.

A prompt comparison is mostly answered from the response cache, where a hit costs nothing; so a
hit is charged what its answer cost when it was computed, read back from the call log. Calls
whose computation is not in the log (another cache file, a pruned log) are counted as
`unaccounted`, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ConfigDict, model_validator

from zhenggai.llm.cache import ResponseCache
from zhenggai.llm.registry import is_local
from zhenggai.llm.usage import CallUsage
from zhenggai.vocab.usage import Usage


class CallCost(Usage):
    """The shared usage counters of a variant's calls, plus what only a comparison needs."""

    model_config = ConfigDict(extra="ignore")

    unaccounted: int = 0  # cache hits whose computation the log does not hold
    usd: float | None = None  # None: no price known (a model litellm's table lacks)

    @model_validator(mode="before")
    @classmethod
    def _earlier_names(cls, data: Any) -> Any:
        """Eval files written before the one usage model (baselines are kept for years)."""
        if isinstance(data, dict) and "attempts" in data:
            data = {k: v for k, v in data.items() if k not in ("retries", "attempts", "transient_errors")} | {
                "requests": data["attempts"],
                "transient_retries": data.get("transient_errors", 0),
            }
        return data

    def __add__(self, other: Usage) -> CallCost:
        out = {k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields}
        theirs = other if isinstance(other, CallCost) else CallCost()
        usd = None if self.usd is None or theirs.usd is None else self.usd + theirs.usd
        return CallCost(**out, unaccounted=self.unaccounted + theirs.unaccounted, usd=usd)

    @property
    def resends(self) -> int:
        """Requests beyond the first of each call, for any reason (a fault or an invalid answer)."""
        return max(0, self.requests - (self.calls - self.unaccounted))

    @property
    def per_call(self) -> dict[str, float | None]:
        n = self.calls - self.unaccounted
        if n <= 0:
            return {"seconds": None, "resends": None, "validation_failures": None, "completion_tokens": None}
        return {
            "seconds": self.model_seconds / n,
            "resends": self.resends / n,
            "validation_failures": self.validation_failures / n,
            "completion_tokens": self.completion_tokens / n,
        }


def price_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Dollars from litellm's bundled price table; 0 for the embedded model; None when unknown."""
    if is_local(model):
        return 0.0
    from zhenggai.llm._litellm import litellm  # offline: the bundled price table

    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # litellm raises for models missing from its table
        return None
    return float(prompt_cost + completion_cost)


def account(usages: Iterable[CallUsage], cache: ResponseCache | None, model: str) -> CallCost:
    """Sum the calls of one report: live calls as measured, cache hits as computed."""
    cost = CallCost()
    for u in usages:
        if u.cache_hit:
            c = cache.computed_cost(u.cache_key) if cache is not None and u.cache_key else None
            if c is None:
                cost = cost + CallCost(calls=1, cache_hits=1, unaccounted=1, usd=0.0)
                continue
            cost = cost + c.model_copy(update={"calls": 1, "cache_hits": 1})
        else:
            cost = cost + u.counters()
    cost.model_seconds = round(cost.model_seconds, 3)
    cost.usd = price_usd(model, cost.prompt_tokens, cost.completion_tokens)
    return cost
