"""Delivers the core's outbox messages to WhatsApp through Twilio's REST API, within WhatsApp's rules."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.config import Settings
from bot.contracts.registry import international_phone
from bot.db.types import utcnow
from bot.handlers.staff_commands import command_for_button
from bot.intake.messages import OutboundMessage, SendError

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
SERVICE_WINDOW = timedelta(hours=24)
MAX_BODY = 1600
"""Twilio refuses a WhatsApp body longer than this; longer texts go out in parts."""
MAX_TEMPLATE_VARIABLE = 1024
"""WhatsApp's limit for one template variable; a longer text keeps its start and its last line."""


def whatsapp_address(recipient: str) -> str:
    """Twilio's WhatsApp address ("whatsapp:+506...") for a number written either way."""
    return f"whatsapp:{international_phone(recipient)}"


class ServiceWindow:
    """When each customer last wrote to us: free-form replies are allowed for 24 hours after that.

    Kept in this process's memory and seeded by every inbound webhook; after a restart a number is
    unknown until it writes again, and an unknown number is answered with the approved template,
    which WhatsApp always delivers.
    """

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._last: dict[str, datetime] = {}
        self._clock = clock

    def seen(self, address: str, at: datetime | None = None) -> None:
        """Record that `address` wrote to us at `at` (default: now)."""
        number = international_phone(address)
        at = at or self._clock()
        if number and (number not in self._last or self._last[number] < at):
            self._last[number] = at

    def is_open(self, address: str) -> bool:
        """Whether a free-form message to `address` is allowed now."""
        last = self._last.get(international_phone(address))
        return last is not None and self._clock() - last < SERVICE_WINDOW


class TokenBucket:
    """An async rate limit: at most `rate` sends per second on average, bursts of `burst`."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._clock = clock
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one send is allowed."""
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


class BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, with https://api.twilio.com swapped for a configured base URL."""

    def __init__(self, api_base: str, timeout: float = 15.0) -> None:
        super().__init__(timeout=timeout)
        self.api_base = api_base.rstrip("/")

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Send the request to the configured base URL instead of Twilio's."""
        if url.startswith(TWILIO_API):
            url = self.api_base + url[len(TWILIO_API) :]
        return super().request(method, url, params, data, headers, auth, timeout, allow_redirects)


def build_rest_client(settings: Settings) -> Client:
    """The twilio library's REST client for our account, talking to `settings.twilio_api_base`."""
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    http_client = BaseUrlHttpClient(settings.twilio_api_base)
    return Client(settings.twilio_account_sid, token, http_client=http_client)


def _split_body(text: str) -> list[str]:
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > MAX_BODY:
        cut = rest.rfind("\n", 0, MAX_BODY)
        if cut <= 0:
            cut = rest.rfind(" ", 0, MAX_BODY)
        if cut <= 0:
            cut = MAX_BODY
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return parts


def with_command_hints(message: OutboundMessage) -> str:
    """The message text plus, for each button, the text command that does the same on WhatsApp."""
    hints = [f"• {hint}  ({button.label})" for button in message.buttons if (hint := command_for_button(button.data))]
    if not hints:
        return message.text
    return "\n".join([message.text, "", "Responda con:", *hints])


def template_variable(text: str) -> str:
    """Text fit for a WhatsApp template variable: one line, at most 1024 characters, last line kept."""
    folded = " ".join(text.split())
    if len(folded) <= MAX_TEMPLATE_VARIABLE:
        return folded
    lines = text.strip().splitlines()
    tail = " ".join(lines[-1].split()) if len(lines) > 1 else ""
    if len(tail) > MAX_TEMPLATE_VARIABLE // 3:
        tail = ""
    head = folded[: MAX_TEMPLATE_VARIABLE - len(tail) - 3].rstrip()
    return f"{head} … {tail}" if tail else f"{head} …"


class WhatsAppSender:
    """The outbox's sender for channel "whatsapp": Twilio Messages.create, rate-limited, window-aware."""

    name = "whatsapp"

    def __init__(
        self,
        settings: Settings,
        window: ServiceWindow,
        *,
        rest: Client | None = None,
        messages_per_second: float = 10.0,
    ) -> None:
        self.settings = settings
        self.window = window
        self.rest = rest or build_rest_client(settings)
        self.bucket = TokenBucket(messages_per_second, burst=max(1, int(messages_per_second)))

    async def send(self, message: OutboundMessage) -> str:
        """Deliver `message`; return the last Twilio message SID, or raise SendError."""
        to = whatsapp_address(message.recipient)
        if to == "whatsapp:":
            raise SendError(f"not a WhatsApp number: {message.recipient!r}", retryable=False)
        media_url = message.media_path if (message.media_path or "").startswith("https://") else None
        if not self.window.is_open(to):
            if not self.settings.twilio_template_sid:
                raise SendError(
                    f"{to} is outside the 24-hour window and PAYBOT_TWILIO_TEMPLATE_SID is not set",
                    retryable=False,
                )
            variables = json.dumps({"1": template_variable(with_command_hints(message))}, ensure_ascii=False)
            return await self._create(to=to, content_sid=self.settings.twilio_template_sid, content_variables=variables)
        sid = ""
        parts = _split_body(with_command_hints(message))
        for index, body in enumerate(parts):
            extra: dict[str, Any] = {"media_url": [media_url]} if media_url and index == 0 else {}
            sid = await self._create(to=to, body=body, **extra)
        return sid

    async def _create(self, **fields: Any) -> str:
        await self.bucket.acquire()
        try:
            created = await asyncio.to_thread(
                self.rest.messages.create, from_=whatsapp_address(self.settings.twilio_whatsapp_from), **fields
            )
        except TwilioRestException as error:
            retryable = error.status == 429 or error.status >= 500
            raise SendError(f"Twilio {error.status} ({error.code}): {error.msg}", retryable) from error
        except (requests.RequestException, TwilioException) as error:
            raise SendError(f"Twilio unreachable: {error}", retryable=True) from error
        return str(created.sid)

    def close(self) -> None:
        """Release the HTTP connections of the REST client."""
        session = getattr(self.rest.http_client, "session", None)
        if session is not None:
            session.close()
