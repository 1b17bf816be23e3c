"""The neutral messages channels translate to and from: the only meeting point of channels and core."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session

from bot.db.types import utcnow
from bot.vocabulary import StaffActionKind
from currency.text import printable


class Audience(StrEnum):
    CUSTOMER = "customer"
    SUPPORT = "support"
    ACCOUNTING = "accounting"
    SYSTEM = "system"
    """The company's own system (the signed access webhook), not a person."""


@dataclass(frozen=True)
class InboundMessage:
    """What a customer sent, in no channel's format. `external_id` is unique per channel."""

    channel: str
    external_id: str
    sender: str
    reply_to: str
    sender_name: str = ""
    text: str | None = None
    media: bytes | None = None
    media_type: str | None = None
    file_name: str | None = None
    media_error: str | None = None
    """Set by a channel that could not fetch the media: "too_large" or "download_failed"."""
    media_source: str | None = None
    """Where the channel keeps the file when it is downloaded after the sender is answered (WhatsApp's
    MediaUrl): the worker fetches it through the channel's `MediaSource`."""
    received_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        _keep_printable(self, "external_id", "sender", "reply_to", "sender_name", "text", "media_type", "file_name",
                        "media_source")


@dataclass(frozen=True)
class FetchedMedia:
    """The bytes of one media item a channel downloaded, or why there are none ("too_large",
    "download_failed")."""

    content: bytes | None
    content_type: str | None = None
    error: str | None = None


ChannelWrite = Callable[[Session], None]
"""A write of the channel's own state that belongs with a message (WhatsApp's 24-hour window): made in the
transaction that stores the message, so it costs no commit of its own."""


class MediaSource(Protocol):
    """A channel's downloader of files it received by reference: failures come back as `error`, never raised."""

    async def fetch(self, source: str, /) -> FetchedMedia: ...


@dataclass(frozen=True)
class Button:
    """An action offered under a staff card; `data` is namespaced callback data, <= 64 bytes."""

    label: str
    data: str


@dataclass(frozen=True)
class OutboundMessage:
    """A message the core wants delivered, as stored in the outbox."""

    outbox_id: int
    channel: str
    recipient: str
    audience: Audience
    kind: str
    text: str
    media_path: str | None = None
    buttons: tuple[Button, ...] = ()
    intake_id: int | None = None
    media_name: str | None = None
    """The attachment's name as the recipient sees it (a statement), when it is not the stored file's."""


@dataclass(frozen=True)
class StaffAction:
    """A staff member's decision on an intake, whatever button or text command carried it."""

    channel: str
    user: str
    chat: str
    kind: StaffActionKind
    intake_id: int
    field: str | None = None
    value: str | None = None
    reason: str | None = None
    user_name: str = dataclasses.field(default="", compare=False)
    """How the channel names the person (their Telegram name, their WhatsApp profile name)."""

    def __post_init__(self) -> None:
        _keep_printable(self, "user", "chat", "field", "value", "reason", "user_name")


def _keep_printable(message: object, *names: str) -> None:
    """Whatever a channel passes in is stored as text a database takes and a terminal shows as text: no NUL,
    no control characters (see `currency.text.printable`)."""
    for name in names:
        value = getattr(message, name)
        if isinstance(value, str) and not value.isprintable():
            object.__setattr__(message, name, printable(value))


@dataclass(frozen=True)
class StaffResult:
    """What the core answers a staff action with: whether it took effect, a line to show, and what may follow
    (buttons, on channels that have them)."""

    ok: bool
    message: str
    buttons: tuple[Button, ...] = ()


class SendError(Exception):
    """A channel could not deliver a message; `retryable` says whether to try again later, and
    `retry_after` (seconds) how long the channel asked us to wait (a rate limit)."""

    def __init__(self, message: str, retryable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class ChannelSender(Protocol):
    """What the outbox needs from a channel: deliver one message, return the channel's id for it."""

    name: str

    async def send(self, message: OutboundMessage) -> str: ...


@dataclass(frozen=True)
class DeliveredMessage:
    """A message the core delivered on a local channel, as the sandbox page shows it."""

    outbox_id: int
    audience: Audience
    recipient: str
    kind: str
    text: str
    intake_id: int | None
    has_media: bool
    buttons: tuple[Button, ...] = ()


class IntakePort(Protocol):
    """What a channel may ask of the intake core: take a customer's message, carry out a staff member's
    action, and say whether someone writing on the channel is staff (only staff speak commands)."""

    async def receive(self, message: InboundMessage, also: ChannelWrite | None = None) -> int | None: ...

    async def act(self, action: StaffAction) -> StaffResult: ...

    async def is_staff(self, channel: str, user: str) -> bool: ...


class LocalChannelPort(IntakePort, Protocol):
    """What a channel that delivers nothing itself (the sandbox page) also asks: what the core delivered on
    it, and the file of one of its intakes."""

    async def delivered(self, channel: str, after: int) -> list[DeliveredMessage]: ...

    async def media_file(self, channel: str, intake_id: int) -> bytes | None: ...
