"""Who may act on intakes, and where each audience's messages go, from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.db.models import StaffRole
from bot.intake.messages import Audience
from bot.vocabulary import StaffActionKind
from currency.text import international_phone

log = logging.getLogger(__name__)

LOCAL_CHANNELS = ("sandbox", "cli")
"""Channels that only exist on this machine (the sandbox page on loopback, the terminal)."""

ALLOWED: dict[StaffActionKind, frozenset[StaffRole]] = {
    StaffActionKind.APPROVE: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.CORRECT: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.REJECT: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.GRACE: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.APPLY: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.FLAG: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
}


def role_of(settings: Settings, channel: str, user: str, chat: str) -> StaffRole | None:
    """The staff role of `user` speaking in `chat`, checked on both; None for anyone else."""
    if channel == "telegram":
        try:
            user_id, chat_id = int(user), int(chat)
        except ValueError:
            return None
        if chat_id == settings.telegram_support_chat_id and user_id in settings.telegram_support_user_ids:
            return StaffRole.SUPPORT
        if (
            chat_id == settings.telegram_accounting_chat_id
            and user_id in settings.telegram_accounting_user_ids
        ):
            return StaffRole.ACCOUNTING
        return None
    if channel == "whatsapp":
        number = international_phone(user)
        if not number or number != international_phone(chat):
            return None
        if number in {international_phone(n) for n in settings.whatsapp_support_numbers}:
            return StaffRole.SUPPORT
        if number in {international_phone(n) for n in settings.whatsapp_accounting_numbers}:
            return StaffRole.ACCOUNTING
        return None
    if channel in LOCAL_CHANNELS:
        try:
            return StaffRole(user)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Actor:
    """A staff member acting on an intake, as the audit trail and the cards name them."""

    role: StaffRole
    channel: str
    user: str

    @property
    def audit(self) -> str:
        return f"{self.role.value}:{self.channel}:{self.user}"


def identify(settings: Settings, channel: str, user: str, chat: str) -> Actor | None:
    """Who is acting: `user` speaking in `chat`, if they are staff there."""
    role = role_of(settings, channel, user, chat)
    return Actor(role, channel, user) if role is not None else None


def _staff_chats(settings: Settings, audience: Audience) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(WhatsApp destinations, Telegram destinations) configured for staff `audience`."""
    if audience is Audience.SUPPORT:
        numbers, chat = settings.whatsapp_support_numbers, settings.telegram_support_chat_id
    elif audience is Audience.ACCOUNTING:
        numbers, chat = settings.whatsapp_accounting_numbers, settings.telegram_accounting_chat_id
    else:
        raise ValueError(f"{audience} is not a staff audience")
    whatsapp = [("whatsapp", international_phone(n)) for n in numbers] if settings.whatsapp_enabled else []
    telegram = [("telegram", str(chat))] if settings.telegram_enabled and chat is not None else []
    return whatsapp, telegram


def destinations(settings: Settings, audience: Audience, local: str = "sandbox") -> list[tuple[str, str]]:
    """(channel, recipient) pairs where staff `audience` reads its cards: the listed WhatsApp numbers,
    else the Telegram group (which, when both are set, gets what WhatsApp could not deliver); with no
    real channel, `local` (the sandbox page, or the terminal of one `paybot intake`)."""
    whatsapp, telegram = _staff_chats(settings, audience)
    return whatsapp or telegram or [(local, audience.value)]


def fallback_destinations(settings: Settings, audience: Audience, failed_channel: str) -> list[tuple[str, str]]:
    """Where a staff message that `failed_channel` could not deliver goes instead: the audience's other
    channel, else support's other channel (someone on staff must see it)."""
    for candidate in dict.fromkeys((audience, Audience.SUPPORT)):
        whatsapp, telegram = _staff_chats(settings, candidate)
        found = [(channel, recipient) for channel, recipient in whatsapp + telegram if channel != failed_channel]
        if found:
            return found
    return []


def announcement_destinations(settings: Settings, failed_channel: str, failed_recipient: str) -> list[tuple[str, str]]:
    """Where support is told that a message could not be delivered: a support chat on another channel
    when there is one (the failing channel may be down), else the other support chats on it."""
    whatsapp, telegram = _staff_chats(settings, Audience.SUPPORT)
    chats = [d for d in whatsapp + telegram if d != (failed_channel, failed_recipient)] or [
        d for d in destinations(settings, Audience.SUPPORT) if d != (failed_channel, failed_recipient)
    ]
    elsewhere = [(channel, recipient) for channel, recipient in chats if channel != failed_channel]
    return elsewhere or chats


def reads_text_commands(settings: Settings, audience: Audience) -> bool:
    """WhatsApp has no buttons: staff reading there get the commands written under each card."""
    return any(channel == "whatsapp" for channel, _ in destinations(settings, audience))
