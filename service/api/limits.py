"""Limits: the request-body size, enforced before a byte too many is read; and rate limits shared
by every API process on one PostgreSQL database (`SharedTokenBucket`).

A declared `Content-Length` over the limit is answered 413 at once; a chunked body is
counted as it streams and stopped at the limit (the reader gets an `ApiError(413)`, which
FastAPI's body parsing passes through to the error handler).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhenggai.api.errors import ApiError, error_response

log = logging.getLogger("zhenggai.api")


def too_large(limit: int, size: int | None = None) -> ApiError:
    got = f"{size:,} bytes" if size is not None else "the request body"
    return ApiError(413, "payload_too_large", f"{got} is over the limit of {limit:,} bytes", {"limit_bytes": limit})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    declared = None
        if declared is not None and declared > self.max_bytes:
            err = too_large(self.max_bytes, declared)
            await error_response(err.status_code, err.type, err.message, err.body_detail)(scope, receive, send)
            return
        seen = 0
        limit = self.max_bytes

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit)
            return message

        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except ApiError as err:  # raised by counting_receive outside any handler
            if started or err.status_code != 413:
                raise
            await error_response(err.status_code, err.type, err.message, err.body_detail)(scope, receive, send)


# ---------------------------------------------------------------------- shared rate limits

# One statement per request: refill by the time since the last request (the server's clock),
# take a token if there is one. In ON CONFLICT DO UPDATE, `b` is the stored row and EXCLUDED
# the proposed one, whose `at` is now.
_NOW = "extract(epoch from clock_timestamp())::float8"
_REFILL = "LEAST(%(burst)s, b.tokens + GREATEST(0, EXCLUDED.at - b.at) * %(rate)s)"
_TAKE = f"""
INSERT INTO rate_buckets AS b (key, tokens, at, ok)
VALUES (%(key)s, %(burst)s - 1, {_NOW}, true)
ON CONFLICT (key) DO UPDATE SET
    tokens = {_REFILL} - CASE WHEN {_REFILL} >= 1 THEN 1 ELSE 0 END,
    ok = {_REFILL} >= 1,
    at = EXCLUDED.at
RETURNING ok, tokens
"""
_SWEEP_EVERY = 1000  # takes between deletions of buckets that have been full for a while


class SharedTokenBucket:
    """The token bucket of `auth.TokenBucket` with its state in the job store's PostgreSQL database
    (`rate_buckets`), so every API process on that database enforces one limit per key.

    One atomic upsert per request. While the database cannot be reached the process falls back
    to its own in-memory bucket for a few seconds at a time (the request itself then meets the
    store's 503, so a limit that errs on the side of the client costs nothing)."""

    def __init__(self, url: str, rate: float, burst: int, *, name: str, fallback: Any) -> None:
        from zhenggai.pgdb import libpq_url

        self.url = libpq_url(url)
        self.rate = rate
        self.burst = float(burst)
        self.name = name
        self.fallback = fallback
        self._pool: Any = None
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._takes = 0

    def _connections(self) -> Any:
        with self._lock:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=4,
                    open=False,
                    check=ConnectionPool.check_connection,
                    timeout=1.0,
                    reconnect_timeout=0,
                    kwargs={"autocommit": True},
                    name=f"zhenggai-limits-{self.name}",
                )
                self._pool.open(wait=False)
            return self._pool

    def take(self, owner: str, now: float | None = None) -> float:
        """Take one token; 0 when allowed, else the seconds until one is available. (`now` is
        ignored: the database's clock is the one every process shares.)"""
        import psycopg
        from psycopg_pool import PoolTimeout

        if time.monotonic() < self._down_until:
            return float(self.fallback.take(owner))
        args = {"key": f"{self.name}:{owner}", "rate": self.rate, "burst": self.burst}
        try:
            with self._connections().connection() as conn:
                ok, tokens = conn.execute(_TAKE, args).fetchone()
                self._takes += 1
                if self._takes % _SWEEP_EVERY == 0:
                    idle_s = self.burst / self.rate + 60.0  # a bucket idle this long is full: same as none
                    conn.execute(
                        f"DELETE FROM rate_buckets WHERE key LIKE %s AND at < {_NOW} - %s",
                        (f"{self.name}:%", idle_s),
                    )
        except (psycopg.Error, PoolTimeout) as exc:
            log.warning("shared rate limit unavailable (%s); this process limits on its own", type(exc).__name__)
            self._down_until = time.monotonic() + _FALLBACK_S
            return float(self.fallback.take(owner))
        return 0.0 if ok else (1.0 - tokens) / self.rate

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


_FALLBACK_S = 2.0  # how long the in-process bucket stands in after the database failed once
