"""A real uvicorn serving the app on an ephemeral port in a background thread, for API tests
and the load bench; plus settings that point the service at the scripted fake model."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from _paths import EXAMPLES_DIR

from zhenggai.settings import Settings

KEY = "sk-team-a-0123456789abcdef"
OTHER_KEY = "sk-team-b-fedcba9876543210"
AUTH = {"Authorization": f"Bearer {KEY}"}
OTHER_AUTH = {"Authorization": f"Bearer {OTHER_KEY}"}
ERROR_KEYS = {"type", "message", "detail"}  # the one error shape
QINGHE = (EXAMPLES_DIR / "qinghe_county_2023.txt").read_text(encoding="utf-8")


def api_settings(tmp_path: Path, llm_url: str, **overrides: Any) -> Settings:
    """Service settings on the fake model, isolated from `.env` and ZHENGGAI_* variables."""
    values: dict[str, Any] = {
        "model": "openai/fake-model",
        "api_base": llm_url,
        "api_key": "sk-llm-key-should-never-appear",
        "cache_dir": tmp_path / "cache",
        "api_db": tmp_path / "jobs.sqlite",
        "api_keys": f"team-a:{KEY},team-b:{OTHER_KEY}",
        "retry_backoff_s": 0.05,
        "retry_backoff_max_s": 0.2,
        "call_timeout_s": 20.0,
        "call_timeout_per_token_s": 0.0,
        "total_deadline_s": 60.0,
        "api_wait_max_s": 10.0,
        "api_rate_per_s": 1000.0,
        "api_rate_burst": 1000,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class LiveServer:
    """`with LiveServer(app) as srv: httpx.get(srv.url + '/healthz')`."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            lifespan="on",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self, timeout: float = 20.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn exited during startup")
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise TimeoutError("uvicorn did not stop")

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


FINISHED = ("done", "failed", "cancelled")


def wait_for(client: Any, job_id: str, statuses: tuple[str, ...] = FINISHED, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a job until its status is one of `statuses`; its last JSON."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/v1/summaries/{job_id}")
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in statuses:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job['status']} after {timeout}s")
        time.sleep(0.05)


class Gate:
    """A fake-model responder that lets `allow` calls through, then holds every call until `open()`."""

    def __init__(self, responder: Any, allow: int = 0) -> None:
        self.responder = responder
        self.allow = allow
        self.calls = 0
        self.held = threading.Event()  # set once a call is being held
        self._open = threading.Event()
        self._lock = threading.Lock()

    def open(self) -> None:
        self._open.set()

    def __call__(self, body: dict[str, Any]) -> Any:
        with self._lock:
            self.calls += 1
            passes = self.calls <= self.allow
        if not passes:
            self.held.set()
            self._open.wait(timeout=60)
        return self.responder(body)
