"""`zhenggai serve` and `zhenggai worker` as real subprocesses on a shared PostgreSQL store, for the
fault tests and the scale bench (logs go to files: a pipe nobody reads would stop a process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from api_server import KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(tmp: Path, llm_url: str, db: str, name: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ZHENGGAI_MODEL": "openai/fake-model",
        "ZHENGGAI_API_BASE": llm_url,
        "ZHENGGAI_API_KEY": "sk-llm-key",
        "ZHENGGAI_CACHE_DIR": str(tmp / f"cache-{name}"),  # each process its own machine's cache
        "ZHENGGAI_API_KEYS": f"team-a:{KEY}",
        "ZHENGGAI_API_DB": db,
        "ZHENGGAI_CALL_TIMEOUT_S": "30",
        "ZHENGGAI_API_RATE_PER_S": "100000",
        "ZHENGGAI_API_RATE_BURST": "100000",
        "ZHENGGAI_API_MAX_PENDING": "100000",
        **extra,
    }


def launch(tmp: Path, args: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
    log = tmp / f"{name}-{time.time_ns()}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zhenggai.cli", *args], env=env, cwd=tmp, stdout=err, stderr=subprocess.STDOUT
        )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"process exited: {proc.log.read_text(errors='replace')[-2000:]}")  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError("zhenggai serve did not start")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def until(what, timeout: float, message: str):
    """`what()`'s first truthy answer, asked every 0.1 s; TimeoutError with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(0.1)
    raise TimeoutError(message)
