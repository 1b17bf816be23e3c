"""A customer's personal data under Costa Rica's Ley 8968: everything held about them, exported as JSON, and
their anonymisation (names, numbers, messages and receipt images go; the accounting stays: amounts, dates,
bank references, client ID, account entries)."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from bot.contracts.registry import find_by_client_id, stored_phones
from bot.db.models import (
    AccessChange,
    AccountEntry,
    AuditEvent,
    BankMovement,
    CallTask,
    Contract,
    Customer,
    ErpDelivery,
    GraceExtension,
    Intake,
    IntakeEvent,
    OutboxMessage,
    OutboxState,
    Payment,
    PaymentEvent,
    PaymentReversal,
    Reminder,
    ReminderState,
    WhatsAppWindow,
)
from bot.db.types import utcnow
from bot.intake.states import IntakeState, record
from bot.media_store import FolderStore, MediaStore
from currency.text import international_phone, national_phone

log = logging.getLogger(__name__)

ANONYMISED = "[anonimizado]"
TAG = "anonimizado"
LAW = "Ley 8968 de Protección de la Persona frente al Tratamiento de sus Datos Personales (Costa Rica)"
PARTICLES = frozenset({"del", "las", "los", "san", "santa"})
"""Words inside names that are not the person (`Vargas del Valle`): never scrubbed on their own."""
KEPT_FIELDS = frozenset({"amount", "currency", "date", "reference", "bank", "client_id", "payee_name"})
"""What is kept of a receipt's reading: what accounting needs, nothing about the person."""
OPEN = frozenset({IntakeState.RECEIVED.value, IntakeState.READ.value, IntakeState.CHECKED.value,
                  IntakeState.IN_REVIEW.value, IntakeState.FORWARDED.value})
"""States in which a person still has to act on the receipt (its image is what they look at)."""


class UnknownCustomer(LookupError):
    """No customer has that client ID."""


@dataclass
class Holdings:
    """The rows that hold something about one customer."""

    customer: Customer
    contracts: list[Contract]
    intakes: list[Intake]
    events: list[IntakeEvent]
    payments: list[Payment]
    entries: list[AccountEntry]
    reminders: list[Reminder]
    messages: list[OutboxMessage]
    windows: list[WhatsAppWindow]
    audits: list[AuditEvent]
    numbers: set[str] = field(default_factory=set)
    collections: list[SQLModel] = field(default_factory=list)
    """Grace extensions, access changes, call tasks and payment reversals: their reasons and notes are free text."""
    erp: list[ErpDelivery] = field(default_factory=list)
    payment_events: list[PaymentEvent] = field(default_factory=list)
    """The payments' audit: reasons written by staff (a manual sync's explanation) may name the person."""
    bank_movements: list[BankMovement] = field(default_factory=list)
    """The company's bank lines matched to their payments: banks write the payer's name in the description."""


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _senders_of(customer: Customer) -> tuple[set[str], str | None]:
    """The customer's numbers in E.164 and their Telegram user id, as senders are stored."""
    numbers = stored_phones(customer)
    telegram = str(customer.telegram_user_id) if customer.telegram_user_id is not None else None
    return numbers, telegram


def _is_theirs(sender: str, channel: str, numbers: set[str], telegram: str | None) -> bool:
    if channel == "telegram":
        return telegram is not None and sender.strip() == telegram
    return bool(numbers) and international_phone(sender.removeprefix("whatsapp:")) in numbers


def holdings(session: Session, client_id: str) -> Holdings:
    """Everything stored about the customer with `client_id`: their record, contracts, the intakes they sent
    (matched to them, or from one of their numbers), what was said to them, their payments and account."""
    customer = find_by_client_id(session, client_id)
    if customer is None or customer.id is None:
        raise UnknownCustomer(client_id)
    numbers, telegram = _senders_of(customer)
    tails = {f"%{national_phone(number)[-4:]}%" for number in numbers if len(national_phone(number)) >= 4}
    by_sender: list[ColumnElement[bool]] = [col(Intake.sender).like(tail) for tail in tails]
    if telegram is not None:
        by_sender.append(col(Intake.sender) == telegram)
    candidates = session.exec(
        select(Intake).where(or_(col(Intake.customer_id) == customer.id, *by_sender)).order_by(col(Intake.id))
    ).all()
    intakes = [intake for intake in candidates
               if intake.customer_id == customer.id or _is_theirs(intake.sender, intake.channel, numbers, telegram)]
    intake_ids = [intake.id for intake in intakes if intake.id is not None]
    recipients = {*numbers, *(f"whatsapp:{number}" for number in numbers), *([telegram] if telegram else [])}
    messages = session.exec(
        select(OutboxMessage).where(or_(col(OutboxMessage.intake_id).in_(intake_ids),
                                        col(OutboxMessage.recipient).in_(recipients)))
        .order_by(col(OutboxMessage.id))
    ).all()
    payments = session.exec(select(Payment).where(Payment.customer_id == customer.id)
                            .order_by(col(Payment.id))).all()
    payment_ids = [p.id for p in payments if p.id is not None]
    return Holdings(
        customer=customer,
        contracts=list(session.exec(select(Contract).where(Contract.customer_id == customer.id)
                                    .order_by(col(Contract.id))).all()),
        intakes=intakes,
        events=list(session.exec(select(IntakeEvent).where(col(IntakeEvent.intake_id).in_(intake_ids))
                                 .order_by(col(IntakeEvent.id))).all()),
        payments=list(payments),
        entries=list(session.exec(select(AccountEntry).where(AccountEntry.customer_id == customer.id)
                                  .order_by(col(AccountEntry.id))).all()),
        reminders=list(session.exec(
            select(Reminder).where(or_(col(Reminder.customer_id) == customer.id,
                                       col(Reminder.intake_id).in_(intake_ids)))
            .order_by(col(Reminder.id))).all()),
        messages=list(messages),
        windows=list(session.exec(select(WhatsAppWindow).where(col(WhatsAppWindow.number).in_(numbers))).all()),
        audits=list(session.exec(
            select(AuditEvent).where(col(AuditEvent.user).in_([*recipients, *(_digits(n) for n in numbers)]))
            .order_by(col(AuditEvent.id))).all()),
        numbers=numbers,
        collections=[row for table in (GraceExtension, AccessChange, CallTask, PaymentReversal)
                     for row in session.exec(select(table).where(col(table.customer_id) == customer.id)
                                             .order_by(col(table.id))).all()],
        erp=list(session.exec(select(ErpDelivery).where(col(ErpDelivery.payment_id).in_(payment_ids))
                              .order_by(col(ErpDelivery.id))).all()),
        payment_events=list(session.exec(select(PaymentEvent).where(col(PaymentEvent.payment_id).in_(payment_ids))
                                         .order_by(col(PaymentEvent.id))).all()),
        bank_movements=list(session.exec(select(BankMovement).where(col(BankMovement.payment_id).in_(payment_ids))
                                         .order_by(col(BankMovement.id))).all()),
    )


def _rows(rows: Iterable[SQLModel]) -> list[dict[str, Any]]:
    return [row.model_dump(mode="json") for row in rows]


def export(session: Session, client_id: str, now: datetime | None = None,
           media: MediaStore | None = None) -> dict[str, Any]:
    """Everything held about the customer as plain JSON values (the right of access)."""
    held = holdings(session, client_id)
    store: MediaStore = media or FolderStore(Path())
    events: dict[int, list[dict[str, Any]]] = {}
    for event in held.events:
        events.setdefault(event.intake_id, []).append(event.model_dump(mode="json"))
    intakes = []
    for intake in held.intakes:
        row = intake.model_dump(mode="json", exclude={"claimed_by", "claimed_at", "attempts"})
        row["media_file_present"] = bool(intake.media_path) and store.exists(intake.media_path or "")
        row["events"] = events.get(intake.id or 0, [])
        intakes.append(row)
    return {
        "generated_at": (now or utcnow()).isoformat(timespec="seconds"),
        "law": LAW,
        "customer": held.customer.model_dump(mode="json"),
        "contracts": _rows(held.contracts),
        "receipts": intakes,
        "payments": _rows(held.payments),
        "account_entries": _rows(held.entries),
        "reminders": _rows(held.reminders),
        "messages": _rows(held.messages),
        "whatsapp_windows": _rows(held.windows),
        "refused_actions": _rows(held.audits),
        "collections": [{"table": type(row).__tablename__, **row.model_dump(mode="json")} for row in held.collections],
        "erp_deliveries": _rows(held.erp),
        "payment_audit": _rows(held.payment_events),
        "bank_movements": _rows(held.bank_movements),
    }


ACCENTED = {"a": "aáàâä", "e": "eéèêë", "i": "iíìîï", "o": "oóòôö", "u": "uúùûü", "n": "nñ", "c": "cç"}
"""Letters as banks and staff may write them: a bank line says MARIA JOSE for María José."""


def _folded(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _accent_blind(word: str) -> str:
    return "".join(f"[{ACCENTED[c.lower()]}]" if c.lower() in ACCENTED else re.escape(c) for c in word)


class Scrubber:
    """Replaces every written form of a person's names, numbers and addresses inside free text and JSON."""

    def __init__(self, words: Iterable[str]) -> None:
        unique = sorted({_folded(w.strip()) for w in words if w and len(w.strip()) >= 3}, key=len, reverse=True)
        alternatives = "|".join(_accent_blind(w) for w in unique)
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if unique else None

    def text(self, value: str | None) -> str | None:
        if value is None or self.pattern is None:
            return value
        return self.pattern.sub(ANONYMISED, value)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        return value


def _personal_words(held: Holdings) -> list[str]:
    customer = held.customer
    names = [customer.first_names, customer.last_names, customer.full_name, *customer.known_payer_names,
             *(intake.sender_name for intake in held.intakes),
             *(str(intake.fields.get("payer_name") or "") for intake in held.intakes)]
    words = [*names, *(word for name in names for word in name.split() if word.lower() not in PARTICLES),
             customer.document_number,
             *customer.emails]
    for number in held.numbers:
        national = national_phone(number)
        words += [number, number.removeprefix("+"), national]
        if len(national) == 8:
            words += [f"{national[:4]}-{national[4:]}", f"{national[:4]} {national[4:]}"]
    if customer.telegram_user_id is not None:
        words.append(str(customer.telegram_user_id))
    return words


@dataclass(frozen=True)
class Forgotten:
    """What `forget` changed."""

    receipts: int
    files: list[str]
    messages: int
    reminders_cancelled: int
    kept_payments: int
    kept_entries: int


def open_receipts(session: Session, client_id: str) -> list[int]:
    """The customer's intakes that a person still has to act on."""
    return [intake.id for intake in holdings(session, client_id).intakes
            if intake.state in OPEN and intake.id is not None]


def forget(session: Session, client_id: str, *, actor: str = "operador", now: datetime | None = None) -> Forgotten:
    """Anonymise the customer in the caller's transaction; their receipt files (`files`) are for the caller to
    delete with `delete_files` once that committed. Amounts, dates, references and the account stay."""
    now = now or utcnow()
    held = holdings(session, client_id)
    scrub = Scrubber(_personal_words(held))
    customer = held.customer
    customer.first_names = ""
    customer.last_names = ANONYMISED
    customer.document_number = f"{TAG}-{customer.id}"
    customer.phones = []
    customer.emails = []
    customer.whatsapp_number = None
    customer.telegram_user_id = None
    customer.known_payer_names = []
    customer.tags = sorted({*customer.tags, TAG})
    customer.updated_at = now
    session.add(customer)
    files: list[str] = []
    for intake in held.intakes:
        if intake.media_path:
            files.append(intake.media_path)
        intake.sender = TAG
        intake.sender_name = ""
        intake.reply_to = ""
        intake.text = None
        intake.media_path = None
        intake.media_source = None
        intake.fields = {k: v for k, v in intake.fields.items() if k in KEPT_FIELDS}
        intake.confidences = {k: v for k, v in intake.confidences.items() if k in KEPT_FIELDS}
        intake.checks = scrub.json(intake.checks)
        intake.error = scrub.text(intake.error)
        intake.updated_at = now
        session.add(intake)
    for event in held.events:
        event.changes = scrub.json(event.changes)
        event.reason = scrub.text(event.reason)
        session.add(event)
    cancelled = 0
    for message in held.messages:
        if message.audience == "customer":
            message.text = ANONYMISED
            message.recipient = TAG
            if message.state == OutboxState.PENDING.value:
                message.state = OutboxState.FAILED.value
                message.last_error = "no enviado: datos del cliente anonimizados"
        else:
            message.text = scrub.text(message.text) or ""
        message.media_path = None
        message.buttons = scrub.json(message.buttons)
        session.add(message)
    for reminder in held.reminders:
        if reminder.state == ReminderState.PENDING.value:
            reminder.state = ReminderState.CANCELLED.value
            reminder.last_error = "datos del cliente anonimizados"
            cancelled += 1
        reminder.recipient = TAG
        reminder.payload = scrub.json(reminder.payload)
        session.add(reminder)
    for entry in held.entries:
        described = scrub.text(entry.description) or ""
        if described != entry.description:
            entry.description = described
            session.add(entry)
    for payment in held.payments:
        payment.sync_note = scrub.text(payment.sync_note)
        session.add(payment)
    for audit in held.audits:
        audit.user = TAG
        audit.chat = TAG
        audit.detail = scrub.text(audit.detail)
        session.add(audit)
    for row in held.collections:
        for name in ("reason", "note", "outcome"):
            if isinstance(getattr(row, name, None), str):
                setattr(row, name, scrub.text(getattr(row, name)))
        session.add(row)
    for delivery in held.erp:
        delivery.payload = scrub.json(delivery.payload)
        delivery.answer = scrub.json(delivery.answer)
        session.add(delivery)
    for audited in held.payment_events:
        audited.reason = scrub.text(audited.reason)
        audited.details = scrub.json(audited.details)
        session.add(audited)
    for movement in held.bank_movements:
        movement.description = scrub.text(movement.description) or ""
        session.add(movement)
    if held.numbers:
        session.execute(delete(WhatsAppWindow).where(col(WhatsAppWindow.number).in_(held.numbers)))
    for intake in held.intakes:
        record(session, intake, actor=actor, reason="datos personales anonimizados (Ley 8968)",
               changes={"anonymised": True})
    session.flush()
    log.info("customer %s anonymised: %d receipts, %d files", customer.client_id, len(held.intakes), len(files))
    return Forgotten(receipts=len(held.intakes), files=sorted(set(files)), messages=len(held.messages),
                     reminders_cancelled=cancelled, kept_payments=len(held.payments), kept_entries=len(held.entries))


def delete_files(session: Session, paths: Iterable[str], media: MediaStore | None = None) -> int:
    """Delete receipt files no intake names any more (one image may have been sent by several people)."""
    store: MediaStore = media or FolderStore(Path())
    wanted = sorted(set(paths))
    if not wanted:
        return 0
    still_used = set(session.exec(select(Intake.media_path).where(col(Intake.media_path).in_(wanted))).all())
    deleted = 0
    for path in wanted:
        if path not in still_used and store.exists(path):
            store.delete(path)
            deleted += 1
    return deleted
