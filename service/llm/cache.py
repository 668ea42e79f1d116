"""Persistent response cache and call log, one SQLite file (stdlib sqlite3, WAL mode).

- `responses`: validated answers only, keyed by `cache_key()`: a sha256 over model identity,
  prompt id + version + content hash, response schema, rendered messages and sampling
  parameters. Any change to any of them is a miss. WAL + a busy timeout make one file safe
  for several processes (readers never block the writer; writers queue).
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
from typing import Any

from pydantic import BaseModel

from zhenggai.sqlitedb import connect
from zhenggai.vocab.usage import Usage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    prompt_id TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    response_text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    cache_key TEXT,
    prompt_id TEXT,
    prompt_version TEXT,
    model TEXT,
    messages_hash TEXT,
    messages_json TEXT,
    response_text TEXT,
    finish_reason TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    latency_s REAL,
    attempt INTEGER,
    cache_hit INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX IF NOT EXISTS calls_prompt ON calls(prompt_id, prompt_version);
CREATE INDEX IF NOT EXISTS calls_key ON calls(cache_key);
"""


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


class ResponseCache:
    """The SQLite store behind the client: `get`/`put` answers, `log` calls, count hits."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._conn = connect(self.path, _SCHEMA)

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT key, model, response_text, prompt_tokens, completion_tokens, created_at"
                " FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return CachedResponse(
            key=row[0],
            model=row[1],
            response_text=row[2],
            prompt_tokens=row[3],
            completion_tokens=row[4],
            created_at=row[5],
        )

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
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, model, prompt_id, prompt_version, response_text, prompt_tokens, completion_tokens, time.time()),
            )

    def delete(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM responses WHERE key = ?", (key,))

    def log(self, rec: CallRecord) -> None:
        messages_json = canonical_json(rec.messages) if rec.messages is not None else None
        messages_hash = hashlib.sha256(messages_json.encode()).hexdigest() if messages_json else None
        with self._lock:
            self._conn.execute(
                "INSERT INTO calls (ts, cache_key, prompt_id, prompt_version, model, messages_hash, messages_json,"
                " response_text, finish_reason, prompt_tokens, completion_tokens, latency_s, attempt, cache_hit, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    rec.cache_key,
                    rec.prompt_id,
                    rec.prompt_version,
                    rec.model,
                    messages_hash,
                    messages_json,
                    rec.response_text,
                    rec.finish_reason,
                    rec.prompt_tokens,
                    rec.completion_tokens,
                    rec.latency_s,
                    rec.attempt,
                    int(rec.cache_hit),
                    rec.error,
                ),
            )

    def computed_cost(self, key: str) -> Usage | None:
        """What the answer for `key` cost when computed: the requests of the latest episode that ended
        in an answer (None if the log has none)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT prompt_tokens, completion_tokens, latency_s, error FROM calls"
                " WHERE cache_key = ? AND cache_hit = 0 ORDER BY id",
                (key,),
            ).fetchall()
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
        with self._lock:
            return self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
