"""When a message fails for good: a staff card goes by the other staff channel, support is told once,
and the intake's record says it is waiting on staff. Nothing fails silently."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from bot.db.models import Intake, OutboxMessage
from bot.intake import cards
from bot.intake.messages import Audience, Button
from bot.intake.sending import Messenger
from bot.intake.staff import announcement_destinations, fallback_destinations
from bot.intake.states import IntakeState, record
from bot.vocabulary import ReplyKind, StaffMessage

log = logging.getLogger(__name__)

ANNOUNCEMENT = StaffMessage.DELIVERY_FAILED

CARD_BUTTONS: dict[str, Callable[[int], tuple[Button, ...]]] = {
    StaffMessage.SUPPORT_CARD: cards.support_buttons,
    StaffMessage.ACCOUNTING_CARD: cards.accounting_buttons,
}

WAITING_ON = {IntakeState.IN_REVIEW.value: "soporte", IntakeState.FORWARDED.value: "contabilidad",
              IntakeState.NEEDS_INFO.value: "soporte"}


def base_key(row: OutboxMessage) -> str:
    """The row's dedupe key without its destination: one card sent to several staff chats shares it."""
    return row.dedupe_key.removesuffix(f":{row.channel}:{row.recipient}")


def what_failed(row: OutboxMessage) -> str:
    """The undelivered message, as support is told about it."""
    if row.audience == Audience.CUSTOMER.value:
        reply = ReplyKind.named(row.kind)
        return reply.what if reply else "la respuesta al cliente"
    if row.audience == Audience.SYSTEM.value:
        return f"el aviso {row.kind} al sistema de la empresa"
    try:
        return StaffMessage(row.kind).what
    except ValueError:
        return "el aviso al personal"


def handle_undelivered(messenger: Messenger, session: Session, row: OutboxMessage, error: str,
                       now: datetime) -> None:
    """Reroute and announce `row`, which just failed for good at `now`, in the transaction that marks it
    failed."""
    if row.kind == ANNOUNCEMENT:
        log.error("an announcement of an undelivered message could not be delivered either (outbox %s)", row.id)
        return
    settings = messenger.settings
    audience = Audience(row.audience)
    key = base_key(row)
    rerouted: list[str] = []
    if audience not in (Audience.CUSTOMER, Audience.SYSTEM):
        buttons_of = CARD_BUTTONS.get(row.kind)
        buttons = buttons_of(row.intake_id) if buttons_of and row.intake_id is not None else ()
        fallbacks = fallback_destinations(session, settings, audience, row.channel)
        messenger.tell_staff(session, audience, StaffMessage(row.kind), row.text, intake_id=row.intake_id,
                             key=f"{key}:rerouted", media_path=row.media_path, buttons=buttons, to=fallbacks,
                             now=now, hints_on_whatsapp=True)
        rerouted = [cards.CHANNEL_LABELS.get(channel, channel) for channel, _ in fallbacks]
    intake = session.get(Intake, row.intake_id) if row.intake_id is not None else None
    waiting_on = WAITING_ON.get(intake.state) if intake is not None else None
    what = what_failed(row)
    context = {
        "what": what,
        "intake_id": row.intake_id,
        "recipient": row.recipient.removeprefix("whatsapp:"),
        "channel_label": cards.CHANNEL_LABELS.get(row.channel, row.channel),
        "attempts": row.attempts,
        "error": " ".join(error.split())[:300],
        "rerouted": " y ".join(dict.fromkeys(rerouted)),
        "customer": audience is Audience.CUSTOMER,
        "waiting_on": waiting_on,
    }
    text = messenger.replies.render(ANNOUNCEMENT.template, context)
    announced = messenger.tell_staff(
        session, Audience.SUPPORT, ANNOUNCEMENT, text, intake_id=row.intake_id, key=f"{key}:undelivered",
        to=announcement_destinations(session, settings, row.channel, row.recipient), now=now) > 0
    if not announced and not rerouted:
        log.error("outbox message %s failed for good and no other staff chat is configured to say so", row.id)
    if intake is not None and (announced or rerouted):
        reason = f"{what} no se entregó por {context['channel_label']}"
        if rerouted:
            reason += f"; se envió por {context['rerouted']}"
        if waiting_on:
            reason += f"; el comprobante espera a {waiting_on}"
        record(session, intake, actor="bot", reason=reason, changes={"undelivered": {
            "outbox_id": row.id, "kind": row.kind, "channel": row.channel, "error": context["error"],
            "rerouted_to": sorted(set(rerouted)), "waiting_on": waiting_on,
        }})
