"""What one structured call cost: the shared `Usage` counters plus which call it was.

Every call returns its `CallUsage` (a failed one carries it on its `LLMError`), so whoever
runs a report sums the calls of that report and nothing else, however many reports share the
client. The client keeps only lifetime totals (`LLMClient.stats`), never a history.
"""

from __future__ import annotations

from zhenggai.vocab.usage import Usage


class CallUsage(Usage):
    """One call: `calls` is 1; a cache hit has `cache_hits` 1 and costs no tokens or requests
    (what it cost when computed is in the call log, `ResponseCache.computed_cost`)."""

    model: str
    prompt_id: str
    prompt_version: str
    calls: int = 1
    latency_s: float = 0.0  # wall time of the call, queueing for a model slot included
    cache_key: str = ""  # finds the call in the log
    deployment: str | None = None  # the pool deployment that sent the last answer (None: not a pool)

    @property
    def cache_hit(self) -> bool:
        return self.cache_hits > 0

    def counters(self) -> Usage:
        return Usage(**{k: getattr(self, k) for k in Usage.model_fields})
