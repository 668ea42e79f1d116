"""The request-body size limit, enforced before a byte too many is read.

A declared `Content-Length` over the limit is answered 413 at once; a chunked body is
counted as it streams and stopped at the limit (the reader gets an `ApiError(413)`, which
FastAPI's body parsing passes through to the error handler).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhenggai.api.errors import ApiError, error_response


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
