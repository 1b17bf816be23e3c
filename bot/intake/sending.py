"""Everything paybot tells anyone, queued in the caller's transaction: the customer's scripts, staff
messages, the support card and the forward to accounting. The core and the staff actions both send here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.account.operations import owing_contract_ids
from bot.accounting.matching import seen_in_bank
from bot.config import Settings
from bot.contracts.registry import customer_contracts
from bot.db.models import Contract, Customer, Intake
from bot.intake import cards
from bot.intake.facts import IntakeFacts
from bot.intake.messages import Audience, Button
from bot.intake.outbox import enqueue
from bot.intake.replies import Replies
from bot.intake.staff import destinations, reads_text_commands
from bot.intake.states import event_count
from bot.media_store import MediaStore, media_store
from bot.vocabulary import ReplyKind, StaffMessage
from currency.money import Money, format_money


@dataclass(frozen=True)
class Document:
    """A file sent as a document (a statement PDF, a report): its media store reference and the name the
    recipient sees."""

    path: str
    name: str


class Messenger:
    """Renders each message from its template and queues it for its recipients, once per key."""

    def __init__(self, settings: Settings, replies: Replies, local_staff_channel: str = "sandbox",
                 media: MediaStore | None = None) -> None:
        self.settings = settings
        self.replies = replies
        self.local_staff_channel = local_staff_channel
        self.media = media or media_store(settings)
        """Where the documents it sends are stored (every process reads them from there)."""

    # -- the customer -------------------------------------------------------------------------

    def greeting(self, session: Session, intake: Intake, facts: IntakeFacts) -> dict[str, Any]:
        """The context every customer script may use."""
        return cards.greeting_context(self.settings, customer_of(session, intake), intake, facts)

    def reply_context(self, session: Session, intake: Intake, facts: IntakeFacts, *,
                      agent: str | None = None) -> dict[str, Any]:
        """The context of the outcome scripts (received, short payment, applied...); `agent` greets."""
        return cards.reply_context(self.settings, customer_of(session, intake), intake, facts, agent=agent)

    def tell_customer(self, session: Session, intake: Intake, kind: ReplyKind, context: dict[str, Any],
                      key_suffix: str = "", *, document: Document | None = None) -> None:
        """Queue customer script `kind` for the intake's sender (with `document` attached), once per key."""
        self.tell_chat(session, intake.channel, intake.reply_to or intake.sender, kind, context,
                       key=f"intake:{intake.id}:customer:{kind.value}{key_suffix}", intake_id=intake.id,
                       document=document)

    def tell_chat(self, session: Session, channel: str, recipient: str, kind: ReplyKind, context: dict[str, Any], *,
                  key: str, intake_id: int | None = None, document: Document | None = None,
                  now: datetime | None = None) -> None:
        """Queue customer script `kind` to one customer's chat, once per key, due `now` (default: at once); a
        document goes as a file (a PDF is a document on every channel, never an image)."""
        if kind.template is None:
            raise ValueError(f"{kind} has no script to send")
        enqueue(
            session,
            dedupe_key=key,
            channel=channel,
            recipient=recipient,
            audience=Audience.CUSTOMER,
            kind=kind.value,
            text=self.replies.render(kind.template, context),
            intake_id=intake_id,
            media_path=document.path if document else None,
            media_name=document.name if document else None,
            now=now,
        )

    # -- staff --------------------------------------------------------------------------------

    def tell_staff(self, session: Session, audience: Audience, kind: StaffMessage, text: str, *,
                   intake_id: int | None, key: str, media_path: str | None = None, media_name: str | None = None,
                   buttons: Sequence[Button] = (), to: Sequence[tuple[str, str]] | None = None,
                   now: datetime | None = None, hints_on_whatsapp: bool = False) -> int:
        """Queue a staff message to every destination of `audience` (or to `to`); how many were new.

        WhatsApp has no buttons: its cards are written with their commands, so buttons are dropped there,
        unless `hints_on_whatsapp` (a text written for another channel) asks for them as written hints."""
        queued = 0
        chats = destinations(session, self.settings, audience, self.local_staff_channel) if to is None else to
        for channel, recipient in chats:
            row = enqueue(
                session,
                dedupe_key=f"{key}:{channel}:{recipient}",
                channel=channel,
                recipient=recipient,
                audience=audience,
                kind=kind.value,
                text=text,
                intake_id=intake_id,
                media_path=media_path,
                media_name=media_name,
                buttons=buttons if channel != "whatsapp" or hints_on_whatsapp else (),
                now=now,
            )
            queued += row is not None
        return queued

    def tell_support_about(self, session: Session, intake: Intake, *, about: int | None, answered: str = "") -> None:
        """Pass a customer's message to support: about an earlier receipt, or with none at all (`answered`:
        what the bot already told them)."""
        text = self.replies.render(StaffMessage.CUSTOMER_NOTE.template,
                                   cards.customer_note_context(intake, about=about, answered=answered))
        self.tell_staff(session, Audience.SUPPORT, StaffMessage.CUSTOMER_NOTE, text, intake_id=intake.id,
                        key=f"intake:{intake.id}:customer_note")

    def send_support_card(self, session: Session, intake: Intake, facts: IntakeFacts, note: str = "") -> None:
        """Queue the review card (image, fields with confidence, checks, what it does to the account, proposed
        reply) to support, with the orders it could pay instead when the customer has several."""
        customer = customer_of(session, intake)
        proposed = cards.proposed_reply(intake, facts)
        proposed_text = self.replies.render(
            proposed.template or ReplyKind.RECEIVED.value,
            cards.reply_context(self.settings, customer, intake, facts))
        choices = self._order_choices(session, customer, intake)
        text = self.replies.render(StaffMessage.SUPPORT_CARD.template, cards.support_card_context(
            intake, facts, customer, proposed_text=proposed_text, note=note, choices=choices,
            text_commands=reads_text_commands(session, self.settings, Audience.SUPPORT),
            bank_seen=bank_seen_line(session, facts)))
        buttons = cards.support_buttons(intake.id or 0, choices=choices, overpaid=cards.overpaid(facts),
                                        client_id=customer.client_id if customer else None)
        self.tell_staff(session, Audience.SUPPORT, StaffMessage.SUPPORT_CARD, text, intake_id=intake.id,
                        key=f"intake:{intake.id}:support_card:{event_count(session, intake)}",
                        media_path=intake.media_path, buttons=buttons)

    def _order_choices(self, session: Session, customer: Customer | None, intake: Intake) -> list[cards.OrderChoice]:
        if customer is None or customer.id is None:
            return []
        return cards.order_choices(customer_contracts(session, customer.id), owing_contract_ids(session, customer.id),
                                   intake.contract_id)

    def forward_to_accounting(self, session: Session, intake: Intake, facts: IntakeFacts, *,
                              approved_by: str, agent: str | None = None) -> ReplyKind:
        """Tell the customer the outcome (greeted by `agent` when given) and card accounting; returns the
        outcome told."""
        customer = customer_of(session, intake)
        kind = facts.outcome()
        self.tell_customer(session, intake, kind,
                           cards.reply_context(self.settings, customer, intake, facts, agent=agent))
        contract = session.get(Contract, intake.contract_id) if intake.contract_id else None
        text = self.replies.render(StaffMessage.ACCOUNTING_CARD.template, cards.accounting_card_context(
            intake, facts, customer, contract, approved_by=approved_by,
            text_commands=reads_text_commands(session, self.settings, Audience.ACCOUNTING),
            bank_seen=bank_seen_line(session, facts)))
        buttons = cards.accounting_buttons(intake.id or 0, overpaid=cards.overpaid(facts),
                                           client_id=customer.client_id if customer else None)
        self.tell_staff(session, Audience.ACCOUNTING, StaffMessage.ACCOUNTING_CARD, text, intake_id=intake.id,
                        key=f"intake:{intake.id}:accounting_card:{event_count(session, intake)}",
                        media_path=intake.media_path, buttons=buttons)
        return kind


def bank_seen_line(session: Session, facts: IntakeFacts) -> str:
    """"Visto en el banco" when the receipt's reference is in the company's imported bank movements (with a
    warning when the bank shows another amount under it), else nothing."""
    movement = seen_in_bank(session, facts.fields.reference)
    if movement is None:
        return ""
    seen = Money(movement.amount, movement.currency)
    line = f"🏦 Visto en el banco: {format_money(seen)} el {movement.booked_on:%d/%m/%Y} ({movement.bank})"
    paid = facts.paid
    if paid is not None and (paid.currency != seen.currency or abs(paid.amount - seen.amount) > 1):
        line += f" ⚠️ el comprobante dice {format_money(paid)}"
    return line


def customer_of(session: Session, intake: Intake) -> Customer | None:
    """The customer the checks found for `intake`, if any."""
    return session.get(Customer, intake.customer_id) if intake.customer_id else None
