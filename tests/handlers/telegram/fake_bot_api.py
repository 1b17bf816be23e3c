"""A fake Telegram Bot API on 127.0.0.1 that records every call, so tests see exactly what the bot sent."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:FAKE-TOKEN"
BOT_ID = 123456
DOWNLOAD_LIMIT = 20 * 1024 * 1024

JSON_PARAMS = {"reply_markup", "reply_parameters", "allowed_updates", "entities", "caption_entities"}
INT_PARAMS = {"chat_id", "message_id"}


@dataclass
class Call:
    """One request the bot made: its method, decoded parameters and uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None
    file_names: dict[str, str] = field(default_factory=dict)
    """The name each uploaded file was sent under (what a customer sees as the attachment's name)."""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of the inline keyboard sent with the call, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class _Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


class FakeBotApi:
    """Implements the Bot API methods paybot uses; files are served from `add_file`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, tuple[bytes, int]] = {}
        self.downloads: list[str] = []
        self.migrated: dict[int, int] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._message_ids = itertools.count(1000)
        self.pending_updates: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def me(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Paybot", "username": "paybot_test_bot"}

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:`port` (0: any free port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_file(self, file_id: str, content: bytes, size: int | None = None) -> None:
        """Make a file downloadable; `size` lets a test claim a size bigger than the bytes it stores."""
        self.files[file_id] = (content, len(content) if size is None else size)

    def fail_next(
        self, method: str, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        """The next call of `method` gets this Bot API error instead of its result."""
        self._failures.setdefault(method, []).append(_Failure(status, description, parameters))

    def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group `old_chat_id` became a supergroup: the Bot API now refuses the old id."""
        self.migrated[old_chat_id] = new_chat_id

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def count(self, method: str) -> int:
        return len(self.calls_to(method))

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def sent_to(self, chat_id: int) -> list[Call]:
        """Messages, photos and documents the bot sent to one chat, in order."""
        sending = ("sendMessage", "sendPhoto", "sendDocument")
        return [c for c in self.calls if c.method in sending and c.params.get("chat_id") == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params.get("text") or c.params.get("caption") or "" for c in self.sent_to(chat_id)]

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        call = await _decode(method, request)
        self.calls.append(call)
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            return _error(failure.status, failure.description, failure.parameters)
        chat_id = call.params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.migrated:
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        handler = getattr(self, f"_do_{method}", None)
        if handler is None:
            return _error(400, f"Bad Request: the fake Bot API does not implement {method}")
        result: Any = handler(call)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, web.Response):
            return result
        call.result = result
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        file_id = path.rsplit("/", 1)[-1]
        self.downloads.append(file_id)
        if request.match_info["token"] != TOKEN or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id][0])

    def _message(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = call.params["chat_id"]
        chat_type = "private" if chat_id > 0 else "supergroup"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, "title": "fake"},
            "from": self.me,
            **content,
        }
        markup = call.params.get("reply_markup") or {}
        if markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        return message

    def _do_getMe(self, call: Call) -> dict[str, Any]:
        return self.me

    def _do_sendMessage(self, call: Call) -> dict[str, Any]:
        return self._message(call, text=call.params["text"])

    def _do_sendPhoto(self, call: Call) -> dict[str, Any]:
        photo = {"file_id": "sent-photo", "file_unique_id": "sent-photo", "width": 800, "height": 1200}
        return self._message(call, photo=[photo], **_caption(call))

    def _do_sendDocument(self, call: Call) -> dict[str, Any]:
        document = {"file_id": "sent-doc", "file_unique_id": "sent-doc", "file_name": "receipt.pdf"}
        return self._message(call, document=document, **_caption(call))

    def _do_editMessageText(self, call: Call) -> dict[str, Any]:
        return self._message(call, text=call.params["text"]) | {"message_id": call.params["message_id"]}

    def _do_editMessageReplyMarkup(self, call: Call) -> dict[str, Any]:
        return self._message(call, text="card") | {"message_id": call.params["message_id"]}

    def _do_answerCallbackQuery(self, call: Call) -> bool:
        return True

    def _do_setWebhook(self, call: Call) -> bool:
        return True

    def _do_deleteWebhook(self, call: Call) -> bool:
        return True

    async def _do_getUpdates(self, call: Call) -> list[dict[str, Any]]:
        """Long polling, shortened: hand out what is pending, else wait a moment and say nothing."""
        if not self.pending_updates:
            await asyncio.sleep(0.05)
        handed, self.pending_updates = self.pending_updates, []
        return handed

    def _do_getChat(self, call: Call) -> dict[str, Any]:
        return {
            "id": call.params["chat_id"], "type": "supergroup", "title": "fake",
            "accent_color_id": 0, "max_reaction_count": 11,
        }

    def _do_getFile(self, call: Call) -> dict[str, Any] | web.Response:
        file_id = call.params["file_id"]
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        size = self.files[file_id][1]
        if size > DOWNLOAD_LIMIT:
            return _error(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": size, "file_path": f"f/{file_id}"}


def _caption(call: Call) -> dict[str, Any]:
    caption = call.params.get("caption")
    return {"caption": caption} if caption else {}


async def _decode(method: str, request: web.Request) -> Call:
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = value.file.read()
            names[key] = value.filename
        elif key in JSON_PARAMS:
            params[key] = json.loads(value)
        elif key in INT_PARAMS:
            params[key] = int(value)
        else:
            params[key] = value
    for key, content in files.items():
        for name, attached in list(params.items()):
            if attached == f"attach://{key}":
                params[name] = f"<file {key}>"
                files[name] = content
                names[name] = names[key]
    return Call(method, params, files, file_names=names)


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
