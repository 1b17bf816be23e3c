"""The tables: customers, contracts, intakes and their audit and notes, payments and their ERP deliveries and
audit, account entries, reminders, rates, staff (with their portal logins) and their prompts, cases escalated
to accounting, outbox, WhatsApp windows, scheduled jobs, the company's bank movements, collections (grace
extensions, access changes, call tasks, payment reversals), and heartbeats."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db.types import DecimalType, UTCDateTime, utcnow


def _money(default: Decimal | None = None, nullable: bool = False) -> Any:
    return Field(default=default, sa_type=DecimalType, nullable=nullable)


def _when(nullable: bool = False, index: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)


def _json(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class Customer(SQLModel, table=True):
    """Someone who pays us; `client_id` is the number they write in the payment description."""

    __table_args__ = (UniqueConstraint("document_type", "document_number"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(index=True, unique=True, max_length=40)
    document_type: str = Field(max_length=40)
    document_number: str = Field(max_length=60)
    first_names: str = Field(default="", max_length=200)
    last_names: str = Field(default="", max_length=200)
    phones: list[dict[str, str]] = _json(list)
    emails: list[str] = _json(list)
    whatsapp_number: str | None = Field(default=None, index=True, max_length=32)
    telegram_user_id: int | None = Field(default=None, index=True, sa_type=BigInteger)
    known_payer_names: list[str] = _json(list)
    tags: list[str] = _json(list)
    status: str = Field(default=CustomerStatus.ACTIVE.value, max_length=20)
    created_at: datetime = _when()
    updated_at: datetime = _when()

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_names, self.last_names) if part).strip()


class ContractPeriod(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"
    INSTALLMENT = "installment"


class Contract(SQLModel, table=True):
    """What a customer owes: a fee per period in CRC or USD, plus tax, between two dates."""

    __table_args__ = (UniqueConstraint("customer_id", "payment_code", "installment"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    payment_code: str = Field(index=True, max_length=80)
    installment: int = Field(default=0, description="Cuota number; 0 when not by installments")
    currency: str = Field(default="CRC", max_length=3)
    fee: Decimal = _money()
    charges: Decimal = _money(Decimal("0"))
    period: str = Field(default=ContractPeriod.MONTHLY.value, max_length=20)
    tax_rate: Decimal = _money(Decimal("0.13"))
    start_date: date | None = None
    end_date: date | None = None
    due_date: date | None = None
    imported_balance: Decimal | None = Field(
        default=None, sa_type=DecimalType, nullable=True,
        description="Saldo as the last import gave it (the ERP's figure); what is owed comes from AccountEntry",
    )
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Intake(SQLModel, table=True):
    """One inbound message with a receipt, from arrival to being applied; never deleted."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20, index=True)
    external_id: str = Field(max_length=120)
    sender: str = Field(max_length=80, index=True, description="Phone or channel user id")
    sender_name: str = Field(default="", max_length=200)
    reply_to: str = Field(default="", max_length=80, description="Chat or number to answer")
    text: str | None = None
    media_path: str | None = Field(default=None, max_length=500)
    media_sha256: str | None = Field(default=None, index=True, max_length=64)
    media_type: str | None = Field(default=None, max_length=60)
    media_source: str | None = Field(
        default=None, max_length=1000,
        description="Where the channel keeps the file until the worker downloads it (WhatsApp's MediaUrl); "
                    "cleared once downloaded or given up",
    )
    state: str = Field(default="received", index=True, max_length=20)
    fields: dict[str, Any] = _json(dict)
    confidences: dict[str, float] = _json(dict)
    checks: dict[str, Any] = _json(dict)
    amount_due: dict[str, Any] = _json(dict)
    reply_kind: str | None = Field(default=None, max_length=60)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    reference: str | None = Field(default=None, max_length=60, index=True,
                                  description="The bank reference read (a copy of fields['reference'], for search)")
    bank: str | None = Field(default=None, max_length=40, index=True,
                             description="The bank read (a copy of fields['bank'], for filters)")
    assigned_to_id: int | None = Field(default=None, index=True,
                                       description="The staff member (id) who took it in the portal; no foreign "
                                       "key, so the column could be added without rebuilding the table")
    overpayment: str | None = Field(
        default=None, max_length=20,
        description="What staff decided about money paid over what was due: credit (kept for the next charge) "
                    "or refund (to be given back)",
    )
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_at: datetime | None = _when(nullable=True)
    attempts: int = 0
    priority: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                          description="Place in the reading queue: 0 normal, 1 a sender past the flood limit")
    error: str | None = None
    created_at: datetime = _when(index=True)
    updated_at: datetime = _when()


class IntakeNote(SQLModel, table=True):
    """An internal note staff wrote on an intake in the portal; the customer never sees it."""

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staffmember.id")
    author: str = Field(max_length=200)
    text: str
    created_at: datetime = _when()


class IntakeEvent(SQLModel, table=True):
    """Append-only audit trail: who moved an intake from which state to which, and what changed."""

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int = Field(foreign_key="intake.id", index=True)
    actor: str = Field(max_length=120, description="customer, bot, or the staff member's name")
    staff_id: int | None = Field(default=None, foreign_key="staffmember.id", index=True,
                                 description="The staff member who acted, when one did")
    from_state: str = Field(max_length=20)
    to_state: str = Field(max_length=20)
    changes: dict[str, Any] = _json(dict)
    reason: str | None = None
    created_at: datetime = _when()


class AuditEvent(SQLModel, table=True):
    """Append-only record of what someone tried and was refused (a staff action not allowed, on any
    channel), kept even when the intake named does not exist, so refusals are never only a log line."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True, description="e.g. staff_action_refused")
    channel: str = Field(max_length=20)
    user: str = Field(max_length=120, description="Who tried: Telegram user id, WhatsApp number, sandbox role")
    chat: str = Field(max_length=120, description="Where they tried it")
    action: str = Field(max_length=20)
    intake_id: int | None = Field(default=None, index=True, sa_type=BigInteger,
                                  description="The intake named (it may not exist)")
    reason: str = Field(max_length=40, description="not_staff, role_not_allowed, no_such_intake, not_allowed_now")
    staff_id: int | None = Field(default=None, foreign_key="staffmember.id",
                                 description="The staff member who tried, when they are one")
    detail: str | None = None
    created_at: datetime = _when(index=True)


class SyncState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "sync_failed"


class Payment(SQLModel, table=True):
    """Money received and applied, from a receipt (`intake_id`) or captured by hand; a bank reference
    can be applied only once."""

    __table_args__ = (UniqueConstraint("bank", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int | None = Field(default=None, foreign_key="intake.id", unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    amount: Decimal = _money()
    currency: str = Field(default="CRC", max_length=3)
    credit: Decimal = _money(Decimal("0"))
    bank: str = Field(default="", max_length=40)
    reference: str | None = Field(default=None, max_length=60)
    method: str = Field(default="comprobante", max_length=20, description="comprobante, efectivo, sinpe ...")
    paid_on: date | None = Field(default=None, description="The day the money was paid (its rate's date)")
    applied_by: str = Field(max_length=120)
    applied_at: datetime = _when()
    sync_state: str = Field(default=SyncState.PENDING.value, max_length=20, index=True)
    sync_note: str | None = Field(default=None, description="Why it was marked synced by hand")
    synced_at: datetime | None = _when(nullable=True)
    synced_by: str | None = Field(default=None, max_length=120, description="erp, or who marked it by hand")
    invoice_number: str | None = Field(default=None, max_length=80, description="The ERP's invoice for it")
    invoice_url: str | None = Field(default=None, max_length=500)
    invoice_path: str | None = Field(default=None, max_length=500, description="The invoice file the ERP sent")


class PaymentEvent(SQLModel, table=True):
    """Append-only audit of a payment's life after it was applied: queued for the ERP, synced, failed,
    retried or marked synced by hand (with the written reason)."""

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    kind: str = Field(max_length=40)
    actor: str = Field(max_length=120)
    reason: str | None = None
    details: dict[str, Any] = _json(dict)
    created_at: datetime = _when()


class ErpDeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ErpDelivery(SQLModel, table=True):
    """One message to the ERP (a payment applied; later a reversal), written in the transaction that causes
    it, claimed before it is sent and recorded after; its idempotency key is the same on every attempt."""

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    kind: str = Field(default="payment", max_length=20)
    idempotency_key: str = Field(max_length=120, unique=True)
    payload: dict[str, Any] = _json(dict)
    state: str = Field(default=ErpDeliveryState.PENDING.value, max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _when(index=True)
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_at: datetime | None = _when(nullable=True)
    last_error: str | None = None
    answer: dict[str, Any] = _json(dict)
    created_at: datetime = _when()
    delivered_at: datetime | None = _when(nullable=True)


class AccountEntry(SQLModel, table=True):
    """One line of a customer's account, never changed once written; balances are sums of these.

    `amount_cents` is signed minor units of `currency` (positive: owed by the customer), kept as an
    integer so that SUM is exact and fast on SQLite and PostgreSQL alike.
    """

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    kind: str = Field(max_length=20)
    currency: str = Field(max_length=3)
    amount_cents: int = Field(sa_type=BigInteger)
    on_date: date
    due_date: date | None = None
    description: str = Field(default="", max_length=200)
    reason: str | None = None
    actor: str = Field(max_length=120)
    source_key: str | None = Field(default=None, max_length=120, unique=True)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", unique=True)
    original_amount: Decimal | None = Field(default=None, sa_type=DecimalType, nullable=True)
    original_currency: str | None = Field(default=None, max_length=3)
    rate: Decimal | None = Field(default=None, sa_type=DecimalType, nullable=True)
    created_at: datetime = _when()


class ReminderState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Reminder(SQLModel, table=True):
    """A message due later (e.g. a short payment's difference); survives restarts."""

    id: int | None = Field(default=None, primary_key=True)
    intake_id: int | None = Field(default=None, foreign_key="intake.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    kind: str = Field(max_length=60)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=80)
    payload: dict[str, Any] = _json(dict)
    due_at: datetime = _when(index=True)
    attempts: int = 0
    state: str = Field(default=ReminderState.PENDING.value, max_length=20, index=True)
    last_error: str | None = None
    created_at: datetime = _when()
    sent_at: datetime | None = _when(nullable=True)
    plan_key: str | None = Field(
        default=None, max_length=120, unique=True,
        description="What a planned reminder is for (kind, charge, day): the planner writes each one once",
    )
    sent_by: str | None = Field(default=None, max_length=120, description="The staff member who sent it by hand")


class ExchangeRate(SQLModel, table=True):
    """The buy (compra) and sell (venta) rate of a currency pair on one date."""

    __table_args__ = (UniqueConstraint("date", "pair"),)

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    pair: str = Field(default="USD/CRC", max_length=7)
    buy: Decimal = _money()
    sell: Decimal = _money()
    source: str = Field(default="manual", max_length=60)
    fetched_at: datetime = _when()


class StaffRole(StrEnum):
    SUPPORT = "support"
    ACCOUNTING = "accounting"
    ADMIN = "admin"


class StaffMember(SQLModel, table=True):
    """A support agent, accountant or admin, and how they are recognised on each channel: the one list of
    who may act. An empty name is learned from the channel the first time they act."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20, description="support, accounting or admin")
    telegram_user_id: int | None = Field(default=None, index=True, sa_type=BigInteger)
    whatsapp_number: str | None = Field(default=None, index=True, max_length=32)
    login: str | None = Field(default=None, max_length=60, unique=True, index=True, description="Portal user name")
    password_hash: str | None = Field(default=None, max_length=200, description="argon2id hash of the portal password")
    login_version: int = Field(default=0, description="Raised when the password changes: older sessions end")
    active: bool = True
    created_at: datetime = _when()


class LoginAttempt(SQLModel, table=True):
    """One try at the portal's login form: how attempts are limited, and a trail of who came in from where."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=60, index=True)
    address: str = Field(max_length=64, index=True)
    succeeded: bool = False
    created_at: datetime = _when(index=True)


class CaseState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseKind(StrEnum):
    GRACE = "grace"


class Case(SQLModel, table=True):
    """Something escalated to accounting that needs their decision (seed 003: a grace extension "escalado a
    contabilidad" with its link): who opened it and why, until when, and what accounting decided."""

    __tablename__ = "staffcase"
    __table_args__ = (Index("ix_staffcase_state_id", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=CaseKind.GRACE.value, max_length=20)
    state: str = Field(default=CaseState.OPEN.value, max_length=20)
    intake_id: int | None = Field(default=None, foreign_key="intake.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    opened_by: str = Field(max_length=200)
    opened_by_id: int | None = Field(default=None, foreign_key="staffmember.id")
    grace_extension_id: int | None = Field(default=None, foreign_key="graceextension.id")
    reason: str | None = Field(default=None, description="Why it was opened, as the staff member wrote it")
    until: date | None = Field(default=None, description="Until when the extension holds")
    details: dict[str, Any] = _json(dict)
    decision: str | None = Field(default=None, description="What accounting decided, in their words")
    closed_by: str | None = Field(default=None, max_length=200)
    closed_by_id: int | None = Field(default=None, foreign_key="staffmember.id")
    closed_at: datetime | None = _when(nullable=True)
    created_at: datetime = _when(index=True)


class StaffPrompt(SQLModel, table=True):
    """A question the bot asked in a staff chat (a Telegram reply prompt): the answer, a reply to it, is
    matched to its intake and action by the prompt's message id, never by reading the question's words."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    chat_id: str = Field(max_length=40)
    message_id: str = Field(max_length=40)
    action: str = Field(max_length=20)
    intake_id: int = Field(sa_type=BigInteger, description="The intake named by the button (it may not exist)")
    created_at: datetime = _when()


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    """A message to send, written with the state change that causes it and sent from here."""

    __table_args__ = (Index("ix_outboxmessage_chat", "channel", "recipient", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=160, unique=True)
    intake_id: int | None = Field(default=None, foreign_key="intake.id", index=True)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=80)
    audience: str = Field(max_length=20, description="customer, support or accounting")
    kind: str = Field(max_length=60)
    text: str
    media_path: str | None = Field(default=None, max_length=500)
    media_name: str | None = Field(default=None, max_length=120,
                                   description="The attachment's name as the recipient sees it (a statement)")
    buttons: list[dict[str, str]] = _json(list)
    state: str = Field(default=OutboxState.PENDING.value, max_length=20, index=True)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=120)
    next_attempt_at: datetime = _when(index=True)
    last_error: str | None = None
    external_id: str | None = Field(default=None, max_length=120)
    created_at: datetime = _when()
    sent_at: datetime | None = _when(nullable=True)


class WhatsAppWindow(SQLModel, table=True):
    """When a WhatsApp number (customer or staff) last wrote to us: free text may go to it for 24 hours."""

    number: str = Field(primary_key=True, max_length=32, description="International form, +506...")
    last_inbound_at: datetime = _when()


class ScheduledJob(SQLModel, table=True):
    """When a periodic job last ran and is next due: a run missed while no process was up happens, once, when
    one comes back (the rows the job works on stay the truth of what is due)."""

    name: str = Field(primary_key=True, max_length=60)
    next_run_at: datetime | None = _when(nullable=True)
    last_run_at: datetime | None = _when(nullable=True)


class BankImport(SQLModel, table=True):
    """One file of the company's bank movements loaded by `paybot bank import`."""

    id: int | None = Field(default=None, primary_key=True)
    bank: str = Field(max_length=40)
    file_name: str = Field(max_length=300)
    file_sha256: str = Field(max_length=64, index=True)
    rows: int = 0
    new_rows: int = 0
    imported_by: str = Field(max_length=120)
    created_at: datetime = _when()


class BankMovement(SQLModel, table=True):
    """A movement on the company's own bank account, as the bank exported it; an incoming one is matched to
    the payment it pays (`payment_id`) by reference, amount and date."""

    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(max_length=64, unique=True, description="Same row of the same bank: same key")
    import_id: int = Field(foreign_key="bankimport.id", index=True)
    bank: str = Field(max_length=40, index=True)
    booked_on: date = Field(index=True)
    amount: Decimal = _money()
    currency: str = Field(default="CRC", max_length=3)
    reference: str = Field(default="", max_length=80)
    reference_key: str = Field(default="", max_length=80, index=True,
                               description="The reference's digits (or letters) only, for comparing")
    description: str = Field(default="", max_length=300)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", unique=True)
    match_rule: str | None = Field(default=None, max_length=20)
    matched_at: datetime | None = _when(nullable=True)
    created_at: datetime = _when()


class GraceExtension(SQLModel, table=True):
    """A grace extension granted on a charge (seed 003's urgent case): who, why and until when the customer's
    system stays active. The contract's dates are never moved; the block and the reminders read this."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    charge_entry_id: int | None = Field(default=None, foreign_key="accountentry.id", index=True,
                                        description="The overdue charge it postpones (None: no account yet)")
    intake_id: int | None = Field(default=None, foreign_key="intake.id", index=True)
    granted_by: str = Field(max_length=120)
    staff_id: int | None = Field(default=None, foreign_key="staffmember.id")
    reason: str = Field(max_length=500)
    starts_on: date
    until: date = Field(index=True, description="The last day the system stays active on this extension")
    created_at: datetime = _when()
    ended_at: datetime | None = _when(nullable=True)
    outcome: str | None = Field(default=None, max_length=20, description="paid, or escalated (ended with it open)")


class AccessChange(SQLModel, table=True):
    """One block or unblock of a customer's access (automatic or by staff); announced once to the company's
    system (signed webhook), the customer and support."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    blocked: bool
    automatic: bool = False
    reason: str = Field(max_length=500)
    actor: str = Field(max_length=120)
    staff_id: int | None = Field(default=None, foreign_key="staffmember.id")
    created_at: datetime = _when()
    announced_at: datetime | None = _when(nullable=True, index=True)


class CallTaskState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CallTask(SQLModel, table=True):
    """Seed 002's "tarea CRM": a customer to call, assigned to one staff member, closed with the outcome."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    assigned_to: int = Field(foreign_key="staffmember.id", index=True)
    created_by: str = Field(max_length=120)
    note: str = Field(default="", max_length=500)
    state: str = Field(default=CallTaskState.OPEN.value, max_length=20, index=True)
    outcome: str | None = None
    closed_by: str | None = Field(default=None, max_length=120)
    created_at: datetime = _when()
    closed_at: datetime | None = _when(nullable=True)


class PaymentReversal(SQLModel, table=True):
    """An applied payment taken back: returned by the bank (re-charged a month later) or applied by mistake
    (undone). The payment stays on record; the reversal entries reopen the balance."""

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=20, description="returned or undone")
    reason: str = Field(max_length=500)
    actor: str = Field(max_length=120)
    staff_id: int | None = Field(default=None, foreign_key="staffmember.id")
    source: str = Field(default="cli", max_length=20, description="cli, chat, import")
    customer_told: bool = False
    created_at: datetime = _when()


class Heartbeat(SQLModel, table=True):
    """The last time a process did a kind of background work (worker, outbox, scheduler): what /healthz reports."""

    component: str = Field(primary_key=True, max_length=20)
    process: str = Field(primary_key=True, max_length=120, description="host:pid")
    beat_at: datetime = _when()
