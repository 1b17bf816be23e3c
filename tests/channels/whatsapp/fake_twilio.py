"""A local fake of Twilio's REST API and media hosts on 127.0.0.1, recording every call it receives."""

from __future__ import annotations

import base64
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    method: str
    path: str
    host: str
    username: str | None
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class MediaScript:
    """How the fake answers successive GETs of one media item: `not_ready` 404s, then the content."""

    content: bytes = b""
    content_type: str = "image/jpeg"
    not_ready: int = 0
    redirect_to: str | None = None


class FakeTwilio:
    """Twilio's Messages endpoint and media URLs, with scripted failures, served from a background thread."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls: list[Call] = []
        self.media: dict[str, MediaScript] = {}
        self.message_failures: list[int] = []
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = Starlette(
            routes=[
                Route("/2010-04-01/Accounts/{account}/Messages.json", self._create_message, methods=["POST"]),
                Route("/media/{name}", self._get_media, methods=["GET"]),
            ]
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def media_url(self, name: str, host: str = "127.0.0.1") -> str:
        """The URL Twilio would put in MediaUrlN for media `name`."""
        return f"http://{host}:{self.port}/media/{name}"

    def serve_media(self, name: str, content: bytes, content_type: str = "image/jpeg", not_ready: int = 0) -> str:
        """Serve `content` at media `name` after `not_ready` 404 answers; return its URL."""
        self.media[name] = MediaScript(content, content_type, not_ready)
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

    def calls_to(self, path_prefix: str) -> list[Call]:
        """The calls whose path starts with `path_prefix`."""
        return [call for call in self.calls if call.path.startswith(path_prefix)]

    @property
    def messages(self) -> list[Call]:
        """The Messages.create calls received, in order."""
        return self.calls_to(f"/2010-04-01/Accounts/{self.account_sid}/Messages.json")

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
        if call.username != self.account_sid or request.path_params["account"] != self.account_sid:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        if self.message_failures:
            status = self.message_failures.pop(0)
            return JSONResponse(
                {"code": 20429 if status == 429 else 21211, "message": f"fake {status}", "status": status},
                status_code=status,
            )
        sid = "SM" + uuid.uuid4().hex
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body", ""),
                "num_media": "0",
            },
            status_code=201,
        )

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
        return Response(script.content, media_type=script.content_type)

    def start(self) -> None:
        """Serve on a free port of 127.0.0.1 until `stop`."""
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
                raise RuntimeError("the fake Twilio server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
