"""A `zhenggai worker`'s own health endpoint (`--health-port`): what an orchestrator or an operator
asks of one worker process, on loopback by default.

- `GET /healthz` (liveness): 200 while the queue worker runs, 503 once it stopped; with the
  worker's id and its jobs running and done.
- `GET /readyz`: the same, plus whether the job database answers and the LISTEN connection is up;
  503 while either is down (the worker is reconnecting and takes no new work meanwhile).

Why the standard library's `http.server` and not the FastAPI/uvicorn stack of `serve`: a worker has
no HTTP app and no loop of its own to give one (its loop is the job runner's); two read-only routes
answered from a thread of their own stay up even when that loop is busy, and cost no import time.
The database check is remembered for a second, so polling does not add load.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from zhenggai.queue.worker import WorkerHandle

_PING_TTL_S = 1.0


class Pingable(Protocol):
    worker_id: str

    def ping(self) -> None: ...


@dataclass(frozen=True)
class Probe:
    ok: bool
    message: str


class WorkerHealth:
    """The answers (`report`) and the server that gives them (`start`, `stop`)."""

    def __init__(self, handle: WorkerHandle, store: Pingable) -> None:
        self.handle = handle
        self.store = store
        self._ping: tuple[float, Probe] | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def _database(self) -> Probe:
        with self._lock:
            now = time.monotonic()
            if self._ping is not None and now - self._ping[0] < _PING_TTL_S:
                return self._ping[1]
            try:
                self.store.ping()
                probe = Probe(True, "reachable")
            except Exception as exc:
                probe = Probe(False, f"{type(exc).__name__}: {exc}"[:300])
            self._ping = (now, probe)
            return probe

    def _listen(self) -> Probe:
        events = self.handle.worker.events
        if events is None:
            return Probe(False, "not started yet")
        if events.connected.is_set():
            return Probe(True, f"listening for job notifications ({events.reconnects} reconnects)")
        return Probe(False, "the LISTEN connection is down; reconnecting")

    def report(self, ready: bool) -> tuple[int, dict[str, Any]]:
        worker = self.handle.worker
        alive = self.handle.alive
        body: dict[str, Any] = {
            "status": "ok" if alive else "stopped",
            "worker_id": worker.worker_id,
            "jobs": {"running": len(worker.running), "done": worker.done, "slots": worker.options.slots},
        }
        if not ready:
            return (200 if alive else 503), body
        checks = {"database": self._database(), "listen": self._listen()}
        body["checks"] = {k: {"ok": c.ok, "message": c.message} for k, c in checks.items()}
        good = alive and all(c.ok for c in checks.values())
        body["status"] = "ready" if good else "not_ready"
        return (200 if good else 503), body

    def start(self, host: str, port: int) -> str:
        """Serve on (host, port) from a daemon thread; the URL it answers on."""
        health = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # polled often: no access log
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path not in ("/healthz", "/readyz"):
                    status, body = 404, {"type": "not_found", "message": f"no route {path}", "detail": None}
                else:
                    status, body = health.report(ready=path == "/readyz")
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="worker-health", daemon=True).start()
        bound_host, bound_port = self._server.server_address[:2]
        return f"http://{bound_host}:{bound_port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
