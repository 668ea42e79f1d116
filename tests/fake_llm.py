"""A scripted OpenAI-compatible HTTP server for tests (a real server, not a mock of our code).

`FakeLLM` listens on an ephemeral 127.0.0.1 port and answers `POST /v1/chat/completions`
(and `/chat/completions`) with the next entry of its script, recording every request it
receives. An exhausted script answers 599 so a test that sends too many requests fails loudly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    """One scripted answer: an assistant `content` (wrapped in a chat.completion body), or a
    raw `body` with a `status` (errors), after an optional `delay`."""

    content: str | None = None
    status: int = 200
    body: dict[str, Any] | None = None
    delay: float = 0.0
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int = 11
    completion_tokens: int = 7


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


def error_body(status: int, message: str, type_: str = "error") -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": status}}


class FakeLLM:
    def __init__(self, script: list[Step] | None = None) -> None:
        self.script: list[Step] = list(script or [])
        # After the script: a rule that answers from the request (a scripted model for long runs).
        self.responder: Callable[[dict[str, Any]], Step] | None = None
        self.requests: list[Received] = []
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                with fake._lock:
                    fake.requests.append(Received(self.path, dict(self.headers), body, time.monotonic()))
                    step = fake.script.pop(0) if fake.script else None
                if step is None and fake.responder is not None:
                    step = fake.responder(body)
                with fake._lock:
                    fake.inflight += 1
                    fake.max_inflight = max(fake.max_inflight, fake.inflight)
                try:
                    self._answer(step, body)
                finally:
                    with fake._lock:
                        fake.inflight -= 1

            def _answer(self, step: Step | None, body: dict[str, Any]) -> None:
                if not self.path.rstrip("/").endswith("chat/completions"):
                    self._send(404, error_body(404, f"no route {self.path}"))
                    return
                if step is None:
                    self._send(599, error_body(599, "fake LLM script exhausted"))
                    return
                if step.delay:
                    time.sleep(step.delay)
                if step.body is not None or step.status != 200:
                    self._send(step.status, step.body or error_body(step.status, "scripted error"), step.headers)
                    return
                self._send(200, completion(step, body.get("model", "fake")), step.headers)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def add(self, *steps: Step) -> None:
        with self._lock:
            self.script.extend(steps)

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def completion(step: Step, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": step.content},
                "finish_reason": step.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": step.prompt_tokens,
            "completion_tokens": step.completion_tokens,
            "total_tokens": step.prompt_tokens + step.completion_tokens,
        },
    }
