"""The WhatsApp channel: Twilio's signed webhook in, neutral messages to the core, REST replies out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import parse_qsl

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.config import Settings
from bot.db.types import utcnow
from bot.handlers.staff_commands import CommandError, HelpRequest, StaffCommand, parse_staff_command
from bot.handlers.whatsapp_media import MediaRefused, TwilioMediaFetcher
from bot.handlers.whatsapp_sender import WhatsAppSender
from bot.handlers.whatsapp_window import ServiceWindow
from bot.intake.messages import Audience, InboundMessage, IntakePort, OutboundMessage, SendError, StaffAction
from bot.logs import mask_phone
from bot.web.limits import BodyTooLarge, declared_length, read_body
from bot.web.media_links import MediaLinks
from currency.text import international_phone

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
EMPTY_TWIML = str(MessagingResponse())


@dataclass
class WhatsAppClient:
    """Everything that talks to Twilio for one process: REST sender, media fetcher, 24-hour window."""

    sender: WhatsAppSender
    media: TwilioMediaFetcher
    window: ServiceWindow

    async def aclose(self) -> None:
        """Close the HTTP connections of the sender and the media fetcher."""
        await self.media.aclose()
        self.sender.close()


def build_whatsapp_client(
    settings: Settings,
    engine: Engine,
    *,
    links: MediaLinks | None = None,
    messages_per_second: float = 10.0,
    media_retry_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
    clock: Callable[[], datetime] = utcnow,
) -> WhatsAppClient:
    """Build the Twilio side of the channel from the settings; nothing connects until used."""
    window = ServiceWindow(engine, clock)
    links = links or MediaLinks.from_settings(settings, clock)
    sender = WhatsAppSender(settings, window, links=links, messages_per_second=messages_per_second)
    media = TwilioMediaFetcher(settings, retry_delays=media_retry_delays)
    return WhatsAppClient(sender=sender, media=media, window=window)


def signed_url(settings: Settings, path: str, request: Request) -> str:
    """The URL Twilio signed: our configured public URL (not what a TLS-terminating proxy forwarded)."""
    base = settings.public_url.rstrip("/")
    url = f"{base}{path}" if base else str(request.url.replace(query=""))
    return f"{url}?{request.url.query}" if request.url.query else url


def inbound_messages(params: Mapping[str, str], sources: Sequence[str | None]) -> list[InboundMessage]:
    """Twilio's webhook fields as neutral messages, one per media item: its MediaUrl for the worker to
    download after Twilio is answered, or None for a URL our credentials must not go to (a failed download)."""
    sid = params.get("MessageSid") or params.get("SmsMessageSid", "")
    sender_address = params.get("From", "")
    base = InboundMessage(
        channel=CHANNEL,
        external_id=sid,
        sender=international_phone(sender_address) or sender_address.removeprefix("whatsapp:"),
        reply_to=sender_address,
        sender_name=params.get("ProfileName", ""),
        text=params.get("Body") or None,
    )
    return [
        replace(
            base,
            external_id=sid if len(sources) == 1 else f"{sid}:{index}",
            media_source=source,
            media_type=params.get(f"MediaContentType{index}") or None,
            media_error=None if source else "download_failed",
        )
        for index, source in enumerate(sources)
    ] or [base]


MAX_URL = 1000
"""Twilio's media URLs are about 150 characters; a longer one is not Twilio's."""


def media_source(client: WhatsAppClient, url: str) -> str | None:
    """`url` when our credentials may be sent there (downloaded later, by the worker), else None."""
    try:
        if len(url) > MAX_URL:
            raise MediaRefused(f"media URL of {len(url)} characters")
        client.media.check(url)
    except MediaRefused as refused:
        log.warning("refused to fetch WhatsApp media: %s", refused)
        return None
    return url


MAX_MEDIA = 10
"""WhatsApp carries at most ten media items in one message."""


def media_urls(params: Mapping[str, str]) -> list[str]:
    """MediaUrl0..MediaUrl{NumMedia-1} from the webhook fields, at most MAX_MEDIA whatever NumMedia says."""
    try:
        count = int(params.get("NumMedia") or 0)
    except ValueError:
        count = 0
    return [params.get(f"MediaUrl{index}", "") for index in range(min(count, MAX_MEDIA))]


def staff_action(command: StaffCommand, address: str, profile_name: str = "") -> StaffAction:
    """A parsed text command from `address` (whose WhatsApp profile is named `profile_name`) as the neutral
    staff action."""
    number = international_phone(address)
    return StaffAction(
        channel=CHANNEL,
        user=number,
        chat=number,
        kind=command.kind,
        intake_id=command.intake_id,
        field=command.field,
        value=command.value,
        reason=command.reason,
        user_name=profile_name,
    )


async def reply_to_staff(client: WhatsAppClient, address: str, text: str) -> None:
    """Answer a staff member's command right away (outside the outbox: it is not a state change)."""
    message = OutboundMessage(
        outbox_id=0,
        channel=CHANNEL,
        recipient=address,
        audience=Audience.SUPPORT,
        kind="staff_reply",
        text=text,
    )
    try:
        await client.sender.send(message)
    except SendError as error:
        log.warning("could not answer staff command of %s: %s", mask_phone(address), error)


MAX_FORM_FIELDS = 200
"""Twilio posts a few dozen fields (ten media items at most); a form with more is not Twilio's."""


def form_params(body: bytes) -> dict[str, str]:
    """The url-encoded form as a flat dict (the last value of a repeated key), at most MAX_FORM_FIELDS."""
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace",
                      max_num_fields=MAX_FORM_FIELDS)
    return dict(pairs)


def whatsapp_webhook_route(
    settings: Settings, core: IntakePort, client: WhatsAppClient, path: str = "/webhooks/whatsapp"
) -> Route:
    """The Starlette route Twilio posts incoming WhatsApp messages to."""
    if settings.twilio_auth_token is None:
        raise ValueError("the WhatsApp webhook needs PAYBOT_TWILIO_AUTH_TOKEN to check signatures")
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    limit = settings.webhook_max_bytes

    async def receive_whatsapp(request: Request) -> Response:
        """Check size and Twilio's signature before anything is built from the body; answer Twilio at once."""
        params = await signed_params(request)
        if isinstance(params, Response):
            return params
        twiml = Response(EMPTY_TWIML, media_type="application/xml")
        address = params.get("From", "")
        if not address or ("Body" not in params and "NumMedia" not in params):
            return twiml
        urls = media_urls(params)
        # Only staff numbers speak the command grammar: a customer's "Devolver 15000..." is a customer message.
        if not urls and await core.is_staff(CHANNEL, address):
            parsed = parse_staff_command(params.get("Body"))
            if isinstance(parsed, StaffCommand | HelpRequest | CommandError):
                await asyncio.to_thread(client.window.seen, address)
            if isinstance(parsed, StaffCommand):
                result = await core.act(staff_action(parsed, address, params.get("ProfileName", "")))
                twiml.background = BackgroundTask(reply_to_staff, client, address, result.message)
                return twiml
            if isinstance(parsed, HelpRequest | CommandError):
                text = parsed.text if isinstance(parsed, HelpRequest) else parsed.usage
                twiml.background = BackgroundTask(reply_to_staff, client, address, text)
                return twiml
        def window_opens(session: Session) -> None:
            client.window.seen_in(session, address)

        # The window is recorded in the transaction that stores the message (no commit of its own).
        for index, message in enumerate(inbound_messages(params, [media_source(client, url) for url in urls])):
            await core.receive(message, window_opens if index == 0 else None)
        return twiml

    async def signed_params(request: Request) -> dict[str, str] | Response:
        """The form fields of a request Twilio signed, or the refusal to send back (413, 415, 403)."""
        signature = request.headers.get("X-Twilio-Signature", "")
        try:
            if (declared_length(request) or 0) > limit:
                raise BodyTooLarge("declared length")
            if not signature:
                log.warning("refused a WhatsApp webhook without a signature from %s", _client_host(request))
                return PlainTextResponse("forbidden", status_code=403)
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/x-www-form-urlencoded":
                return PlainTextResponse("unsupported media type", status_code=415)
            params = form_params(await read_body(request, limit))
        except BodyTooLarge as error:
            log.warning("refused a WhatsApp webhook over %d bytes from %s: %s", limit, _client_host(request), error)
            return PlainTextResponse("request too large", status_code=413)
        except ValueError:
            log.warning("refused a WhatsApp webhook with more than %d fields from %s",
                        MAX_FORM_FIELDS, _client_host(request))
            return PlainTextResponse("too many fields", status_code=413)
        if not validator.validate(signed_url(settings, path, request), params, signature):
            log.warning("refused a WhatsApp webhook with a bad signature from %s", _client_host(request))
            return PlainTextResponse("forbidden", status_code=403)
        return params

    return Route(path, receive_whatsapp, methods=["POST"], name="whatsapp_webhook")


def _client_host(request: Request) -> str:
    return request.client.host if request.client else "?"
