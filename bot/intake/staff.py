"""Who may act on intakes, and where each audience's messages go, from the settings."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.contracts.registry import international_phone
from bot.db.models import StaffRole
from bot.intake.messages import Audience, StaffActionKind

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
        if number != international_phone(chat):
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


def destinations(settings: Settings, audience: Audience) -> list[tuple[str, str]]:
    """(channel, recipient) pairs where staff `audience` reads its cards."""
    if audience is Audience.SUPPORT:
        if settings.telegram_enabled and settings.telegram_support_chat_id is not None:
            return [("telegram", str(settings.telegram_support_chat_id))]
        if settings.whatsapp_enabled and settings.whatsapp_support_numbers:
            return [("whatsapp", international_phone(n)) for n in settings.whatsapp_support_numbers]
        return [("sandbox", "support")]
    if audience is Audience.ACCOUNTING:
        if settings.telegram_enabled and settings.telegram_accounting_chat_id is not None:
            return [("telegram", str(settings.telegram_accounting_chat_id))]
        if settings.whatsapp_enabled and settings.whatsapp_accounting_numbers:
            return [("whatsapp", international_phone(n)) for n in settings.whatsapp_accounting_numbers]
        return [("sandbox", "accounting")]
    raise ValueError(f"{audience} is not a staff audience")


def reads_text_commands(settings: Settings, audience: Audience) -> bool:
    """WhatsApp has no buttons: staff reading there get the commands written under each card."""
    return any(channel == "whatsapp" for channel, _ in destinations(settings, audience))
