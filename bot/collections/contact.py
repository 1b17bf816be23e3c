"""How a customer is reached outside a receipt's conversation (a reminder, a block, a returned payment): their
WhatsApp number, else their Telegram account, else their e-mail; on a machine with no channel, the local one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.config import Settings
from bot.db.models import Customer
from bot.intake.messages import Audience
from bot.intake.outbox import enqueue
from bot.intake.sending import Messenger
from bot.vocabulary import ReplyKind

EMAIL = "email"
"""The outbox channel of e-mail (see `bot.handlers.email`)."""


@dataclass(frozen=True)
class Chat:
    """One customer's destination: the outbox channel and the recipient on it."""

    channel: str
    recipient: str


def customer_chat(settings: Settings, customer: Customer, local_channel: str = "sandbox") -> Chat | None:
    """Where `customer` hears from us: WhatsApp, else Telegram, else e-mail (seed 004: companies' mandatory
    contact), each only when that channel runs; with no channel at all, the local one. None: unreachable."""
    real = settings.whatsapp_enabled or settings.telegram_enabled or settings.email_enabled
    if not real:
        recipient = customer.whatsapp_number or (customer.emails[0] if customer.emails else "")
        return Chat(local_channel, recipient or f"cliente {customer.client_id}")
    if customer.whatsapp_number and settings.whatsapp_enabled:
        return Chat("whatsapp", customer.whatsapp_number)
    if customer.telegram_user_id is not None and settings.telegram_enabled:
        return Chat("telegram", str(customer.telegram_user_id))
    if customer.emails and settings.email_enabled:
        return Chat(EMAIL, customer.emails[0])
    return None


def first_name(customer: Customer) -> str:
    """How a script greets: a person by their first name, a company by its name."""
    if "jur" in customer.document_type.lower():
        return customer.first_names
    return customer.first_names.split()[0] if customer.first_names else ""


def customer_context(settings: Settings, customer: Customer) -> dict[str, Any]:
    """What every script to a customer outside a receipt may use."""
    return {
        "customer_name": first_name(customer),
        "client_id": customer.client_id,
        "agent_name": settings.agent_name,
        "company_name": settings.company_name,
        "payee_name": settings.payee_names[0] if settings.payee_names else settings.company_name,
        "payee_phone": settings.payee_phones[0] if settings.payee_phones else "",
    }


def tell_customer(session: Session, messenger: Messenger, customer: Customer, kind: ReplyKind,
                  context: dict[str, Any], *, key: str, document: Path | None = None,
                  local_channel: str = "sandbox") -> Chat | None:
    """Queue script `kind` to the customer's chat, once per `key`; None when they cannot be reached."""
    if kind.template is None:
        raise ValueError(f"{kind} has no script to send")
    chat = customer_chat(messenger.settings, customer, local_channel)
    if chat is None:
        return None
    enqueue(session, dedupe_key=f"customer:{customer.id}:{key}", channel=chat.channel, recipient=chat.recipient,
            audience=Audience.CUSTOMER, kind=kind.value, text=messenger.replies.render(kind.template, context),
            media_path=str(document) if document else None)
    return chat


def subject_of(company: str, kind: str) -> str:
    """An e-mail's subject: the company and what the message is (`Wolk Software: estado de cuenta del mes`)."""
    reply = ReplyKind.named(kind)
    return f"{company}: {reply.label}" if reply is not None else company
