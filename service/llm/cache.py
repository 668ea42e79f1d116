"""Persistent response cache and call log: one SQLite file by default, or PostgreSQL shared by machines.

Where the two tables live is a store (`cache_sqlite.SqliteCacheStore`, the default file;
`cache_pg.PostgresCacheStore` for a `postgresql://` `ZHENGGAI_CACHE_DB`, so API processes and
workers on several machines reuse each other's answers); keys, records and the cost read-back
are the same whichever store holds them.

- `responses`: validated answers only, keyed by `cache_key()`: a sha256 over model identity,
  prompt id + version + content hash, response schema, rendered messages and sampling
  parameters. Any change to any of them is a miss. Two writers of one key leave one row (the
  last answer; both validated), never an error.
- `calls`: one row per request sent to a model (and per cache hit), in the spirit of
  simonw/llm's logs.db: prompt id/version, model, messages hash and messages, response text,
  tokens, latency, error. Cheap debugging and eval material. API keys never reach this
  module: callers pass messages and texts only, and error texts are redacted by the client.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from zhenggai.vocab.usage import Usage

# A calls row as stores read it back for `computed_cost`: prompt tokens, completion tokens,
# latency, error (in the order the requests were logged).
CostRow = tuple[int | None, int | None, float | None, str | None]


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_json(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def cache_key(
    *,
    model: str,
    prompt_id: str,
    prompt_version: str,
    prompt_hash: str,
    schema: dict[str, Any],
    messages: list[dict[str, Any]],
    params: dict[str, Any],
) -> str:
    """Everything that can change the answer goes into the key."""
    return sha256_json(
        {
            "v": 1,
            "model": model,
            "prompt": [prompt_id, prompt_version, prompt_hash],
            "schema": schema,
            "messages": messages,
            "params": params,
        }
    )


class CachedResponse(BaseModel):
    key: str
    model: str
    response_text: str
    prompt_tokens: int
    completion_tokens: int
    created_at: float

    @classmethod
    def from_row(cls, row: tuple) -> CachedResponse:
        """From `SELECT key, model, response_text, prompt_tokens, completion_tokens, created_at`, either engine."""
        return cls(**dict(zip(cls.model_fields, row, strict=True)))


class CallRecord(BaseModel):
    """One row of the call log."""

    cache_key: str | None = None
    prompt_id: str | None = None
    prompt_version: str | None = None
    model: str | None = None
    messages: list[dict[str, Any]] | None = None
    response_text: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    attempt: int | None = None
    cache_hit: bool = False
    error: str | None = None
    deployment: str | None = None  # which deployment of a model pool answered

    def row(self, ts: float, messages_json: str | None, messages_hash: str | None) -> tuple[Any, ...]:
        """The values of one `calls` row, in the order `insert_call_sql` names them, for either engine."""
        return (
            ts,
            self.cache_key,
            self.prompt_id,
            self.prompt_version,
            self.model,
            messages_hash,
            messages_json,
            self.response_text,
            self.finish_reason,
            self.prompt_tokens,
            self.completion_tokens,
            self.latency_s,
            self.attempt,
            self.cache_hit,
            self.error,
            self.deployment,
        )


_CALL_COLUMNS = (
    "ts, cache_key, prompt_id, prompt_version, model, messages_hash, messages_json, response_text, finish_reason,"
    " prompt_tokens, completion_tokens, latency_s, attempt, cache_hit, error, deployment"
)


def insert_call_sql(placeholder: str) -> str:
    """The INSERT of one `CallRecord.row` in an engine's parameter style (`?` or `%s`)."""
    marks = ", ".join([placeholder] * len(_CALL_COLUMNS.split(",")))
    return f"INSERT INTO calls ({_CALL_COLUMNS}) VALUES ({marks})"


class CacheStore(Protocol):
    """Where the `responses` and `calls` tables live. Every method is safe from any thread."""

    def get(self, key: str) -> CachedResponse | None: ...

    def put(self, response: CachedResponse, prompt_id: str, prompt_version: str) -> None:
        """Insert or replace: two writers of one key leave one row and no error."""
        ...

    def delete(self, key: str) -> None: ...

    def log(self, rec: CallRecord, ts: float, messages_json: str | None, messages_hash: str | None) -> None: ...

    def cost_rows(self, key: str) -> list[CostRow]:
        """The computed (not cache-hit) calls of `key`, oldest first."""
        ...

    def count(self, table: str) -> int: ...

    def close(self) -> None: ...


def open_store(target: Path | str) -> CacheStore:
    """A `postgresql://` URL opens the shared store, anything else names a SQLite file."""
    from zhenggai.pgdb import is_postgres_url

    if isinstance(target, str) and is_postgres_url(target):
        from zhenggai.llm.cache_pg import PostgresCacheStore

        return PostgresCacheStore(target)
    from zhenggai.llm.cache_sqlite import SqliteCacheStore

    return SqliteCacheStore(Path(target))


class ResponseCache:
    """The cache behind the client: `get`/`put` answers, `log` calls, count hits, read back costs."""

    def __init__(self, target: Path | str) -> None:
        """`target`: a SQLite file, or a PostgreSQL URL (`Settings.responses_store`)."""
        self.hits = 0
        self.misses = 0
        self._counts = threading.Lock()
        self.store = open_store(target)

    def get(self, key: str) -> CachedResponse | None:
        found = self.store.get(key)
        with self._counts:
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
        return found

    def put(
        self,
        key: str,
        *,
        model: str,
        prompt_id: str,
        prompt_version: str,
        response_text: str,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        """Store a validated answer (callers must only pass answers that validated)."""
        response = CachedResponse(
            key=key,
            model=model,
            response_text=response_text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            created_at=time.time(),
        )
        self.store.put(response, prompt_id, prompt_version)

    def delete(self, key: str) -> None:
        self.store.delete(key)

    def log(self, rec: CallRecord) -> None:
        messages_json = canonical_json(rec.messages) if rec.messages is not None else None
        messages_hash = hashlib.sha256(messages_json.encode()).hexdigest() if messages_json else None
        self.store.log(rec, time.time(), messages_json, messages_hash)

    def computed_cost(self, key: str) -> Usage | None:
        """What the answer for `key` cost when computed: the requests of the latest episode that ended
        in an answer (None if the log has none)."""
        rows = self.store.cost_rows(key)
        successes = [i for i, r in enumerate(rows) if r[3] is None]
        if not successes:
            return None
        last = successes[-1]
        first = successes[-2] + 1 if len(successes) > 1 else 0
        episode = rows[first : last + 1]
        return Usage(
            prompt_tokens=sum(r[0] or 0 for r in episode),
            completion_tokens=sum(r[1] or 0 for r in episode),
            model_seconds=round(sum(r[2] or 0.0 for r in episode), 3),
            requests=len(episode),
            validation_failures=sum(1 for r in episode if r[3] and r[3].startswith("validation")),
            transient_retries=sum(1 for r in episode if r[3] and not r[3].startswith("validation")),
        )

    def count(self, table: str = "responses") -> int:
        if table not in ("responses", "calls"):
            raise ValueError(table)
        return self.store.count(table)

    def close(self) -> None:
        self.store.close()
