"""The default cache store: one SQLite file (stdlib sqlite3, WAL mode).

WAL + a busy timeout make one file safe for several processes of one machine (readers never
block the writer; writers queue). A file made before the call log said which deployment
answered gets that column on open.
"""

from __future__ import annotations

import threading
from pathlib import Path

from zhenggai.llm.cache import CachedResponse, CallRecord, CostRow, insert_call_sql
from zhenggai.sqlitedb import connect

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


class SqliteCacheStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = connect(self.path, _SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(calls)")}
        if "deployment" not in columns:
            try:
                self._conn.execute("ALTER TABLE calls ADD COLUMN deployment TEXT")
            except Exception:  # another process added it first
                if "deployment" not in {row[1] for row in self._conn.execute("PRAGMA table_info(calls)")}:
                    raise

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT key, model, response_text, prompt_tokens, completion_tokens, created_at"
                " FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        return CachedResponse.from_row(row)

    def put(self, response: CachedResponse, prompt_id: str, prompt_version: str) -> None:
        r = response
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r.key,
                    r.model,
                    prompt_id,
                    prompt_version,
                    r.response_text,
                    r.prompt_tokens,
                    r.completion_tokens,
                    r.created_at,
                ),
            )

    def delete(self, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM responses WHERE key = ?", (key,))

    def log(self, rec: CallRecord, ts: float, messages_json: str | None, messages_hash: str | None) -> None:
        with self._lock:
            self._conn.execute(
                insert_call_sql("?"),
                rec.row(ts, messages_json, messages_hash),
            )

    def cost_rows(self, key: str) -> list[CostRow]:
        with self._lock:
            return self._conn.execute(
                "SELECT prompt_tokens, completion_tokens, latency_s, error FROM calls"
                " WHERE cache_key = ? AND cache_hit = 0 ORDER BY id",
                (key,),
            ).fetchall()

    def count(self, table: str) -> int:
        with self._lock:
            return self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
