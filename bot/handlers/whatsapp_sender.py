"""Delivers the core's outbox messages to WhatsApp through Twilio's REST API, within WhatsApp's rules."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.config import REMINDER_TEMPLATE_KINDS, Settings, TwilioTemplate
from bot.handlers.staff_commands import command_for_button
from bot.handlers.whatsapp_window import ServiceWindow
from bot.intake.messages import Audience, OutboundMessage, SendError
from bot.vocabulary import StaffMessage
from bot.web.media_links import MediaLink, MediaLinks
from currency.text import international_phone

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
MAX_BODY = 1600
"""Twilio refuses a WhatsApp body longer than this; longer texts go out in parts."""
MAX_CAPTION = 1024
"""WhatsApp shows at most this much text under an image; a longer card follows the image as text."""
MAX_TEMPLATE_VARIABLE = 800
"""A template's text variable: WhatsApp allows 1024 characters for template and variables together,
so this leaves room for the template's own words; a longer text keeps its start and its last line."""
WINDOW_CLOSED = 63016
"""Twilio's error for free text outside the 24-hour window."""
RATE_LIMITED: dict[int, float] = {20429: 5.0, 63017: 5.0, 63018: 60.0, 63038: 3600.0}
"""Twilio's rate-limit errors and how long to wait when the answer carries no Retry-After."""
MAX_RETRY_AFTER = 3600.0


def whatsapp_address(recipient: str) -> str:
    """Twilio's WhatsApp address ("whatsapp:+506...") for a number written either way."""
    return f"whatsapp:{international_phone(recipient) or recipient.removeprefix('whatsapp:')}"


def template_kind(message: OutboundMessage) -> str:
    """Which configured template a message uses outside the window (see PAYBOT_TWILIO_TEMPLATES)."""
    if message.kind in (StaffMessage.SUPPORT_CARD, StaffMessage.ACCOUNTING_CARD):
        return message.kind
    if message.kind in REMINDER_TEMPLATE_KINDS:
        return message.kind
    if message.kind.startswith("reminder"):
        return "reminder"
    return "customer_reply" if message.audience is Audience.CUSTOMER else "staff_note"


def retry_after_seconds(header: str | None) -> float | None:
    """Retry-After as seconds, whether written as a number or as an HTTP date."""
    if not header:
        return None
    header = header.strip()
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class OutsideWindow(SendError):
    """Twilio refused free text because the recipient's 24-hour window is closed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


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
    """Twilio's own HTTP client, with https://api.twilio.com swapped for a configured base URL; it
    remembers, per thread, the Retry-After of the last answer (the twilio library drops headers)."""

    def __init__(self, api_base: str, timeout: float = 15.0) -> None:
        super().__init__(timeout=timeout)
        self.api_base = api_base.rstrip("/")
        self._local = threading.local()

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
        self._local.retry_after = None
        response = super().request(method, url, params, data, headers, auth, timeout, allow_redirects)
        self._local.retry_after = (response.headers or {}).get("Retry-After")
        return response

    def last_retry_after(self) -> str | None:
        """The Retry-After header of this thread's last answer, if it had one."""
        return getattr(self._local, "retry_after", None)


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


def template_variable(text: str, limit: int = MAX_TEMPLATE_VARIABLE) -> str:
    """Text fit for a WhatsApp template variable: one line, at most `limit` characters, last line kept
    (a card's last line is its commands, with the intake number)."""
    folded = " ".join(text.split())
    if len(folded) <= limit:
        return folded
    lines = text.strip().splitlines()
    tail = " ".join(lines[-1].split()) if len(lines) > 1 else ""
    if len(tail) > limit // 3:
        tail = ""
    head = folded[: limit - len(tail) - 3].rstrip()
    return f"{head} … {tail}" if tail else f"{head} …"


def template_variables(spec: TwilioTemplate, message: OutboundMessage, link: MediaLink | None,
                       public_url: str) -> dict[str, str]:
    """The ContentVariables of `spec` for `message`; raise SendError when one cannot be filled."""
    text = with_command_hints(message)
    values: dict[str, str] = {}
    for key, source in spec.variables.items():
        if source == "text":
            values[key] = template_variable(text)
        elif source == "intake_id":
            values[key] = str(message.intake_id) if message.intake_id is not None else "—"
        elif source == "title":
            first = text.strip().splitlines()[0] if text.strip() else "—"
            values[key] = template_variable(first, 200)
        elif source == "media":
            if link is None:
                raise SendError(f"template {spec.sid} needs a receipt file and this message has none",
                                retryable=False)
            values[key] = link.url.removeprefix(public_url.rstrip("/") + "/")
    return values


class WhatsAppSender:
    """The outbox's sender for channel "whatsapp": Twilio Messages.create, rate-limited, window-aware,
    with the receipt attached from a signed link."""

    name = "whatsapp"

    def __init__(
        self,
        settings: Settings,
        window: ServiceWindow,
        *,
        rest: Client | None = None,
        links: MediaLinks | None = None,
        messages_per_second: float = 10.0,
    ) -> None:
        self.settings = settings
        self.window = window
        self.rest = rest or build_rest_client(settings)
        self.links = links
        self.bucket = TokenBucket(messages_per_second, burst=max(1, int(messages_per_second)))

    async def send(self, message: OutboundMessage) -> str:
        """Deliver `message`; return the last Twilio message SID, or raise SendError."""
        to = whatsapp_address(message.recipient)
        if to == "whatsapp:":
            raise SendError(f"not a WhatsApp number: {message.recipient!r}", retryable=False)
        link = self.links.link_for(message.media_path) if self.links else None
        if await asyncio.to_thread(self.window.is_open, to):
            try:
                return await self._free_text(to, message, link)
            except OutsideWindow:
                log.info("Twilio says the window of a number is closed; sending the template instead")
                await asyncio.to_thread(self.window.close, to)
        return await self._template(to, message, link)

    async def _free_text(self, to: str, message: OutboundMessage, link: MediaLink | None) -> str:
        text = with_command_hints(message)
        if link is None and message.media_path and message.media_path.startswith("https://"):
            link = MediaLink(message.media_path, "")
        if link is not None and not link.is_document and len(text.strip()) <= MAX_CAPTION:
            return await self._create(to=to, body=text.strip(), media_url=[link.url])
        if link is not None:
            await self._create(to=to, media_url=[link.url])
        sid = ""
        for body in _split_body(text):
            sid = await self._create(to=to, body=body)
        return sid

    async def _template(self, to: str, message: OutboundMessage, link: MediaLink | None) -> str:
        kind = template_kind(message)
        spec = self.settings.whatsapp_template(kind)
        if spec is None:
            raise SendError(
                f"outside the 24-hour window and no approved template for {kind} "
                "(PAYBOT_TWILIO_TEMPLATES or PAYBOT_TWILIO_TEMPLATE_SID)",
                retryable=False,
            )
        variables = template_variables(spec, message, link, self.settings.public_url)
        return await self._create(to=to, content_sid=spec.sid,
                                  content_variables=json.dumps(variables, ensure_ascii=False))

    async def _create(self, **fields: Any) -> str:
        await self.bucket.acquire()
        return await asyncio.to_thread(self._create_now, fields)

    def _create_now(self, fields: dict[str, Any]) -> str:
        """One Messages.create, run on a worker thread; Twilio's answer as our SendError kinds."""
        try:
            created = self.rest.messages.create(
                from_=whatsapp_address(self.settings.twilio_whatsapp_from), **fields
            )
        except TwilioRestException as error:
            described = f"Twilio {error.status} ({error.code}): {error.msg}"
            if error.code == WINDOW_CLOSED:
                raise OutsideWindow(described) from error
            client = self.rest.http_client
            header = client.last_retry_after() if isinstance(client, BaseUrlHttpClient) else None
            limited = error.status == 429 or error.code in RATE_LIMITED
            wait = retry_after_seconds(header)
            if limited and wait is None:
                wait = RATE_LIMITED.get(error.code or 0, 5.0)
            retryable = limited or error.status >= 500
            raise SendError(described, retryable, retry_after=wait if limited else None) from error
        except (requests.RequestException, TwilioException) as error:
            raise SendError(f"Twilio unreachable: {error}", retryable=True) from error
        return str(created.sid)

    def close(self) -> None:
        """Release the HTTP connections of the REST client."""
        session = getattr(self.rest.http_client, "session", None)
        if session is not None:
            session.close()
