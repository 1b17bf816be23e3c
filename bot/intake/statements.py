"""A customer's statement (estado de cuenta) sent to their own chat as a PDF document: when staff send it
(the card's button, `ESTADO <client id>`) and when the customer asks for it."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from bot.account.documents import StatementFormat, file_name, render
from bot.account.operations import AccountPolicy, load_statement
from bot.collections.contact import customer_chat
from bot.config import Settings
from bot.contracts.registry import find_by_identity
from bot.db.models import Customer, Intake
from bot.intake.cards import first_name
from bot.intake.sending import Document, Messenger
from bot.media_store import MediaStore
from bot.vocabulary import ReplyKind
from currency.money import Money

RECENT_INTAKES = 20
"""How many of a customer's latest receipts are looked at to find the chat they write from."""


def statement_document(session: Session, settings: Settings, customer: Customer, today: date, media: MediaStore
                       ) -> tuple[Document, dict[str, object]]:
    """The customer's statement up to `today` as a PDF stored with the media (so every process can send it and
    WhatsApp can fetch it from a signed link), and what the message that carries it says."""
    assert customer.id is not None
    statement = load_statement(session, customer.id, company=settings.company_name, today=today,
                               policy=AccountPolicy.from_settings(settings))
    data = render(statement, StatementFormat.PDF)
    stored = media.put(data, StatementFormat.PDF.mime_type)
    balances = [Money(section.closing, section.currency) for section in statement.sections]
    context: dict[str, object] = {
        "customer_name": first_name(customer, None),
        "client_id": customer.client_id,
        "today": today,
        "balances": [balance for balance in balances if balance.amount != 0],
        "owed": [balance for balance in balances if balance.amount > 0],
    }
    return Document(stored.reference, file_name(statement, StatementFormat.PDF)), context


def stored_stem(document: Document) -> str:
    """The stored file's name without its extension: the content's digest."""
    return document.path.rpartition("/")[2].partition(".")[0]


def linked(session: Session, channel: str, sender: str, customer: Customer) -> bool:
    """Whether `sender` on `channel` is this customer's own phone or Telegram account."""
    found = find_by_identity(session, channel, sender)
    return found is not None and found.id == customer.id


def own_chat(session: Session, settings: Settings, customer: Customer, local_channel: str,
             intake: Intake | None = None) -> tuple[str, str] | None:
    """The customer's own chat: the one `intake` came from when its sender is theirs, else the latest of their
    messages sent from their own phone or account, else where collections reach them (WhatsApp, Telegram,
    e-mail; the local channel when none runs). None when they cannot be reached."""
    candidates = [intake] if intake is not None else []
    candidates += session.exec(
        select(Intake).where(Intake.customer_id == customer.id).order_by(col(Intake.id).desc()).limit(RECENT_INTAKES)
    ).all()
    for earlier in candidates:
        if linked(session, earlier.channel, earlier.sender, customer):
            return earlier.channel, earlier.reply_to or earlier.sender
    chat = customer_chat(settings, customer, local_channel)
    return (chat.channel, chat.recipient) if chat is not None else None


def send_statement(session: Session, messenger: Messenger, customer: Customer, chat: tuple[str, str], today: date,
                   *, intake_id: int | None = None) -> Document:
    """Queue the statement to `chat` as a document, with a line saying what it is. Returns the document."""
    document, context = statement_document(session, messenger.settings, customer, today, messenger.media)
    channel, recipient = chat
    messenger.tell_chat(session, channel, recipient, ReplyKind.STATEMENT, dict(context),
                        key=f"statement:{customer.id}:{stored_stem(document)}:{channel}:{recipient}",
                        intake_id=intake_id, document=document)
    return document
