"""Request bodies read under a size cap and query values checked, so hostile requests cost little and never 500."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db.types import MAX_ROW_ID

FORM_OVERHEAD = 64 * 1024
"""Room for a form's other fields (phone, name, text) around the largest accepted file."""


class BodyTooLarge(Exception):
    """The request's body is (or says it is) larger than the cap."""


def declared_length(request: Request) -> int | None:
    """The Content-Length the client declared, None when absent; a malformed one counts as too large."""
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not value.strip().isdigit():
        raise BodyTooLarge(f"malformed Content-Length {value[:40]!r}")
    return int(value)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused as soon as the declared length or the bytes received pass `limit`."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge(f"declared {declared} bytes, more than {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge(f"more than {limit} bytes received")
    return bytes(body)


def row_id(value: str | None, name: str, *, default: int | None = None) -> int:
    """A non-negative row id from a query or path value; anything else is the client's error (400)."""
    if value is None or value == "":
        if default is None:
            raise HTTPException(400, f"{name} is required")
        return default
    text = value.strip()
    if not text.isdigit() or len(text) > 19 or int(text) > MAX_ROW_ID:
        raise HTTPException(400, f"{name} must be a whole number between 0 and {MAX_ROW_ID}")
    return int(text)


class BodySizeLimit:
    """ASGI middleware: no request body may pass `limit` bytes, whether declared or streamed (413)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            declared = declared_length(request)
        except BodyTooLarge:
            declared = self.limit + 1
        if declared is not None and declared > self.limit:
            await _too_large(send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, limited, send)


async def _too_large(send: Send) -> None:
    body = b"request body too large"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
