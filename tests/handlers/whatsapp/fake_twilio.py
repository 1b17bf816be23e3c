"""A local fake of Twilio's REST API and media hosts on 127.0.0.1, recording every call it receives; like
Twilio, it downloads the MediaUrl of each message it accepts."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Call:
    """One request the fake received, and the HTTP status it answered."""

    method: str
    path: str
    host: str
    username: str | None
    form: dict[str, str] = field(default_factory=dict)
    answered: int = 0


@dataclass(frozen=True)
class MediaFetch:
    """Twilio fetching a message's MediaUrl: what it asked for and what it got."""

    url: str
    status: int
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Failure:
    """A scripted error answer to one Messages.create."""

    status: int
    code: int
    retry_after: str | None = None


class LoopbackServer:
    """An ASGI app served by uvicorn on a free port of 127.0.0.1, from a background thread."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve until `stop`."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", ws="none", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


@dataclass
class MediaScript:
    """How the fake answers successive GETs of one media item: `not_ready` 404s, then the content."""

    content: bytes = b""
    content_type: str = "image/jpeg"
    not_ready: int = 0
    redirect_to: str | None = None
    delay: float = 0.0
    """Seconds before the answer starts (a host that stalls)."""
    drip: float = 0.0
    """Seconds between the bytes of the content (a host that trickles)."""


async def _dripping(content: bytes, seconds: float) -> AsyncIterator[bytes]:
    for index in range(len(content)):
        yield content[index:index + 1]
        await asyncio.sleep(seconds)


class FakeTwilio:
    """Twilio's Messages endpoint and media URLs, with scripted failures, served from a background thread."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls: list[Call] = []
        self.media: dict[str, MediaScript] = {}
        self.message_failures: list[int | Failure] = []
        self.outage = False
        """While True every Messages.create answers 503, as during a Twilio incident."""
        self.fetches: list[MediaFetch] = []
        self.proxies: dict[str, str] = {}
        """Public base URL -> loopback base URL: how this fake reaches a paybot behind its TLS proxy."""
        self.media_templates: dict[str, str] = {}
        """ContentSid -> the approved template's media URL, e.g. "https://paybot.example.com/{{3}}"."""
        self.app = Starlette(
            routes=[
                Route("/2010-04-01/Accounts/{account}/Messages.json", self._create_message, methods=["POST"]),
                Route("/media/{name}", self._get_media, methods=["GET"]),
            ]
        )

        self._loopback = LoopbackServer(self.app)

    @property
    def port(self) -> int:
        return self._loopback.port

    @property
    def base_url(self) -> str:
        return self._loopback.base_url

    def media_url(self, name: str, host: str = "127.0.0.1") -> str:
        """The URL Twilio would put in MediaUrlN for media `name`."""
        return f"http://{host}:{self.port}/media/{name}"

    def serve_media(self, name: str, content: bytes, content_type: str = "image/jpeg", not_ready: int = 0) -> str:
        """Serve `content` at media `name` after `not_ready` 404 answers; return its URL."""
        self.media[name] = MediaScript(content, content_type, not_ready)
        return self.media_url(name)

    def serve_slowly(self, name: str, content: bytes, *, delay: float = 0.0, drip: float = 0.0) -> str:
        """Serve `content` at media `name` after `delay` seconds, `drip` seconds between bytes; return its URL."""
        self.media[name] = MediaScript(content, "image/png", delay=delay, drip=drip)
        return self.media_url(name)

    def redirect_media(self, name: str, location: str) -> str:
        """Answer media `name` with a redirect to `location`; return its URL."""
        self.media[name] = MediaScript(redirect_to=location)
        return self.media_url(name)

    def reset(self) -> None:
        """Forget calls and scripts between tests."""
        self.calls.clear()
        self.media.clear()
        self.message_failures.clear()
        self.fetches.clear()
        self.proxies.clear()
        self.media_templates.clear()
        self.outage = False

    def calls_to(self, path_prefix: str) -> list[Call]:
        """The calls whose path starts with `path_prefix`."""
        return [call for call in self.calls if call.path.startswith(path_prefix)]

    @property
    def messages(self) -> list[Call]:
        """The Messages.create calls received, in order."""
        return self.calls_to(f"/2010-04-01/Accounts/{self.account_sid}/Messages.json")

    @property
    def accepted(self) -> list[Call]:
        """The Messages.create calls Twilio accepted (201), in order: what recipients get."""
        return [call for call in self.messages if call.answered == 201]

    def _record(self, request: Request, form: dict[str, str] | None = None) -> Call:
        username = None
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            username, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if password != self.auth_token:
                username = f"{username} (wrong password)"
        call = Call(request.method, request.url.path, request.headers.get("host", ""), username, form or {})
        self.calls.append(call)
        return call

    async def _create_message(self, request: Request) -> Response:
        form = {key: value for key, value in (await request.form()).multi_items() if isinstance(value, str)}
        call = self._record(request, form)
        response = await self._answer(request, call, form)
        call.answered = response.status_code
        return response

    async def _answer(self, request: Request, call: Call, form: dict[str, str]) -> Response:
        if call.username != self.account_sid or request.path_params["account"] != self.account_sid:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        if self.outage:
            return JSONResponse({"code": 20500, "message": "Internal Server Error", "status": 503}, status_code=503)
        if self.message_failures:
            scripted = self.message_failures.pop(0)
            failure = scripted if isinstance(scripted, Failure) else Failure(
                scripted, 20429 if scripted == 429 else 21211)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
            return JSONResponse(
                {"code": failure.code, "message": f"fake {failure.status}", "status": failure.status},
                status_code=failure.status, headers=headers,
            )
        for key in sorted(key for key in form if key.startswith("MediaUrl")):
            await self._fetch(form[key])
        if form.get("ContentSid") in self.media_templates:
            url = self.media_templates[form["ContentSid"]]
            for name, value in json.loads(form.get("ContentVariables") or "{}").items():
                url = url.replace("{{" + name + "}}", value)
            await self._fetch(url)
        sid = "SM" + uuid.uuid4().hex
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body", ""),
                "num_media": "1" if "MediaUrl" in form else "0",
            },
            status_code=201,
        )

    async def _fetch(self, url: str) -> None:
        """Download a MediaUrl as Twilio does when it accepts a message (no credentials, no redirects)."""
        target = url
        for public, local in self.proxies.items():
            if url.startswith(public.rstrip("/") + "/"):
                target = local.rstrip("/") + url[len(public.rstrip("/")) :]
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            try:
                got = await client.get(target, timeout=10)
            except httpx.HTTPError:
                self.fetches.append(MediaFetch(url, 0, "", b""))
                return
        self.fetches.append(MediaFetch(url, got.status_code, got.headers.get("content-type", ""), got.content))

    async def _get_media(self, request: Request) -> Response:
        self._record(request)
        script = self.media.get(request.path_params["name"])
        if script is None:
            return Response(status_code=404)
        if script.redirect_to is not None:
            return RedirectResponse(script.redirect_to, status_code=307)
        if script.not_ready > 0:
            script.not_ready -= 1
            return Response(status_code=404)
        await asyncio.sleep(script.delay)
        if script.drip:
            return StreamingResponse(_dripping(script.content, script.drip), media_type=script.content_type)
        return Response(script.content, media_type=script.content_type)

    def start(self) -> None:
        """Serve on a free port of 127.0.0.1 until `stop`."""
        self._loopback.start()

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self._loopback.stop()
