"""Stored receipts served to Twilio from signed links that expire in minutes, so WhatsApp staff see the image."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.db.types import utcnow
from bot.media_store import FolderStore, MediaStore, media_store

log = logging.getLogger(__name__)

MEDIA_PATH = "/media/{file_id}"
FILE_ID = re.compile(r"^(?P<digest>[0-9a-f]{64})\.(?P<extension>jpg|png|pdf)$")
"""What a link may name: one stored receipt (content hash and extension), nothing else."""
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
MAX_BYTES = {"jpg": 5 * 1024 * 1024, "png": 5 * 1024 * 1024, "pdf": 16 * 1024 * 1024}
"""WhatsApp's limits through Twilio: images up to 5 MB, documents up to 16 MB."""
KEY_FILE = "media-links.key"


def link_secret(settings: Settings) -> bytes:
    """The signing key: the configured secret, else one derived from the Twilio auth token (the same in
    every process of the installation), else a random key generated once under the data folder."""
    if settings.media_url_secret is not None:
        return settings.media_url_secret.get_secret_value().encode()
    if settings.twilio_auth_token is not None and settings.twilio_auth_token.get_secret_value():
        token = settings.twilio_auth_token.get_secret_value().encode()
        return hmac.new(token, b"paybot signed media links v1", hashlib.sha256).digest()
    return _stored_key(settings.data_dir / KEY_FILE)


def _stored_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ValueError(f"{path} holds no usable key: delete it to generate a new one") from None
        return key.encode()
    key = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key.encode()


@dataclass(frozen=True)
class MediaLink:
    """A signed link to one stored receipt: its URL and what Twilio will find there."""

    url: str
    content_type: str

    @property
    def is_document(self) -> bool:
        return self.content_type == "application/pdf"


class MediaLinks:
    """Signs links to stored receipts (HMAC over file id and expiry) and checks them when fetched."""

    def __init__(
        self,
        secret: bytes,
        public_url: str,
        media: Path | MediaStore,
        lifetime: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the media link key must be at least 16 bytes")
        self._secret = secret
        self.public_url = public_url.rstrip("/")
        self.media: MediaStore = FolderStore(media) if isinstance(media, Path) else media
        self.lifetime = lifetime
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], datetime] = utcnow,
                      media: MediaStore | None = None) -> MediaLinks:
        return cls(link_secret(settings), settings.public_url, media or media_store(settings),
                   timedelta(seconds=settings.media_url_seconds), clock)

    def signature(self, file_id: str, expires: int) -> str:
        digest = hmac.new(self._secret, f"{file_id}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def link_for(self, media_path: str | None) -> MediaLink | None:
        """A link Twilio can fetch `media_path` from, or None when WhatsApp cannot carry that file."""
        if not media_path or not self.public_url:
            return None
        file_id = Path(media_path).name
        match = FILE_ID.match(file_id)
        if match is None:
            return None
        extension = match.group("extension")
        size = self.media.size(self.media.reference_for(file_id))
        if size is None or size > MAX_BYTES[extension]:
            return None
        expires = int((self.clock() + self.lifetime).timestamp())
        query = urlencode({"expires": expires, "signature": self.signature(file_id, expires)})
        return MediaLink(f"{self.public_url}/media/{file_id}?{query}", CONTENT_TYPES[extension])

    def file_bytes(self, file_id: str) -> bytes | None:
        """The stored file named `file_id`, None when it is not (or no longer) kept."""
        reference = self.media.reference_for(file_id)
        return self.media.read(reference) if self.media.exists(reference) else None

    def check(self, file_id: str, expires: str, signature: str) -> bool:
        """Whether this link was signed by us for this very file and has not expired."""
        if not expires.isdigit() or len(expires) > 12:
            return False
        expected = self.signature(file_id, int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return False
        return int(expires) >= self.clock().timestamp()


def signed_media_route(links: MediaLinks) -> Route:
    """GET /media/<file id>?expires=...&signature=...: the one receipt the link was signed for."""

    async def serve_receipt(request: Request) -> Response:
        """Serve a stored receipt to whoever holds a valid, unexpired link to it; nothing else."""
        file_id = request.path_params["file_id"]
        match = FILE_ID.match(file_id)
        if match is None:
            return PlainTextResponse("not found", status_code=404)
        expires = request.query_params.get("expires", "")
        signature = request.query_params.get("signature", "")
        if not links.check(file_id, expires, signature):
            log.warning("refused a receipt link: bad or expired signature")
            return PlainTextResponse("forbidden", status_code=403)
        data = await asyncio.to_thread(links.file_bytes, file_id)
        if data is None:
            return PlainTextResponse("not found", status_code=404)
        extension = match.group("extension")
        return Response(
            data,
            media_type=CONTENT_TYPES[extension],
            headers={
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": f'inline; filename="comprobante.{extension}"',
            },
        )

    return Route(MEDIA_PATH, serve_receipt, methods=["GET"], name="signed_media")
