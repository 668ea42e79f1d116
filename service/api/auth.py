"""Bearer keys from settings, and a token-bucket rate limit per key owner.

The buckets live in the process (`TokenBucket`), or, when the job store is PostgreSQL, in its
database (`limits.SharedTokenBucket`), so every API process on one database enforces one limit
per key and one throttle of wrong keys per client address (`rate_buckets`).

A key maps to an owner name (`name:key` in `ZHENGGAI_API_KEYS`, or a hash of a bare key);
the owner, never the key, is what jobs are filed under and what the access log shows.
Keys are compared in constant time, against every configured key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from zhenggai.api.errors import ApiError
from zhenggai.api.limits import SharedTokenBucket
from zhenggai.api.logs import request_context
from zhenggai.pgdb import is_postgres_url

if TYPE_CHECKING:
    from zhenggai.settings import Settings


@dataclass(frozen=True)
class ApiKey:
    owner: str
    secret: bytes


def parse_keys(entries: list[SecretStr]) -> list[ApiKey]:
    keys = []
    for entry in entries:
        raw = entry.get_secret_value().strip()
        name, sep, secret = raw.partition(":")
        if not sep:
            name, secret = "key-" + hashlib.sha256(raw.encode()).hexdigest()[:10], raw
        if not secret:
            raise ValueError("an API key entry has a name but no key")
        keys.append(ApiKey(owner=name.strip(), secret=secret.strip().encode()))
    return keys


class TokenBucket:
    """`rate` requests per second on average, `burst` at once; state per owner, in memory
    (a restart refills every bucket, which errs on the side of the client)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._state: dict[str, tuple[float, float]] = {}  # owner → (tokens, last time)
        self.max_entries = 100_000  # keyed by client address too: many addresses must not grow it forever

    def take(self, owner: str, now: float | None = None) -> float:
        """Take one token; 0 when allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        if owner not in self._state and len(self._state) >= self.max_entries:
            self._state.clear()  # a flood of new addresses: forget, which errs on the side of the clients
        tokens, last = self._state.get(owner, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._state[owner] = (tokens - 1.0, now)
            return 0.0
        self._state[owner] = (tokens, now)
        return (1.0 - tokens) / self.rate


class Bucket(Protocol):
    rate: float
    burst: float

    def take(self, owner: str, now: float | None = None) -> float: ...


WRONG_KEY_RATE_PER_S = 0.2
WRONG_KEY_BURST = 10


def rate_buckets(settings: Settings) -> tuple[Bucket, Bucket]:
    """(requests per key, wrong keys per client address): in the process, or in the job store's
    PostgreSQL database when it has one, each with the in-process bucket as its stand-in."""
    requests = TokenBucket(settings.api_rate_per_s, settings.api_rate_burst)
    failures = TokenBucket(WRONG_KEY_RATE_PER_S, WRONG_KEY_BURST)
    target = str(settings.jobs_db)
    if not is_postgres_url(target):
        return requests, failures
    return (
        SharedTokenBucket(target, requests.rate, settings.api_rate_burst, name="requests", fallback=requests),
        SharedTokenBucket(target, WRONG_KEY_RATE_PER_S, WRONG_KEY_BURST, name="wrong_keys", fallback=failures),
    )


class Authenticator:
    def __init__(self, keys: list[ApiKey], bucket: Bucket, failures: Bucket | None = None) -> None:
        if not keys:
            raise ValueError("no API keys configured: set ZHENGGAI_API_KEYS (e.g. 'teamA:<long random key>')")
        self.keys = keys
        self.bucket = bucket
        # wrong keys per client address: a few mistakes pass, guessing keys does not
        self.failures = failures or TokenBucket(rate=WRONG_KEY_RATE_PER_S, burst=WRONG_KEY_BURST)

    def close(self) -> None:
        """Let go of the shared buckets' database connections (reopened if used again)."""
        for bucket in (self.bucket, self.failures):
            close = getattr(bucket, "close", None)
            if close is not None:
                close()

    def owner_of(self, token: str) -> str | None:
        given = token.encode()
        found = None
        for key in self.keys:  # no early exit: the time taken does not say which key came close
            if hmac.compare_digest(given, key.secret):
                found = key.owner
        return found

    def admit(self, token: str | None, client: str = "") -> str:
        """The owner of a valid key within its rate; raises 401 or 429 otherwise.

        A client address that keeps sending wrong keys is refused (429) before its key is even
        compared, so keys cannot be guessed at the service's speed.
        """
        owner = self.owner_of(token) if token else None
        if owner is None and token:
            wait = self.failures.take(f"client:{client}")
            if wait > 0:
                raise _rate_limited(wait, "too many requests with wrong keys from this address")
        if owner is None:
            why = "missing" if not token else "not valid"
            raise ApiError(
                401,
                "unauthorized",
                f"API key {why}: send 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        wait = self.bucket.take(owner)
        if wait > 0:
            limits = {"rate_per_s": self.bucket.rate, "burst": int(self.bucket.burst)}
            raise _rate_limited(wait, "too many requests for this key", limits)
        return owner


def _rate_limited(wait: float, why: str, detail: dict[str, float | int] | None = None) -> ApiError:
    retry = max(1, math.ceil(wait))
    return ApiError(
        429,
        "rate_limited",
        f"{why}; retry in {retry} s",
        {**(detail or {}), "retry_after_s": retry},
        headers={"Retry-After": str(retry)},
    )


_bearer = HTTPBearer(auto_error=False, description="an API key from the service's settings")


async def require_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """Dependency of every /v1 route: the caller's owner name."""
    auth: Authenticator = request.app.state.service.auth
    client = request.client.host if request.client else ""
    owner = auth.admit(credentials.credentials if credentials else None, client)
    request_context(request.scope)["owner"] = owner
    return owner
