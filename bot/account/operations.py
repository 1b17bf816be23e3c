"""What callers do with an account: read its balance, apply a payment, adjust, credit, refund, charge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

import bot.account.repository as repository
from bot.account.allocation import (
    ChargePaid,
    Ledger,
    SettledPeriod,
    already_settled,
    effect_of,
    settle,
    settle_accounts,
)
from bot.account.conversion import MissingRate, convert, tolerance_in
from bot.account.entries import ZERO, Entry, EntryKind, OpenCharge, PaymentMethod, from_cents
from bot.account.reminders import cancel_settled as cancel_settled_reminders
from bot.account.statement import Statement, build_statement
from bot.db.models import Payment
from bot.db.rates import rate_for
from currency.money import CRC, CURRENCIES, Money, format_money
from currency.rates import AppliedRate, RateNotFound

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_TIMEZONE = ZoneInfo("America/Costa_Rica")
ROUNDING_REASON = "Diferencia de redondeo dentro de la tolerancia de {tolerance}"


class AccountError(ValueError):
    """An account operation that cannot be done; the message is for the operator, in Spanish."""


class ReferenceAlreadyApplied(AccountError):
    """A bank reference can be applied only once."""


@dataclass(frozen=True)
class AccountPolicy:
    """The settings the account works with (from `bot.config.Settings`, see `from_settings`)."""

    rate_side: str = "sell"
    tolerance_crc: Decimal = Decimal("1")
    whole_colones: bool = False
    timezone: ZoneInfo = DEFAULT_TIMEZONE

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountPolicy:
        return cls(
            rate_side=settings.rate_side,
            tolerance_crc=settings.amount_tolerance,
            whole_colones=settings.whole_colones,
            timezone=settings.tz,
        )

    def today(self, now: datetime) -> date:
        if now.tzinfo is None:
            raise ValueError("now must be time-zone aware")
        return now.astimezone(self.timezone).date()


def find_rate(session: Session, on_date: date, policy: AccountPolicy) -> AppliedRate | None:
    """The USD/CRC rate of `on_date` (or the latest before it) on the configured side; None if none stored."""
    try:
        return rate_for(session, on_date, policy.rate_side)
    except RateNotFound:
        return None


@dataclass(frozen=True)
class Told:
    """An amount as a customer is told it: in colones at the day's rate (and that rate), else as it is."""

    amount: Money
    rate: AppliedRate | None = None

    @property
    def rate_text(self) -> str:
        return self.rate.describe() if self.rate is not None else ""


def told_in_colones(session: Session, amount: Money, today: date, policy: AccountPolicy) -> Told:
    """`amount` in colones at `today`'s rate (the "CÁLCULO $ A COLONES" sheet); a dollar amount stays in
    dollars when no rate is stored."""
    if amount.currency == CRC:
        return Told(amount.rounded())
    rate = find_rate(session, today, policy)
    return Told(convert(amount, CRC, rate), rate) if rate is not None else Told(amount.rounded())


@dataclass(frozen=True)
class AccountBalance:
    """One currency of a customer's account right now."""

    customer_id: int
    currency: str
    balance: Decimal
    owed: Decimal
    credit: Decimal
    open_charges: tuple[OpenCharge, ...]

    @property
    def money(self) -> Money:
        return Money(self.balance, self.currency)

    def overdue(self, today: date) -> Decimal:
        return sum((c.open for c in self.open_charges if c.overdue(today)), ZERO)

    @property
    def next_due(self) -> date | None:
        return min((c.due_date for c in self.open_charges), default=None)

    @classmethod
    def of(cls, ledger: Ledger) -> AccountBalance:
        return cls(
            customer_id=ledger.customer_id,
            currency=ledger.currency,
            balance=ledger.balance,
            owed=ledger.owed,
            credit=ledger.credit,
            open_charges=tuple(ledger.open_charges()),
        )


@dataclass(frozen=True)
class CustomerBalance:
    """A customer's account in every currency it has, and today's rate to tell it in colones."""

    customer_id: int
    today: date
    accounts: tuple[AccountBalance, ...]
    rate: AppliedRate | None = None

    @property
    def settled(self) -> bool:
        """Nothing owed in any currency (zero, or in the customer's favour)."""
        return all(account.balance <= 0 for account in self.accounts)

    def account(self, currency: str) -> AccountBalance | None:
        return next((a for a in self.accounts if a.currency == currency), None)

    @property
    def open_charges(self) -> list[OpenCharge]:
        charges = [c for account in self.accounts for c in account.open_charges]
        return sorted(charges, key=lambda c: (c.due_date, c.entry_id))

    def in_colones(self) -> Money | None:
        """What the customer is told: the whole balance in colones at today's rate (None without a rate)."""
        total = ZERO
        for account in self.accounts:
            try:
                total += convert(account.money, CRC, self.rate).amount
            except MissingRate:
                return None
        return Money(total, CRC)


def _ledgers(session: Session, customer_id: int, *, until: date | None = None) -> dict[str, Ledger]:
    entries = repository.load_entries(session, customer_id, until=until)
    return {currency: ledger for (_cid, currency), ledger in settle_accounts(entries).items()}


def customer_balance(
    session: Session, customer_id: int, *, today: date, policy: AccountPolicy | None = None
) -> CustomerBalance:
    """Open balance of a customer now: per currency, with its open charges and due dates."""
    policy = policy or AccountPolicy()
    ledgers = _ledgers(session, customer_id)
    accounts = tuple(AccountBalance.of(ledgers[c]) for c in sorted(ledgers))
    rate = find_rate(session, today, policy) if any(a.currency != CRC for a in accounts) else None
    return CustomerBalance(customer_id=customer_id, today=today, accounts=accounts, rate=rate)


def contract_balance(session: Session, contract_id: int) -> Money:
    """What is open on one payment order, in its currency."""
    contract = repository.contract(session, contract_id)
    if contract is None:
        raise AccountError(f"no existe el contrato {contract_id}")
    ledger = _ledgers(session, contract.customer_id).get(contract.currency)
    return Money(ledger.contract_balance(contract_id) if ledger else ZERO, contract.currency)


def owing_contract_ids(session: Session, customer_id: int) -> set[int]:
    """The customer's payment orders that still have something open."""
    return {
        charge.contract_id
        for ledger in _ledgers(session, customer_id).values()
        for charge in ledger.open_charges()
        if charge.contract_id is not None
    }


@dataclass(frozen=True)
class OpenBalance:
    """One line of the every-customer balance list (what delinquency lists read)."""

    customer_id: int
    balance: Money


def open_balances(session: Session, customer_ids: Iterable[int] | None = None) -> list[OpenBalance]:
    """Every customer's balance per currency that is not zero, as one SUM over the entries."""
    ids = list(customer_ids) if customer_ids is not None else None
    return [
        OpenBalance(customer_id, Money(from_cents(cents), currency))
        for customer_id, currency, cents in repository.balance_sums(session, ids)
    ]


@dataclass(frozen=True)
class AllocationResult:
    """What one payment did to the account: the numbers a support card and a customer reply need."""

    payment_id: int
    entry_id: int
    paid: Money
    applied: Money
    rate: AppliedRate | None
    previous_balance: Money
    new_balance: Money
    charges: tuple[ChargePaid, ...]
    credit_created: Money
    written_off: Money
    reminders_cancelled: int = 0
    rate_missing: bool = False
    """No USD/CRC rate was stored for a payment meant for an account in the other currency: it was kept in
    the currency it was paid, in the customer's favour, for staff to settle with an adjustment."""
    due_before: Money | None = None
    """What was due when the payment came (every charge due by its date, else the next ones to fall due)."""
    still_due: Money | None = None
    """What the payment left open of `due_before`: above zero the customer paid short by this much."""
    chased: tuple[int, ...] = ()
    """The charges (entry ids) still open in `still_due`: what a reminder of the difference chases."""

    @property
    def settled(self) -> tuple[ChargePaid, ...]:
        return tuple(c for c in self.charges if c.settled)

    @property
    def left_to_pay(self) -> Money:
        """What is still due now after this payment (zero when it paid everything that was due)."""
        return self.still_due if self.still_due is not None else Money.zero(self.applied.currency)

    @property
    def complete(self) -> bool:
        """Nothing that was due is left open."""
        return self.left_to_pay.amount <= 0

    @property
    def balance_reached_zero(self) -> bool:
        return self.new_balance.amount <= 0 < self.previous_balance.amount

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (decimal strings) to keep with an intake; `from_json` reads it back."""
        def money(value: Money) -> dict[str, str]:
            return {"amount": str(value.amount), "currency": value.currency}

        return {
            "payment_id": self.payment_id, "entry_id": self.entry_id, "paid": money(self.paid),
            "applied": money(self.applied), "rate": self.rate.to_json() if self.rate else None,
            "previous_balance": money(self.previous_balance), "new_balance": money(self.new_balance),
            "charges": [charge.to_json() for charge in self.charges],
            "credit_created": money(self.credit_created), "written_off": money(self.written_off),
            "reminders_cancelled": self.reminders_cancelled, "rate_missing": self.rate_missing,
            "due_before": money(self.due_before) if self.due_before else None,
            "still_due": money(self.still_due) if self.still_due else None,
            "chased": list(self.chased),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AllocationResult:
        def money(value: Mapping[str, str]) -> Money:
            return Money(Decimal(value["amount"]), value["currency"])

        return cls(
            payment_id=int(data["payment_id"]), entry_id=int(data["entry_id"]), paid=money(data["paid"]),
            applied=money(data["applied"]), rate=AppliedRate.from_json(data["rate"]) if data.get("rate") else None,
            previous_balance=money(data["previous_balance"]), new_balance=money(data["new_balance"]),
            charges=tuple(ChargePaid.from_json(c) for c in data["charges"]),
            credit_created=money(data["credit_created"]), written_off=money(data["written_off"]),
            reminders_cancelled=int(data.get("reminders_cancelled") or 0),
            rate_missing=bool(data.get("rate_missing")),
            due_before=money(data["due_before"]) if data.get("due_before") else None,
            still_due=money(data["still_due"]) if data.get("still_due") else None,
            chased=tuple(int(entry_id) for entry_id in data.get("chased") or ()),
        )

    def lines(self) -> list[str]:
        """Spanish lines for an operator: previous balance, this payment, new balance, charges settled."""
        paid = format_money(self.paid)
        if self.paid.currency != self.applied.currency and self.rate is not None:
            paid += f" = {format_money(self.applied)} ({self.rate.describe()})"
        lines = [
            f"Saldo anterior: {format_money(self.previous_balance)}",
            f"Este pago: {paid}",
            f"Saldo nuevo: {_signed(self.new_balance)}",
        ]
        for charge in self.charges:
            left = Money(charge.open_after, self.applied.currency)
            state = "cancelado" if charge.settled else f"quedan {format_money(left)}"
            lines.append(
                f"  {charge.description} (vence {charge.due_date:%d/%m/%Y}): "
                f"{format_money(Money(charge.paid, self.applied.currency))}, {state}"
            )
        if self.still_due is not None and self.still_due.amount > 0:
            lines.append(f"Queda por pagar de lo vencido o por vencer: {format_money(self.still_due)}")
        if self.credit_created.amount > 0:
            lines.append(f"Saldo a favor del cliente: {format_money(self.credit_created)}")
        if self.written_off.amount > 0:
            lines.append(f"Diferencia de redondeo descartada: {format_money(self.written_off)}")
        if self.reminders_cancelled:
            lines.append(f"Recordatorios cancelados: {self.reminders_cancelled}")
        if self.rate_missing:
            lines.append("Sin tipo de cambio del día: el pago quedó en su moneda, a favor del cliente")
        return lines


def _signed(balance: Money) -> str:
    if balance.amount < 0:
        return f"{format_money(-balance)} a favor del cliente"
    return format_money(balance)


@dataclass(frozen=True)
class PendingPayment:
    """A payment approved but not applied yet (accounting has it): a preview counts it as if it were, so a
    second receipt is compared with what will be left, not with what was open before the first."""

    amount: Money
    paid_on: date
    contract_id: int | None = None
    reference: str | None = None


def _with_pending(
    session: Session, customer_id: int, entries: list[Entry], pending: Sequence[PendingPayment],
    policy: AccountPolicy, first_id: int,
) -> tuple[list[Entry], int]:
    """`entries` with `pending` payments drafted after them (numbered from `first_id`), each in the account it
    would go to; returns them and the next free draft id."""
    if not pending:
        return entries, first_id
    ledgers = {currency: ledger for (_c, currency), ledger in settle_accounts(entries).items()}
    drafts: list[Entry] = []
    for payment in pending:
        currency = _account_currency(session, customer_id, payment.amount.currency, payment.contract_id, ledgers)
        rate = find_rate(session, payment.paid_on, policy) if currency != payment.amount.currency else None
        try:
            applied = convert(payment.amount, currency, rate)
        except MissingRate:
            currency, applied = payment.amount.currency, payment.amount.rounded()
        drafts.append(Entry(
            id=first_id + len(drafts), customer_id=customer_id, currency=currency, kind=EntryKind.PAYMENT,
            amount=-applied.amount, on_date=payment.paid_on, contract_id=payment.contract_id,
            description="Pago aprobado, por aplicar", reference=payment.reference,
        ))
    return [*entries, *drafts], first_id + len(drafts)


def open_on_charges(
    session: Session, customer_id: int, charges: Sequence[int], currency: str, *, policy: AccountPolicy,
    pending: Sequence[PendingPayment] = (),
) -> Money:
    """What is still open on `charges` (entry ids of one `currency` account), counting `pending` payments."""
    entries, _next = _with_pending(session, customer_id, repository.load_entries(session, customer_id), pending,
                                   policy, repository.next_entry_id(session))
    ledger = settle_accounts(entries).get((customer_id, currency))
    if ledger is None:
        return Money.zero(currency)
    return Money(sum((max(ledger.charge_balance(entry_id), ZERO) for entry_id in charges), ZERO), currency)


@dataclass(frozen=True)
class PaymentRequest:
    """A payment to apply: how much, in which currency, the day it was paid and how; optionally the order."""

    customer_id: int
    amount: Money
    paid_on: date
    method: PaymentMethod
    actor: str
    contract_id: int | None = None
    bank: str = ""
    reference: str | None = None
    intake_id: int | None = None


def _account_currency(
    session: Session, customer_id: int, paid_currency: str, contract_id: int | None, ledgers: dict[str, Ledger]
) -> str:
    """The account a payment goes to: the chosen order's currency, else the currency of the oldest open
    charge, else the payment's own when the customer has a contract in it, else their newest contract's."""
    if contract_id is not None:
        chosen = repository.contract(session, contract_id)
        if chosen is None or chosen.customer_id != customer_id:
            raise AccountError(f"el contrato {contract_id} no es de este cliente")
        return chosen.currency
    open_charges = sorted(
        (c for ledger in ledgers.values() for c in ledger.open_charges()), key=lambda c: (c.due_date, c.entry_id)
    )
    if open_charges:
        return open_charges[0].currency
    currencies = [c.currency for c in repository.contracts_of(session, customer_id)]
    if not currencies or paid_currency in currencies:
        return paid_currency
    return currencies[-1]


def apply_payment(
    session: Session, request: PaymentRequest, *, policy: AccountPolicy, now: datetime
) -> AllocationResult:
    """Record money received (the `Payment` row, once per bank reference) and apply it to the account."""
    if request.amount.amount <= 0:
        raise AccountError("el monto del pago debe ser mayor que cero")
    if request.amount.currency not in CURRENCIES:
        raise AccountError(f"moneda desconocida: {request.amount.currency}")
    if repository.customer(session, request.customer_id) is None:
        raise AccountError(f"no existe el cliente {request.customer_id}")
    reference = (request.reference or "").strip() or None
    bank = request.bank.strip()
    if reference is not None:
        earlier = repository.applied_reference(session, reference, bank)
        if earlier is not None:
            raise ReferenceAlreadyApplied(_already_applied(reference, earlier))
    payment = Payment(
        intake_id=request.intake_id,
        customer_id=request.customer_id,
        contract_id=request.contract_id,
        amount=request.amount.amount,
        currency=request.amount.currency,
        bank=bank,
        reference=reference,
        method=request.method.value,
        paid_on=request.paid_on,
        applied_by=request.actor,
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError as error:
        raise ReferenceAlreadyApplied(f"la referencia {reference} ya fue aplicada: no se aplica dos veces") from error
    return post_payment(session, payment, policy=policy, now=now)


def _already_applied(reference: str, earlier: Payment) -> str:
    where = f"comprobante #{earlier.intake_id}" if earlier.intake_id else f"captura manual del pago {earlier.id}"
    when = f" del {earlier.paid_on:%d/%m/%Y}" if earlier.paid_on else ""
    return f"la referencia {reference} ya fue aplicada ({where}{when}): no se aplica dos veces"


@dataclass(frozen=True)
class _Plan:
    """A payment worked out against the account before anything is written."""

    currency: str
    rate: AppliedRate | None
    applied: Money
    payment: Entry
    rounding: Entry | None
    result: AllocationResult


def _due_now(open_charges: list[OpenCharge], paid_on: date, contract_id: int | None) -> list[OpenCharge]:
    """The charges a payment made on `paid_on` is meant for: every one due by that day, and when nothing
    was due yet the next ones to fall due (of the chosen order, when one is chosen). A plan loaded whole
    (seed 004) thus asks for this cuota, not for the whole plan."""
    if not open_charges:
        return []
    chosen = [c.due_date for c in open_charges if contract_id is not None and c.contract_id == contract_id]
    cut = max(paid_on, min(chosen or [c.due_date for c in open_charges]))
    return [charge for charge in open_charges if charge.due_date <= cut]


def _plan_payment(
    session: Session,
    customer_id: int,
    paid: Money,
    paid_on: date,
    *,
    contract_id: int | None,
    policy: AccountPolicy,
    description: str = "Pago",
    keep_without_rate: bool = False,
    pending: Sequence[PendingPayment] = (),
) -> _Plan:
    entries, first_id = _with_pending(session, customer_id, repository.load_entries(session, customer_id), pending,
                                      policy, repository.next_entry_id(session))
    before = {currency: ledger for (_c, currency), ledger in settle_accounts(entries).items()}
    currency = _account_currency(session, customer_id, paid.currency, contract_id, before)
    day_rate = find_rate(session, paid_on, policy)
    rate = None
    rate_missing = False
    if currency != paid.currency:
        rate = day_rate
        if rate is None and keep_without_rate:
            currency, contract_id, rate_missing = paid.currency, None, True
        elif rate is None:
            raise AccountError(
                f"no hay tipo de cambio USD/CRC al {paid_on:%d/%m/%Y} para convertir el pago: "
                "registre uno con 'paybot rates set' o 'paybot rates fetch'"
            )
    applied = convert(paid, currency, rate)
    payment = Entry(
        id=first_id, customer_id=customer_id, currency=currency, kind=EntryKind.PAYMENT, amount=-applied.amount,
        on_date=paid_on, contract_id=contract_id, description=description,
        original=paid if currency != paid.currency else None, rate=rate.value if rate is not None else None,
    )
    mine = [e for e in entries if e.currency == currency]
    after = settle([*mine, payment])
    charges, left = effect_of(after, payment.id)
    rounding = None
    limit = tolerance_in(currency, policy.tolerance_crc, rate or day_rate)
    partial = [charge for charge in charges if charge.open_after > 0]
    if left == 0 and len(partial) == 1 and partial[0].open_after <= limit:
        rounding = Entry(
            id=first_id + 1, customer_id=customer_id, currency=currency, kind=EntryKind.ADJUSTMENT,
            amount=-partial[0].open_after, on_date=paid_on, contract_id=partial[0].contract_id,
            description="Ajuste por redondeo",
            reason=ROUNDING_REASON.format(tolerance=format_money(Money(policy.tolerance_crc, CRC))),
        )
        after = settle([*mine, payment, rounding])
        charges, left = effect_of(after, payment.id)
    previous = before[currency].balance if currency in before else ZERO
    due_now = _due_now(before[currency].open_charges() if currency in before else [], paid_on, contract_id)
    still_open = {charge.entry_id: after.charge_balance(charge.entry_id) for charge in due_now}
    chased = tuple(entry_id for entry_id, amount in still_open.items() if amount > 0)
    result = AllocationResult(
        payment_id=0,
        entry_id=0,
        paid=paid,
        applied=applied,
        rate=rate,
        previous_balance=Money(previous, currency),
        new_balance=Money(after.balance, currency),
        charges=tuple(charges),
        credit_created=Money(left, currency),
        written_off=Money(-rounding.amount if rounding else ZERO, currency),
        rate_missing=rate_missing,
        due_before=Money(sum((charge.open for charge in due_now), ZERO), currency),
        still_due=Money(sum((still_open[entry_id] for entry_id in chased), ZERO), currency),
        chased=chased,
    )
    return _Plan(currency, rate, applied, payment, rounding, result)


def preview_payment(
    session: Session,
    customer_id: int,
    amount: Money,
    paid_on: date,
    *,
    policy: AccountPolicy,
    contract_id: int | None = None,
    pending: Sequence[PendingPayment] = (),
) -> AllocationResult:
    """What applying a payment would do, without writing anything: for the support card before approval.
    `pending`: payments approved but not applied yet, counted as if they were."""
    if amount.amount <= 0:
        raise AccountError("el monto del pago debe ser mayor que cero")
    return _plan_payment(session, customer_id, amount, paid_on, contract_id=contract_id, policy=policy,
                         pending=pending).result


def post_payment(
    session: Session, payment: Payment, *, policy: AccountPolicy, now: datetime, keep_without_rate: bool = False
) -> AllocationResult:
    """Put an already stored `Payment` into the account (a receipt accounting marked applied, or a capture).

    A payment that needs converting with no USD/CRC rate stored is refused (`AccountError`), unless
    `keep_without_rate`: then it is kept in the currency paid, in the customer's favour (`rate_missing`),
    so that accounting confirming a receipt is never blocked by a missing rate.
    """
    if payment.id is None:
        raise ValueError("post_payment needs a stored payment")
    try:
        how = PaymentMethod(payment.method).label
    except ValueError:
        how = payment.method
    plan = _plan_payment(
        session, payment.customer_id, Money(payment.amount, payment.currency), payment.paid_on or policy.today(now),
        contract_id=payment.contract_id, policy=policy,
        description=f"Pago · {how}" + (f" {payment.bank}" if payment.bank else ""),
        keep_without_rate=keep_without_rate,
    )
    drafted = plan.payment
    entry_id = repository.write_entry(
        session,
        customer_id=drafted.customer_id,
        currency=drafted.currency,
        kind=drafted.kind,
        amount=drafted.amount,
        on_date=drafted.on_date,
        actor=payment.applied_by,
        contract_id=drafted.contract_id,
        description=drafted.description,
        payment_id=payment.id,
        original=drafted.original,
        rate=drafted.rate,
    )
    if plan.rounding is not None:
        repository.write_entry(
            session,
            customer_id=plan.rounding.customer_id,
            currency=plan.rounding.currency,
            kind=plan.rounding.kind,
            amount=plan.rounding.amount,
            on_date=plan.rounding.on_date,
            actor="bot",
            contract_id=plan.rounding.contract_id,
            description=plan.rounding.description,
            reason=plan.rounding.reason,
        )
    cancelled = cancel_settled_reminders(
        session, [payment.customer_id], f"saldo en cero con el pago {payment.reference or payment.id}"
    )
    return replace(plan.result, payment_id=payment.id, entry_id=entry_id, reminders_cancelled=cancelled)


@dataclass(frozen=True)
class EntryResult:
    """An adjustment, credit, refund or charge written, and the balance of its account before and after."""

    entry_id: int
    kind: EntryKind
    amount: Money
    previous_balance: Money
    new_balance: Money
    reminders_cancelled: int = 0
    charges: tuple[ChargePaid, ...] = field(default=())

    def lines(self) -> list[str]:
        lines = [
            f"{self.kind.label}: {_signed_amount(self.amount)}",
            f"Saldo anterior: {_signed(self.previous_balance)}",
            f"Saldo nuevo: {_signed(self.new_balance)}",
        ]
        if self.reminders_cancelled:
            lines.append(f"Recordatorios cancelados: {self.reminders_cancelled}")
        return lines


def _signed_amount(amount: Money) -> str:
    return ("+" if amount.amount > 0 else "") + format_money(amount)


def _entry_currency(session: Session, customer_id: int, currency: str | None, contract_id: int | None) -> str:
    if contract_id is not None:
        chosen = repository.contract(session, contract_id)
        if chosen is None or chosen.customer_id != customer_id:
            raise AccountError(f"el contrato {contract_id} no es de este cliente")
        if currency and currency != chosen.currency:
            raise AccountError(f"el contrato {chosen.payment_code} es en {chosen.currency}, no en {currency}")
        return chosen.currency
    if currency:
        if currency not in CURRENCIES:
            raise AccountError(f"moneda desconocida: {currency}")
        return currency
    currencies = {c.currency for c in repository.contracts_of(session, customer_id)}
    currencies |= set(_ledgers(session, customer_id))
    if len(currencies) > 1:
        raise AccountError("el cliente tiene cuentas en colones y en dólares: indique la moneda o el contrato")
    return currencies.pop() if currencies else CRC


def _write(
    session: Session,
    customer_id: int,
    kind: EntryKind,
    amount: Decimal,
    *,
    reason: str | None,
    actor: str,
    on_date: date,
    currency: str | None = None,
    contract_id: int | None = None,
    description: str = "",
    due_date: date | None = None,
) -> EntryResult:
    if repository.customer(session, customer_id) is None:
        raise AccountError(f"no existe el cliente {customer_id}")
    if kind in (EntryKind.ADJUSTMENT, EntryKind.CREDIT, EntryKind.REFUND) and not (reason or "").strip():
        raise AccountError("indique el motivo por escrito")
    if amount == 0:
        raise AccountError("el monto no puede ser cero")
    account = _entry_currency(session, customer_id, currency, contract_id)
    before = _ledgers(session, customer_id)
    entry_id = repository.write_entry(
        session,
        customer_id=customer_id,
        currency=account,
        kind=kind,
        amount=amount,
        on_date=on_date,
        actor=actor,
        contract_id=contract_id,
        due_date=due_date,
        description=description,
        reason=(reason or "").strip() or None,
    )
    after = _ledgers(session, customer_id)
    cancelled = cancel_settled_reminders(session, [customer_id], f"saldo en cero: {kind.label.lower()}")
    charges, _left = effect_of(after[account], entry_id) if amount < 0 else ([], ZERO)
    return EntryResult(
        entry_id=entry_id,
        kind=kind,
        amount=Money(amount, account),
        previous_balance=Money(before[account].balance if account in before else ZERO, account),
        new_balance=Money(after[account].balance, account),
        reminders_cancelled=cancelled,
        charges=tuple(charges),
    )


def adjust(
    session: Session,
    customer_id: int,
    amount: Decimal,
    *,
    reason: str,
    actor: str,
    on_date: date,
    currency: str | None = None,
    contract_id: int | None = None,
) -> EntryResult:
    """A staff adjustment with its written reason: positive adds to what is owed, negative takes off."""
    return _write(session, customer_id, EntryKind.ADJUSTMENT, amount, reason=reason, actor=actor,
                  on_date=on_date, currency=currency, contract_id=contract_id,
                  description=f"Ajuste: {reason.strip()}"[:200])


def grant_credit(
    session: Session,
    customer_id: int,
    amount: Decimal,
    *,
    reason: str,
    actor: str,
    on_date: date,
    currency: str | None = None,
    contract_id: int | None = None,
) -> EntryResult:
    """A balance in the customer's favour without money received (a credit note); pays the next charge."""
    if amount <= 0:
        raise AccountError("el crédito es un monto positivo a favor del cliente")
    return _write(session, customer_id, EntryKind.CREDIT, -amount, reason=reason, actor=actor,
                  on_date=on_date, currency=currency, contract_id=contract_id,
                  description=f"Crédito: {reason.strip()}"[:200])


def record_refund(
    session: Session,
    customer_id: int,
    amount: Decimal,
    *,
    reason: str,
    actor: str,
    on_date: date,
    currency: str | None = None,
) -> EntryResult:
    """Money given back (seed 000: a period paid twice, returned): takes the amount off the customer's credit."""
    if amount <= 0:
        raise AccountError("la devolución es un monto positivo")
    return _write(session, customer_id, EntryKind.REFUND, amount, reason=reason, actor=actor,
                  on_date=on_date, currency=currency, description=f"Devolución: {reason.strip()}"[:200])


def add_charge(
    session: Session,
    customer_id: int,
    amount: Decimal,
    *,
    description: str,
    actor: str,
    on_date: date,
    due_date: date | None = None,
    contract_id: int | None = None,
    currency: str | None = None,
    reason: str | None = None,
) -> EntryResult:
    """A charge outside the plan, such as a re-charge of a returned payment (seed 002)."""
    if amount <= 0:
        raise AccountError("un cargo es un monto positivo")
    return _write(session, customer_id, EntryKind.CHARGE, amount, reason=reason, actor=actor, on_date=on_date,
                  currency=currency, contract_id=contract_id, description=description, due_date=due_date)


def find_settled_period(
    session: Session,
    customer_id: int,
    amount: Money,
    on_date: date,
    *,
    policy: AccountPolicy,
    contract_id: int | None = None,
    reference: str | None = None,
    pending: Sequence[PendingPayment] = (),
) -> SettledPeriod | None:
    """Seed 000: a payment of `amount` that looks like a second payment of a period already paid (or about to
    be, by a `pending` payment)."""
    entries, _next = _with_pending(session, customer_id, repository.load_entries(session, customer_id), pending,
                                   policy, repository.next_entry_id(session))
    ledgers = {currency: ledger for (_c, currency), ledger in settle_accounts(entries).items()}
    if not ledgers:
        return None
    currency = _account_currency(session, customer_id, amount.currency, contract_id, ledgers)
    if currency not in ledgers:
        return None
    rate = find_rate(session, on_date, policy)
    try:
        converted = convert(amount, currency, rate)
    except MissingRate:
        return None
    return already_settled(
        ledgers[currency], converted.amount, contract_id=contract_id, reference=reference,
        tolerance=tolerance_in(currency, policy.tolerance_crc, rate),
    )


def load_statement(
    session: Session,
    customer_id: int,
    *,
    company: str,
    today: date,
    start: date | None = None,
    end: date | None = None,
    policy: AccountPolicy | None = None,
) -> Statement:
    """A customer's statement from the database, ready for `documents.render` (to send it or print it)."""
    policy = policy or AccountPolicy()
    found = repository.customer(session, customer_id)
    if found is None:
        raise AccountError(f"no existe el cliente {customer_id}")
    end = end or today
    entries = repository.load_entries(session, customer_id, until=end)
    rate = find_rate(session, today, policy) if any(e.currency != CRC for e in entries) else None
    return build_statement(
        entries, company=company, client_id=found.client_id, customer_name=found.full_name,
        start=start, end=end, issued_on=today, rate=rate,
    )
