"""When a message fails for good: a staff card goes by the other staff channel, support is told once,
and the intake's record says it is waiting on staff. Nothing fails silently."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.db.models import Intake, OutboxMessage
from bot.intake import cards
from bot.intake.messages import Audience, Button
from bot.intake.outbox import enqueue
from bot.intake.staff import announcement_destinations, fallback_destinations
from bot.intake.states import IntakeState, record

if TYPE_CHECKING:
    from bot.intake.core import IntakeCore

log = logging.getLogger(__name__)

ANNOUNCEMENT = "delivery_failed"

CARD_BUTTONS: dict[str, Callable[[int], tuple[Button, ...]]] = {
    "support_card": cards.support_buttons,
    "accounting_card": cards.accounting_buttons,
}

WHAT = {
    "support_card": "la tarjeta de revisión",
    "accounting_card": "la tarjeta de contabilidad",
    "escalation_grace": "el aviso de prórroga a contabilidad",
    "customer_note": "el mensaje del cliente",
    "reminder_short_payment": "el recordatorio de la diferencia",
}

WAITING_ON = {IntakeState.IN_REVIEW.value: "soporte", IntakeState.FORWARDED.value: "contabilidad",
              IntakeState.NEEDS_INFO.value: "soporte"}


def base_key(row: OutboxMessage) -> str:
    """The row's dedupe key without its destination: one card sent to several staff chats shares it."""
    return row.dedupe_key.removesuffix(f":{row.channel}:{row.recipient}")


def handle_undelivered(core: IntakeCore, session: Session, row: OutboxMessage, error: str, now: datetime) -> None:
    """Reroute and announce `row`, which just failed for good at `now`, in the transaction that marks it
    failed."""
    if row.kind == ANNOUNCEMENT:
        log.error("an announcement of an undelivered message could not be delivered either (outbox %s)", row.id)
        return
    settings = core.settings
    audience = Audience(row.audience)
    key = base_key(row)
    rerouted: list[str] = []
    if audience is not Audience.CUSTOMER:
        buttons_of = CARD_BUTTONS.get(row.kind)
        buttons = buttons_of(row.intake_id) if buttons_of and row.intake_id is not None else ()
        for channel, recipient in fallback_destinations(settings, audience, row.channel):
            enqueue(session, dedupe_key=f"{key}:rerouted:{channel}:{recipient}", channel=channel,
                    recipient=recipient, audience=audience, kind=row.kind, text=row.text,
                    intake_id=row.intake_id, media_path=row.media_path, buttons=buttons, now=now)
            rerouted.append(cards.CHANNEL_LABELS.get(channel, channel))
    intake = session.get(Intake, row.intake_id) if row.intake_id is not None else None
    waiting_on = WAITING_ON.get(intake.state) if intake is not None else None
    what = WHAT.get(row.kind) or (
        "la respuesta al cliente" if audience is Audience.CUSTOMER else "el aviso al personal")
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
    text = core.replies.render(ANNOUNCEMENT, context)
    announced = False
    for channel, recipient in announcement_destinations(settings, row.channel, row.recipient):
        queued = enqueue(session, dedupe_key=f"{key}:undelivered:{channel}:{recipient}", channel=channel,
                         recipient=recipient, audience=Audience.SUPPORT, kind=ANNOUNCEMENT, text=text,
                         intake_id=row.intake_id, now=now)
        announced = announced or queued is not None
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
