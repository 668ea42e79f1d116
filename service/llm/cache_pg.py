"""The shared cache store: the `responses` and `calls` tables on PostgreSQL.

API processes and workers on several machines pointed at one database reuse each other's
answers. The tables are made and evolved by the Alembic migrations beside this module (version
table `zhenggai_cache_version`, so the cache can share a database with the job store or live in
its own). Runtime SQL goes through psycopg 3 and a small connection pool that checks each
connection before lending it, so a restarted server costs one failed statement at most.

The cache is a saving, not a source of truth: when the server cannot be reached, a read is a
miss and a write is dropped, and the model call goes on. One warning per outage (the URL's
password redacted); for `retry_after_s` after a failure the store does not even try, so a batch
does not wait on a connect timeout per call. Two writers of one key: `ON CONFLICT DO UPDATE`, one row, the last answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from zhenggai.llm.cache import CachedResponse, CallRecord, CostRow, insert_call_sql
from zhenggai.pgdb import libpq_url, migrate, redact

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "zhenggai_cache_version"

log = logging.getLogger("zhenggai.llm.cache")
_CONNECT_TIMEOUT_S = 3.0  # longest a statement waits for a connection

T = TypeVar("T")


class PostgresCacheStore:
    def __init__(self, url: str, *, max_connections: int = 4, retry_after_s: float = 5.0) -> None:
        from psycopg_pool import ConnectionPool

        self.url = libpq_url(url)
        self.where = redact(self.url)
        migrate(self.url, MIGRATIONS, VERSION_TABLE)
        self._pool = ConnectionPool(
            self.url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True},
            check=ConnectionPool.check_connection,
            name="zhenggai-cache",
            open=True,
        )
        self.failures = 0  # statements that could not reach the server (reads missed, writes dropped)
        self.retry_after_s = retry_after_s
        self._down_until = 0.0

    def _run(self, what: str, fn: Callable[..., T], default: T) -> T:
        import psycopg
        from psycopg_pool import PoolTimeout

        if time.monotonic() < self._down_until:
            self.failures += 1
            return default
        try:
            with self._pool.connection(timeout=_CONNECT_TIMEOUT_S) as conn:
                result = fn(conn)
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            self.failures += 1
            if self._down_until == 0.0:
                log.warning(
                    "response cache %s unreachable (%s): %s skipped, the model calls go on without the cache",
                    self.where,
                    type(exc).__name__,
                    what,
                )
            self._down_until = time.monotonic() + self.retry_after_s
            return default
        if self._down_until:
            log.warning("response cache %s reachable again", self.where)
            self._down_until = 0.0
        return result

    def get(self, key: str) -> CachedResponse | None:
        def q(conn):
            return conn.execute(
                "SELECT key, model, response_text, prompt_tokens, completion_tokens, created_at"
                " FROM responses WHERE key = %s",
                (key,),
            ).fetchone()

        row = self._run("read", q, None)
        if row is None:
            return None
        return CachedResponse.from_row(row)

    def put(self, response: CachedResponse, prompt_id: str, prompt_version: str) -> None:
        r = response

        def q(conn):
            conn.execute(
                "INSERT INTO responses (key, model, prompt_id, prompt_version, response_text, prompt_tokens,"
                " completion_tokens, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (key) DO UPDATE SET model = EXCLUDED.model, prompt_id = EXCLUDED.prompt_id,"
                " prompt_version = EXCLUDED.prompt_version, response_text = EXCLUDED.response_text,"
                " prompt_tokens = EXCLUDED.prompt_tokens, completion_tokens = EXCLUDED.completion_tokens,"
                " created_at = EXCLUDED.created_at",
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

        self._run("write", q, None)

    def delete(self, key: str) -> None:
        self._run("delete", lambda conn: conn.execute("DELETE FROM responses WHERE key = %s", (key,)), None)

    def log(self, rec: CallRecord, ts: float, messages_json: str | None, messages_hash: str | None) -> None:
        def q(conn):
            conn.execute(
                insert_call_sql("%s"),
                rec.row(ts, messages_json, messages_hash),
            )

        self._run("call log", q, None)

    def cost_rows(self, key: str) -> list[CostRow]:
        def q(conn):
            return conn.execute(
                "SELECT prompt_tokens, completion_tokens, latency_s, error FROM calls"
                " WHERE cache_key = %s AND NOT cache_hit ORDER BY id",
                (key,),
            ).fetchall()

        return self._run("cost read-back", q, [])

    def count(self, table: str) -> int:
        if table not in ("responses", "calls"):
            raise ValueError(table)
        with self._pool.connection(timeout=_CONNECT_TIMEOUT_S) as conn:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def close(self) -> None:
        self._pool.close()
