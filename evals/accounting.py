"""What a variant's model calls cost: tokens, seconds, retries, validation failures, dollars.

A prompt comparison is mostly answered from the response cache, where a hit costs nothing; so a
hit is charged what its answer cost when it was computed, read back from the call log. Calls
whose computation is not in the log (another cache file, a pruned log) are counted as
`unaccounted`, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from zhenggai.llm.cache import ComputedCost, ResponseCache
from zhenggai.llm.client import CallUsage
from zhenggai.llm.registry import is_local


class CallCost(BaseModel):
    calls: int = 0
    cache_hits: int = 0
    unaccounted: int = 0  # cache hits whose computation the log does not hold
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    attempts: int = 0  # requests sent, retries included
    retries: int = 0  # attempts beyond the first, for any reason
    validation_failures: int = 0
    transient_errors: int = 0
    usd: float | None = None  # None: no price known (a model litellm's table lacks)

    def __add__(self, other: CallCost) -> CallCost:
        out = {k: getattr(self, k) + getattr(other, k) for k in type(self).model_fields if k != "usd"}
        usd = None if self.usd is None or other.usd is None else self.usd + other.usd
        return CallCost(**out, usd=usd)

    @property
    def per_call(self) -> dict[str, float | None]:
        n = self.calls - self.unaccounted
        if n <= 0:
            return {"seconds": None, "retries": None, "validation_failures": None, "completion_tokens": None}
        return {
            "seconds": self.model_seconds / n,
            "retries": self.retries / n,
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


def _measured(u: CallUsage) -> ComputedCost:
    """A live call's cost in the call log's terms (model time, not latency_s, which includes
    queueing for a model slot)."""
    return ComputedCost(
        prompt_tokens=u.prompt_tokens,
        completion_tokens=u.completion_tokens,
        latency_s=u.model_seconds,
        attempts=u.attempts,
        validation_failures=u.validation_failures,
        transient_errors=u.retries,
    )


def account(usages: Iterable[CallUsage], cache: ResponseCache | None, model: str) -> CallCost:
    """Sum the calls of one report: live calls as measured, cache hits as computed."""
    cost = CallCost()
    for u in usages:
        cost.calls += 1
        if u.cache_hit:
            cost.cache_hits += 1
            c = cache.computed_cost(u.cache_key) if cache is not None and u.cache_key else None
            if c is None:
                cost.unaccounted += 1
                continue
        else:
            c = _measured(u)
        cost.prompt_tokens += c.prompt_tokens
        cost.completion_tokens += c.completion_tokens
        cost.model_seconds += c.latency_s
        cost.attempts += c.attempts
        cost.retries += max(0, c.attempts - 1)
        cost.validation_failures += c.validation_failures
        cost.transient_errors += c.transient_errors
    cost.model_seconds = round(cost.model_seconds, 3)
    cost.usd = price_usd(model, cost.prompt_tokens, cost.completion_tokens)
    return cost
