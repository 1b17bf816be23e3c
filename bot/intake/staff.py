"""The staff: one list of records (seeded from the settings at start), who may act on intakes, and where each
audience's messages go."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.config import Settings
from bot.db.models import StaffMember, StaffRole
from bot.intake.messages import Audience
from bot.vocabulary import StaffActionKind
from currency.text import international_phone

log = logging.getLogger(__name__)

LOCAL_CHANNELS = {"sandbox": "sandbox", "cli": "terminal"}
"""Channels that only exist on this machine (the sandbox page on loopback, the terminal), and their names."""
PORTAL = "portal"
"""The web portal's channel: its user is the staff record's id, known from the login session."""
ROLE_LABELS = {StaffRole.SUPPORT: "Soporte", StaffRole.ACCOUNTING: "Contabilidad", StaffRole.ADMIN: "Administración"}

ALLOWED: dict[StaffActionKind, frozenset[StaffRole]] = {
    StaffActionKind.APPROVE: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.CORRECT: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.REJECT: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.GRACE: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.APPLY: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.FLAG: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.CLOSE_CASE: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.CONTRACT: frozenset({StaffRole.SUPPORT, StaffRole.ADMIN}),
    StaffActionKind.KEEP_CREDIT: frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.REFUND: frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.STATEMENT: frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.SYNC: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.SYNCED: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.REMIND: frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.TAG: frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.UNTAG: frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.BLOCK: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.UNBLOCK: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.RETURNED: frozenset({StaffRole.ACCOUNTING, StaffRole.ADMIN}),
    StaffActionKind.TASK_DONE: frozenset({StaffRole.SUPPORT, StaffRole.ACCOUNTING, StaffRole.ADMIN}),
}


@dataclass(frozen=True)
class Actor:
    """A staff member acting on an intake: their role, the name cards and the audit trail show, and their
    record (None on a local channel, where whoever plays a role is that role)."""

    role: StaffRole
    name: str
    staff_id: int | None = None
    person: str = ""
    """Their own name as on record ("" until known, and on a local channel): what greets customers."""


def shown_name(member: StaffMember) -> str:
    """A member's name, or their role and number until their channel told us their name."""
    return member.name or f"{ROLE_LABELS[StaffRole(member.role)]} #{member.id}"


def identify(session: Session, settings: Settings, channel: str, user: str, chat: str,
             user_name: str = "") -> Actor | None:
    """Who is acting: `user` speaking in `chat`, if their record says they are staff there. A record
    without a name takes the one their channel gives (`user_name`)."""
    if channel in LOCAL_CHANNELS:
        try:
            role = StaffRole(user)
        except ValueError:
            return None
        return Actor(role, f"{ROLE_LABELS[role]} ({LOCAL_CHANNELS[channel]})")
    member = member_speaking(session, settings, channel, user, chat)
    if member is None:
        return None
    if not member.name and user_name.strip():
        member.name = " ".join(user_name.split())[:200]
        session.add(member)
    return Actor(StaffRole(member.role), shown_name(member), member.id, member.name)


def member_speaking(session: Session, settings: Settings, channel: str, user: str, chat: str) -> StaffMember | None:
    """The active record of `user` writing in `chat`: on Telegram, in the group of their role (an admin in
    either); on WhatsApp, from their own number; in the portal, the record the login session names."""
    if channel == PORTAL:
        member = session.get(StaffMember, int(user)) if user.isdigit() and len(user) < 19 else None
        return member if member is not None and member.active else None
    if channel == "telegram":
        try:
            user_id, chat_id = int(user), int(chat)
        except ValueError:
            return None
        members = session.exec(_active().where(StaffMember.telegram_user_id == user_id)).all()
        return next((m for m in members if chat_id in _groups(settings, StaffRole(m.role))), None)
    if channel == "whatsapp":
        number = international_phone(user)
        if not number or number != international_phone(chat):
            return None
        return session.exec(_active().where(StaffMember.whatsapp_number == number)).first()
    return None


def _active() -> SelectOfScalar[StaffMember]:
    return select(StaffMember).where(col(StaffMember.active).is_(True)).order_by(col(StaffMember.id))


def _groups(settings: Settings, role: StaffRole) -> set[int]:
    """The Telegram staff groups where someone of `role` may act."""
    support, accounting = settings.telegram_support_chat_id, settings.telegram_accounting_chat_id
    groups = {StaffRole.SUPPORT: {support}, StaffRole.ACCOUNTING: {accounting},
              StaffRole.ADMIN: {support, accounting}}[role]
    return {group for group in groups if group is not None}


def seed_staff(session: Session, settings: Settings) -> int:
    """Add a record for each staff id and number the settings list that has none for that role yet; a
    record an admin disabled stays disabled. Returns how many were added."""
    listed: list[tuple[StaffRole, int | None, str | None]] = [
        *((StaffRole.SUPPORT, user_id, None) for user_id in settings.telegram_support_user_ids),
        *((StaffRole.ACCOUNTING, user_id, None) for user_id in settings.telegram_accounting_user_ids),
        *((StaffRole.SUPPORT, None, n) for n in settings.whatsapp_support_numbers),
        *((StaffRole.ACCOUNTING, None, n) for n in settings.whatsapp_accounting_numbers),
    ]
    added = 0
    for role, user_id, written in listed:
        number = international_phone(written) if written is not None else None
        if written is not None and not number:
            log.warning("PAYBOT_WHATSAPP_*_NUMBERS: %r is no phone number, so it names nobody", written)
            continue
        query = select(StaffMember).where(StaffMember.role == role.value)
        query = (query.where(StaffMember.telegram_user_id == user_id) if user_id is not None
                 else query.where(StaffMember.whatsapp_number == number))
        if session.exec(query).first() is None:
            session.add(StaffMember(name="", role=role.value, telegram_user_id=user_id, whatsapp_number=number))
            added += 1
    if added:
        session.flush()
        log.info("%d staff record(s) added from the PAYBOT_*_USER_IDS / *_NUMBERS settings", added)
    return added


def whatsapp_numbers(session: Session, role: StaffRole) -> list[str]:
    """The WhatsApp numbers of the active staff of `role`."""
    rows = session.exec(_active().where(StaffMember.role == role.value)
                        .where(col(StaffMember.whatsapp_number).is_not(None))).all()
    return list(dict.fromkeys(row.whatsapp_number for row in rows if row.whatsapp_number))


def _staff_chats(session: Session, settings: Settings, audience: Audience
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(WhatsApp destinations, Telegram destinations) where staff `audience` reads."""
    if audience is Audience.SUPPORT:
        role, chat = StaffRole.SUPPORT, settings.telegram_support_chat_id
    elif audience is Audience.ACCOUNTING:
        role, chat = StaffRole.ACCOUNTING, settings.telegram_accounting_chat_id
    else:
        raise ValueError(f"{audience} is not a staff audience")
    whatsapp = [("whatsapp", n) for n in whatsapp_numbers(session, role)] if settings.whatsapp_enabled else []
    telegram = [("telegram", str(chat))] if settings.telegram_enabled and chat is not None else []
    return whatsapp, telegram


def destinations(session: Session, settings: Settings, audience: Audience,
                 local: str = "sandbox") -> list[tuple[str, str]]:
    """(channel, recipient) pairs where staff `audience` reads its cards: the WhatsApp numbers of its
    staff, else the Telegram group (which, when both are set, gets what WhatsApp could not deliver); with
    no real channel, `local` (the sandbox page, or the terminal of one `paybot intake`)."""
    whatsapp, telegram = _staff_chats(session, settings, audience)
    return whatsapp or telegram or [(local, audience.value)]


def fallback_destinations(session: Session, settings: Settings, audience: Audience,
                          failed_channel: str) -> list[tuple[str, str]]:
    """Where a staff message that `failed_channel` could not deliver goes instead: the audience's other
    channel, else support's other channel (someone on staff must see it)."""
    for candidate in dict.fromkeys((audience, Audience.SUPPORT)):
        whatsapp, telegram = _staff_chats(session, settings, candidate)
        found = [(channel, recipient) for channel, recipient in whatsapp + telegram if channel != failed_channel]
        if found:
            return found
    return []


def announcement_destinations(session: Session, settings: Settings, failed_channel: str,
                              failed_recipient: str) -> list[tuple[str, str]]:
    """Where support is told that a message could not be delivered: a support chat on another channel
    when there is one (the failing channel may be down), else the other support chats on it."""
    failed = (failed_channel, failed_recipient)
    whatsapp, telegram = _staff_chats(session, settings, Audience.SUPPORT)
    chats = [d for d in whatsapp + telegram if d != failed] or [
        d for d in destinations(session, settings, Audience.SUPPORT) if d != failed
    ]
    elsewhere = [(channel, recipient) for channel, recipient in chats if channel != failed_channel]
    return elsewhere or chats


def reads_text_commands(session: Session, settings: Settings, audience: Audience) -> bool:
    """WhatsApp has no buttons: staff reading there get the commands written under each card."""
    return any(channel == "whatsapp" for channel, _ in destinations(session, settings, audience))
