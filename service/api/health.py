"""Readiness: can a job submitted now be run? The model is reachable, the stores take writes.

`/healthz` only says the process answers; `/readyz` runs these checks. A hosted model's
endpoint is probed with one short GET (any HTTP answer means it is reachable; whether the key
is good shows in the first job), remembered for a few seconds so polling does not flood it.
The cache check asks the cache store that is configured (`cache_db`: a SQLite file or a
PostgreSQL database). On a shared job store the process is ready only while its LISTEN
connection is up: without it `?wait=true` and cancels would wait for a poll instead of a NOTIFY.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from zhenggai.api.models import Check
from zhenggai.llm.registry import is_local, local_spec
from zhenggai.pgdb import is_postgres_url, libpq_url, redact

if TYPE_CHECKING:
    from zhenggai.api.app import Service
    from zhenggai.queue.listen import JobEvents

_PROBE_TTL_S = 2.0


def _sqlite_writable(path: str) -> None:
    conn = sqlite3.connect(path, timeout=2.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _postgres_writable(url: str) -> None:
    """The cache database answers, takes writes (not a read-only standby) and has its tables."""
    import psycopg  # the `postgres` extra: only a PostgreSQL cache gets here

    with psycopg.connect(libpq_url(url), connect_timeout=2, autocommit=True) as conn:
        if conn.execute("SHOW transaction_read_only").fetchone()[0] != "off":
            raise RuntimeError(f"the cache database at {redact(url)} is read-only")
        conn.execute("SELECT 1 FROM responses LIMIT 0")


def cache_writable(target: Path | str) -> None:
    """Raise unless the configured response cache (a SQLite file or a PostgreSQL URL) takes writes."""
    if isinstance(target, str) and is_postgres_url(target):
        _postgres_writable(target)
    else:
        _sqlite_writable(str(target))


async def _guard(fn: Callable[..., object], *args: object) -> Check:
    try:
        await asyncio.to_thread(fn, *args)
    except Exception as exc:
        return Check(ok=False, message=f"{type(exc).__name__}: {exc}"[:300])
    return Check(ok=True, message="writable")


def listen_check(events: JobEvents) -> Check:
    if events.connected.is_set():
        return Check(ok=True, message=f"listening for job notifications ({events.reconnects} reconnects)")
    return Check(ok=False, message="the LISTEN connection is down; reconnecting")


class Readiness:
    def __init__(self) -> None:
        self._probe: tuple[float, Check] | None = None

    async def checks(self, svc: Service) -> dict[str, Check]:
        s = svc.settings
        out = {
            "jobs_db": await _guard(svc.store.check_writable),
            "cache": (
                await _guard(cache_writable, s.responses_store)
                if s.cache_enabled
                else Check(ok=True, message="response cache disabled")
            ),
            "runner": self._runner(svc),
            "model": await self._model(svc),
        }
        if svc.events is not None:  # a shared store: this process's LISTEN connection
            out["listen"] = listen_check(svc.events)
        return out

    @staticmethod
    def _runner(svc: Service) -> Check:
        if not svc.runner.alive:
            return Check(ok=False, message="the job runner stopped")
        if svc.runner.starting:
            return Check(ok=False, message="the job runner is starting (loading the model client)")
        pool = svc.runner.pool
        if pool is None or pool.alive == 0:
            problem = pool.problem if pool is not None and pool.problem else "no worker process is up yet"
            return Check(ok=False, message=problem)
        return Check(ok=True, message=f"running; {pool.alive} worker processes, {pool.idle} idle")

    async def _model(self, svc: Service) -> Check:
        s = svc.settings
        if is_local(s.model):
            if svc.runner.model_problem:
                return Check(ok=False, message=svc.runner.model_problem)
            if s.api_warmup:
                return Check(ok=True, message=f"{s.model} loaded")
            try:
                from zhenggai.llm.embedded import part_paths

                await asyncio.to_thread(part_paths, local_spec(s.model))
            except Exception as exc:
                return Check(ok=False, message=f"{type(exc).__name__}: {exc}"[:300])
            return Check(ok=True, message=f"{s.model} installed; it loads with the first job")
        if not s.api_base:
            return Check(ok=True, message=f"{s.model}: provider endpoint not probed (no api_base)")
        now = time.monotonic()
        if self._probe is not None and now - self._probe[0] < _PROBE_TTL_S:
            return self._probe[1]
        try:
            async with httpx.AsyncClient(timeout=3.0) as http:
                resp = await http.get(s.api_base)
            check = Check(ok=True, message=f"{s.model}: endpoint answered HTTP {resp.status_code}")
        except httpx.HTTPError as exc:
            check = Check(ok=False, message=f"{s.model}: endpoint not reachable ({type(exc).__name__})")
        self._probe = (now, check)
        return check
