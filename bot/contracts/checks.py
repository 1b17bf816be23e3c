"""The six checks support makes on a receipt (seed 003), as named rules with a reason in Spanish."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from bot.account.allocation import SettledPeriod
from bot.account.operations import (
    AccountError,
    AccountPolicy,
    AllocationResult,
    PendingPayment,
    find_settled_period,
    preview_payment,
    told_in_colones,
)
from bot.account.repository import customers_with_entries
from bot.config import Settings
from bot.contracts.due import contract_amount_due
from bot.contracts.registry import (
    NameMatchStatus,
    find_by_client_id,
    find_by_identity,
    find_by_payer_name,
    name_score,
    select_contract,
)
from bot.db.models import Contract, Customer, Intake, Payment
from bot.db.rates import rate_for
from bot.ocr.fields import ReceiptFields
from bot.vocabulary import ReceiptField, ReplyKind
from currency.due import AmountDue
from currency.money import CRC, USD, Money, format_money, round_amount
from currency.rates import AppliedRate, RateNotFound
from currency.text import fold, normalize_phone

PAYEE_MATCH = 85.0
"""A payee name scoring this much against a configured company name is the company."""
PAYEE_SIMILAR = 70.0
"""Between this and PAYEE_MATCH the payee only looks like the company: an agent decides."""
REJECTED_STATE = "rejected"
PERIOD_LABELS = {"monthly": "mensual", "annual": "anual", "installment": "cuota"}


class CheckStatus(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


RULES = ("payee", "date", "client_id", "contract", "amount", "duplicate")


@dataclass(frozen=True)
class CheckResult:
    """One rule's verdict; `reason` is what the support agent reads."""

    name: str
    status: CheckStatus
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status.value, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> CheckResult:
        return cls(data["name"], CheckStatus(data["status"]), data["reason"])


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _from_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _money_json(value: Money | None) -> dict[str, str] | None:
    return None if value is None else {"amount": str(value.amount), "currency": value.currency}


def _money_from(data: Mapping[str, Any], key: str, legacy: str) -> Money | None:
    """A stored amount; reports written before the account kept it as `legacy` (colones, a decimal string)."""
    value = data.get(key)
    if isinstance(value, Mapping):
        return Money(Decimal(str(value["amount"])), str(value["currency"]))
    old = data.get(legacy)
    return Money(Decimal(old), CRC) if old is not None else None


@dataclass
class CheckReport:
    """Everything the intake, the staff card and the reply need to know about one receipt."""

    results: list[CheckResult]
    customer_id: int | None = None
    contract_id: int | None = None
    amount_due: AmountDue | None = None
    """The period's fee plus IVA at the receipt date's rate (the "CÁLCULO $ A COLONES" lines)."""
    paid_crc: Decimal | None = None
    difference: Money | None = None
    """What is still due after this payment, as the customer is told it (colones at today's rate): above
    zero the customer paid short by this much."""
    credit: Money | None = None
    """What the payment leaves in the customer's favour, as they are told it."""
    owed: Money | None = None
    """What was due when the payment came, as the customer is told it."""
    told_rate: AppliedRate | None = None
    """Today's rate the customer's amounts were told in colones at (dollar accounts)."""
    account: AllocationResult | None = None
    """What the payment would do to the customer's account; None when the customer has no account yet
    (the amount is then compared with the contract's fee, as before the account)."""
    settled_period: SettledPeriod | None = None
    """Seed 000: the period, already paid with another reference, that this payment looks like a second
    payment of."""
    contract_chosen: bool = False
    """Staff chose the order this receipt pays (CONTRATO): the next check keeps it."""
    client_id_present: bool = False
    contract_expired: bool = False
    duplicate_of: int | None = None
    reply_kind: ReplyKind = ReplyKind.RECEIVED
    client_id: str | None = None
    customer_name: str | None = None
    matched_by: str | None = None
    """How the customer was found: client_id, phone, payer_phone or name."""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    """Customers an ambiguous payer name could be (id, name, score), best first."""

    def result(self, name: str) -> CheckResult:
        return next(r for r in self.results if r.name == name)

    def passed(self) -> bool:
        """Every rule passed outright: the only case that may be forwarded without an agent."""
        return all(r.status is CheckStatus.PASS for r in self.results)

    def failed(self) -> bool:
        return any(r.status is CheckStatus.FAIL for r in self.results)

    def results_json(self) -> list[dict[str, str]]:
        """The rules alone, as stored in `Intake.checks`."""
        return [r.to_json() for r in self.results]

    def to_json(self) -> dict[str, Any]:
        return {
            "results": self.results_json(),
            "customer_id": self.customer_id,
            "contract_id": self.contract_id,
            "amount_due": self.amount_due.to_json() if self.amount_due else None,
            "paid_crc": _decimal(self.paid_crc),
            "difference": _money_json(self.difference),
            "credit": _money_json(self.credit),
            "owed": _money_json(self.owed),
            "told_rate": self.told_rate.to_json() if self.told_rate else None,
            "account": self.account.to_json() if self.account else None,
            "settled_period": self.settled_period.to_json() if self.settled_period else None,
            "contract_chosen": self.contract_chosen,
            "client_id_present": self.client_id_present,
            "contract_expired": self.contract_expired,
            "duplicate_of": self.duplicate_of,
            "reply_kind": self.reply_kind.value,
            "client_id": self.client_id,
            "customer_name": self.customer_name,
            "matched_by": self.matched_by,
            "candidates": self.candidates,
            "passed": self.passed(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckReport:
        """The report as `to_json` stored it (on `Intake.checks`)."""
        due = data.get("amount_due")
        return cls(
            results=[CheckResult.from_json(result) for result in data.get("results", [])],
            customer_id=data.get("customer_id"),
            contract_id=data.get("contract_id"),
            amount_due=AmountDue.from_json(due) if due else None,
            paid_crc=_from_decimal(data.get("paid_crc")),
            difference=_money_from(data, "difference", "difference_crc"),
            credit=_money_from(data, "credit", "credit_crc"),
            owed=_money_from(data, "owed", "owed_crc"),
            told_rate=AppliedRate.from_json(data["told_rate"]) if data.get("told_rate") else None,
            account=AllocationResult.from_json(data["account"]) if data.get("account") else None,
            settled_period=SettledPeriod.from_json(data["settled_period"]) if data.get("settled_period") else None,
            contract_chosen=bool(data.get("contract_chosen")),
            client_id_present=bool(data.get("client_id_present")),
            contract_expired=bool(data.get("contract_expired")),
            duplicate_of=data.get("duplicate_of"),
            reply_kind=ReplyKind.named(data.get("reply_kind")) or ReplyKind.RECEIVED,
            client_id=data.get("client_id"),
            customer_name=data.get("customer_name"),
            matched_by=data.get("matched_by"),
            candidates=list(data.get("candidates") or []),
        )


def _crc(amount: Decimal) -> str:
    return format_money(Money(amount, CRC))


def extract_client_id(fields: ReceiptFields, settings: Settings) -> str | None:
    """The client ID the reader found, or the one the configured pattern finds in the description."""
    if fields.client_id and fields.client_id.strip():
        return fields.client_id.strip()
    if fields.description:
        found = re.search(settings.client_id_pattern, fields.description, re.IGNORECASE)
        if found:
            return found.group(1)
    return None


def _in_description(fields: ReceiptFields, client_id: str | None, settings: Settings) -> bool:
    """Whether the customer wrote `client_id` in the payment's description themselves."""
    if not client_id or not fields.description:
        return False
    found = re.search(settings.client_id_pattern, fields.description, re.IGNORECASE)
    return found is not None and found.group(1) == client_id


def is_unreadable(fields: ReceiptFields) -> bool:
    """Too little was read to check anything: no amount, or none of date, reference and payee."""
    if fields.amount is None:
        return True
    return not any((fields.date, fields.reference, fields.payee_name, fields.payee_phone))


def check_payee(fields: ReceiptFields, settings: Settings) -> CheckResult:
    """Rule 1: the money went to the company (its SINPE Móvil number or its name)."""
    phones = {normalize_phone(p) for p in settings.payee_phones}
    phone = normalize_phone(fields.payee_phone or "")
    score = 0.0
    if fields.payee_name:
        score = max((name_score(fields.payee_name, name) for name in settings.payee_names), default=0.0)
    if phone and phone in phones:
        return CheckResult("payee", CheckStatus.PASS, f"Pagado al SINPE Móvil de la empresa ({phone}).")
    if score >= PAYEE_MATCH:
        if phone:
            return CheckResult(
                "payee", CheckStatus.WARN,
                f"El beneficiario «{fields.payee_name}» es la empresa, pero el número {phone} no es "
                "uno de los configurados; revisar.",
            )
        return CheckResult("payee", CheckStatus.PASS, f"Pagado a «{fields.payee_name}», la empresa.")
    if not fields.payee_name and not phone:
        return CheckResult(
            "payee", CheckStatus.WARN, "No se pudo leer a quién se hizo el pago; revisar en la imagen."
        )
    if score >= PAYEE_SIMILAR:
        return CheckResult(
            "payee", CheckStatus.WARN,
            f"El beneficiario «{fields.payee_name}» se parece al nombre de la empresa "
            f"({score:.0f}/100); revisar.",
        )
    shown = fields.payee_name or phone
    return CheckResult(
        "payee", CheckStatus.FAIL, f"El pago no se hizo a la empresa: el beneficiario es «{shown}»."
    )


def check_date(fields: ReceiptFields, settings: Settings, today: date) -> CheckResult:
    """Rule 2: recent (configurable window) and not in the future."""
    if fields.date is None:
        return CheckResult("date", CheckStatus.WARN, "No se pudo leer la fecha del comprobante; revisar.")
    shown = f"{fields.date:%d/%m/%Y}"
    if fields.date > today:
        return CheckResult("date", CheckStatus.FAIL, f"La fecha {shown} está en el futuro.")
    age = (today - fields.date).days
    if age > settings.recent_days:
        return CheckResult(
            "date", CheckStatus.FAIL,
            f"El comprobante es del {shown}: tiene {age} días (máximo {settings.recent_days}).",
        )
    return CheckResult("date", CheckStatus.PASS, f"Fecha {shown}, hace {age} días.")


def _identify(
    session: Session, fields: ReceiptFields, client_id: str | None, sender_channel: str, sender: str,
    report: CheckReport, *, typed_by_staff: bool = False,
) -> tuple[Customer | None, CheckResult]:
    """Rule 3: the client ID in the description (or typed in by an agent), else the sender, the payer's
    phone or the payer's name."""
    if client_id:
        customer = find_by_client_id(session, client_id)
        if customer is not None:
            report.matched_by = "client_id"
            where = "indicado por soporte (el comprobante no lo traía)" if typed_by_staff else "en el motivo"
            return customer, CheckResult(
                "client_id", CheckStatus.PASS, f"ID {client_id} {where}: {customer.full_name}."
            )
        prefix = f"El ID {client_id} del motivo no corresponde a ningún cliente. "
    else:
        prefix = "El motivo del pago no trae el ID del cliente. "
    customer = find_by_identity(session, sender_channel, sender) if sender else None
    if customer is not None:
        report.matched_by = "phone"
        return customer, CheckResult(
            "client_id", CheckStatus.WARN,
            prefix + f"Identificado por el número que escribió ({sender}): {customer.full_name}, "
            f"ID {customer.client_id}.",
        )
    if fields.payer_phone:
        customer = find_by_identity(session, "cli", fields.payer_phone)
        if customer is not None:
            report.matched_by = "payer_phone"
            return customer, CheckResult(
                "client_id", CheckStatus.WARN,
                prefix + f"Identificado por el teléfono del pagador ({fields.payer_phone}): "
                f"{customer.full_name}, ID {customer.client_id}.",
            )
    if fields.payer_name:
        lookup = find_by_payer_name(session, fields.payer_name)
        if lookup.status is NameMatchStatus.FOUND and lookup.best is not None:
            customer = session.get(Customer, lookup.best.customer_id)
            if customer is not None:
                report.matched_by = "name"
                return customer, CheckResult(
                    "client_id", CheckStatus.WARN,
                    prefix + f"Identificado por el nombre del pagador «{fields.payer_name}»: "
                    f"{customer.full_name}, ID {customer.client_id} "
                    f"(coincidencia {lookup.best.score:.0f}/100).",
                )
        if lookup.status is NameMatchStatus.AMBIGUOUS:
            report.candidates = [
                {"customer_id": c.customer_id, "name": c.name, "score": c.score} for c in lookup.candidates
            ]
            options = "; ".join(f"{c.name} ({c.score:.0f})" for c in lookup.candidates)
            return None, CheckResult(
                "client_id", CheckStatus.FAIL,
                prefix + f"El nombre «{fields.payer_name}» es ambiguo: {options}. Confirmar el cliente.",
            )
    return None, CheckResult(
        "client_id", CheckStatus.FAIL,
        prefix + "No se encontró el cliente por número, teléfono ni nombre; confirmar quién es.",
    )


def _contract_label(contract: Contract) -> str:
    period = PERIOD_LABELS.get(contract.period, contract.period)
    label = f"{contract.payment_code} ({period}"
    if contract.installment:
        label += f" {contract.installment}"
    return label + ")"


def check_contract(
    session: Session, customer: Customer | None, today: date, report: CheckReport, chosen_id: int | None = None,
) -> tuple[Contract | None, CheckResult]:
    """Rule 4: the customer has a contract (the one staff chose, else the earliest still owing); an ended one
    ("ID vencido") is still forwarded."""
    if customer is None or customer.id is None:
        return None, CheckResult("contract", CheckStatus.FAIL, "Sin cliente no se puede ubicar el contrato.")
    chosen = session.get(Contract, chosen_id) if chosen_id is not None else None
    if chosen is not None and chosen.customer_id == customer.id:
        contract: Contract | None = chosen
        report.contract_chosen = True
    else:
        contract = select_contract(session, customer.id, today)
    if contract is None:
        return None, CheckResult(
            "contract", CheckStatus.FAIL, f"El cliente ID {customer.client_id} no tiene contratos cargados."
        )
    label = _contract_label(contract) + (" elegido por soporte" if report.contract_chosen else "")
    if contract.end_date is not None and contract.end_date < today:
        report.contract_expired = True
        return contract, CheckResult(
            "contract", CheckStatus.WARN,
            f"ID vencido: el contrato {label} terminó el {contract.end_date:%d/%m/%Y}. Se reenvía el pago "
            "y se informa al cliente que quedamos a la espera de la activación.",
        )
    until = f", vigente hasta el {contract.end_date:%d/%m/%Y}" if contract.end_date else ""
    return contract, CheckResult("contract", CheckStatus.PASS, f"Contrato {label}{until}.")


PendingOf = Callable[[int], Sequence[PendingPayment]]
"""The payments of a customer approved but not applied yet (the intake core knows them)."""


def check_amount(
    session: Session, fields: ReceiptFields, contract: Contract | None, on_date: date,
    settings: Settings, report: CheckReport, *, today: date | None = None, pending_of: PendingOf | None = None,
) -> CheckResult:
    """Rule 5: the payment against what is due now on the customer's account (previous balance, this
    payment, new balance, the charges it settles); short is stated, over is credit, a period already paid
    is a possible duplicate. A customer without an account is compared with the contract's fee plus IVA."""
    if fields.amount is None:
        return CheckResult("amount", CheckStatus.FAIL, "No se pudo leer el monto pagado.")
    if contract is None:
        return CheckResult("amount", CheckStatus.WARN, "Sin contrato no se puede comparar el monto.")
    try:
        report.amount_due = contract_amount_due(contract, on_date, session, settings)
    except RateNotFound:
        report.amount_due = None
    if customers_with_entries(session, [contract.customer_id]):
        paid = Money(fields.amount, (fields.currency or CRC).upper())
        pending = pending_of(contract.customer_id) if pending_of is not None else ()
        return _against_account(session, paid, fields.reference, contract, on_date, today or on_date,
                                settings, report, pending)
    return _against_fee(session, fields, on_date, settings, report)


def _charges_text(names: list[str]) -> str:
    return "; ".join(names)


def _against_account(
    session: Session, paid: Money, reference: str | None, contract: Contract, on_date: date, today: date,
    settings: Settings, report: CheckReport, pending: Sequence[PendingPayment],
) -> CheckResult:
    policy = AccountPolicy.from_settings(settings)
    try:
        result = preview_payment(session, contract.customer_id, paid, on_date, policy=policy,
                                 contract_id=contract.id, pending=pending)
    except AccountError as error:
        return CheckResult("amount", CheckStatus.WARN,
                           f"No se pudo comparar con la cuenta del cliente: {error}; revisar a mano.")
    report.account = result
    owed = told_in_colones(session, result.due_before or Money.zero(result.applied.currency), today, policy)
    report.owed, report.told_rate = owed.amount, owed.rate
    shown_paid = format_money(paid)
    if result.rate is not None and paid.currency != result.applied.currency:
        shown_paid += f" = {format_money(result.applied)} ({result.rate.describe()})"
    owed_text = format_money(result.due_before or Money.zero(result.applied.currency))
    if owed.amount.currency != result.applied.currency:
        owed_text += f" ({format_money(owed.amount)} al {owed.rate_text})"
    settled = [charge.description for charge in result.settled]
    if not result.complete:
        left = told_in_colones(session, result.left_to_pay, today, policy)
        report.difference = left.amount
        open_after = [c.description for c in result.charges if not c.settled]
        which = f" ({_charges_text(open_after)})" if open_after else ""
        paid_off = f" Salda: {_charges_text(settled)}." if settled else ""
        return CheckResult(
            "amount", CheckStatus.FAIL,
            f"Pago incompleto: pagó {shown_paid} y debía {owed_text}; diferencia pendiente "
            f"{format_money(left.amount)}{which}.{paid_off}",
        )
    report.difference = Money.zero(owed.amount.currency)
    if result.credit_created.amount > 0:
        credit = told_in_colones(session, result.credit_created, today, policy)
        report.credit = credit.amount
        period = find_settled_period(
            session, contract.customer_id, paid, on_date, policy=policy,
            contract_id=contract.id if report.contract_chosen else None, reference=reference, pending=pending,
        )
        if period is not None:
            report.settled_period = period
            earlier = f" con la referencia {', '.join(period.references)}" if period.references else ""
            return CheckResult(
                "amount", CheckStatus.WARN,
                f"Posible pago duplicado: {period.description} (vence {period.due_date:%d/%m/%Y}) ya estaba "
                f"pagado{earlier}. Este pago de {shown_paid} quedaría como saldo a favor de "
                f"{format_money(credit.amount)}: dejarlo a favor para la próxima cuota o registrar la devolución.",
            )
        paid_off = f"salda {_charges_text(settled)} y " if settled else ""
        return CheckResult(
            "amount", CheckStatus.WARN,
            f"Pagó de más: pagó {shown_paid} y debía {owed_text}; {paid_off}queda un saldo a favor de "
            f"{format_money(credit.amount)} para el próximo cobro.",
        )
    return CheckResult(
        "amount", CheckStatus.PASS,
        f"Monto correcto: pagó {shown_paid} y debía {owed_text}; salda {_charges_text(settled) or 'lo pendiente'}.",
    )


def _against_fee(
    session: Session, fields: ReceiptFields, on_date: date, settings: Settings, report: CheckReport
) -> CheckResult:
    """Without an account: paid vs. the fee at the receipt date's rate plus IVA."""
    assert fields.amount is not None
    due = report.amount_due
    if due is None:
        return CheckResult(
            "amount", CheckStatus.WARN,
            f"No hay tipo de cambio registrado al {on_date:%d/%m/%Y}; calcular el monto a mano "
            "(paybot rates set).",
        )
    paid_currency = (fields.currency or CRC).upper()
    paid = fields.amount
    if paid_currency == USD:
        try:
            applied = due.rate or rate_for(session, on_date, settings.rate_side)
        except RateNotFound:
            return CheckResult(
                "amount", CheckStatus.WARN,
                f"Pago en dólares y no hay tipo de cambio al {on_date:%d/%m/%Y}; revisar a mano.",
            )
        paid = round_amount(paid * applied.value, CRC, whole_colones=settings.whole_colones)
    report.paid_crc = paid
    difference = due.total_crc - paid
    report.owed = Money(due.total_crc, CRC)
    report.difference = Money(max(difference, Decimal("0")), CRC)
    shown_due = format_money(due.total, whole_colones=settings.whole_colones)
    rate_note = ""
    if due.rate is not None:
        rate_note = f" ({due.rate.describe()})"
    if abs(difference) <= settings.amount_tolerance:
        report.difference = Money(Decimal("0.00"), CRC)
        return CheckResult(
            "amount", CheckStatus.PASS,
            f"Monto correcto: pagó {_crc(paid)}; corresponde {shown_due}{rate_note}.",
        )
    if difference > 0:
        return CheckResult(
            "amount", CheckStatus.FAIL,
            f"Pago incompleto: pagó {_crc(paid)} y corresponde {shown_due}{rate_note}; "
            f"diferencia pendiente {_crc(difference)}.",
        )
    report.credit = Money(-difference, CRC)
    return CheckResult(
        "amount", CheckStatus.WARN,
        f"Pagó de más: pagó {_crc(paid)} y corresponde {shown_due}{rate_note}; "
        f"queda un saldo a favor de {_crc(-difference)}.",
    )


def _same_bank(left: str | None, right: str | None) -> bool:
    return not left or not right or fold(left) == fold(right)


def check_duplicate(
    session: Session, fields: ReceiptFields, media_sha256: str | None, intake_id: int | None,
    report: CheckReport,
) -> CheckResult:
    """Rule 6: no earlier live intake or applied payment has this bank reference or this very image (a
    receipt sent twice and read side by side flags the resend, never the first)."""
    reference = (fields.reference or "").strip()
    if reference:
        payments = session.exec(select(Payment).where(Payment.reference == reference)).all()
        for payment in payments:
            if _same_bank(payment.bank, fields.bank) and payment.intake_id != intake_id:
                report.duplicate_of = payment.intake_id
                where = (f"pago del ingreso #{payment.intake_id}" if payment.intake_id is not None
                         else f"captura manual, {payment.method}")
                return CheckResult(
                    "duplicate", CheckStatus.FAIL,
                    f"Duplicado: la referencia {reference} ya se aplicó ({where}).",
                )
        stored_reference = Intake.__table__.c.fields["reference"].as_string()  # type: ignore[attr-defined]
        query = select(Intake).where(stored_reference == reference, Intake.state != REJECTED_STATE)
        if intake_id is not None:
            query = query.where(col(Intake.id) < intake_id)
        for earlier in session.exec(query.order_by(col(Intake.id))).all():
            if _same_bank(ReceiptFields.from_json(earlier.fields).bank, fields.bank):
                report.duplicate_of = earlier.id
                return CheckResult(
                    "duplicate", CheckStatus.FAIL,
                    f"Duplicado: la referencia {reference} ya llegó en el ingreso #{earlier.id}.",
                )
    if media_sha256:
        query = select(Intake).where(Intake.media_sha256 == media_sha256, Intake.state != REJECTED_STATE)
        if intake_id is not None:
            query = query.where(col(Intake.id) < intake_id)
        same_image = session.exec(query.order_by(col(Intake.id))).first()
        if same_image is not None:
            report.duplicate_of = same_image.id
            return CheckResult(
                "duplicate", CheckStatus.FAIL,
                f"Duplicado: la misma imagen ya llegó en el ingreso #{same_image.id}.",
            )
    if not reference:
        return CheckResult(
            "duplicate", CheckStatus.WARN, "Sin referencia legible: solo se comparó la imagen."
        )
    return CheckResult("duplicate", CheckStatus.PASS, f"La referencia {reference} no se había recibido.")


def choose_reply(report: CheckReport, fields: ReceiptFields, today: date) -> ReplyKind:
    """The one customer reply that fits, most important first."""
    status = {r.name: r.status for r in report.results}
    if status["duplicate"] is CheckStatus.FAIL:
        return ReplyKind.DUPLICATE
    if is_unreadable(fields):
        return ReplyKind.UNREADABLE
    if status["payee"] is CheckStatus.FAIL:
        return ReplyKind.NOT_COMPANY
    if status["date"] is CheckStatus.FAIL:
        in_future = fields.date is not None and fields.date > today
        return ReplyKind.UNREADABLE if in_future else ReplyKind.TOO_OLD
    if report.customer_id is None:
        return ReplyKind.CUSTOMER_UNKNOWN
    if report.difference is not None and report.difference.amount > 0 and status["amount"] is CheckStatus.FAIL:
        return ReplyKind.SHORT_PAYMENT
    if report.contract_expired:
        return ReplyKind.CONTRACT_EXPIRED
    if not report.client_id_present:
        return ReplyKind.RECEIVED_MISSING_ID
    return ReplyKind.RECEIVED


def check_receipt(
    session: Session,
    fields: ReceiptFields,
    *,
    sender_channel: str,
    sender: str,
    media_sha256: str | None,
    intake_id: int | None,
    settings: Settings,
    now: datetime,
    chosen_contract_id: int | None = None,
    typed_by_staff: frozenset[ReceiptField] = frozenset(),
    pending_of: PendingOf | None = None,
) -> CheckReport:
    """Run the six rules on what the reader found; reads the database, never writes it.

    `chosen_contract_id`: the order staff said this receipt pays. `typed_by_staff`: fields an agent typed
    in (an ID typed by an agent was not on the receipt: the customer still gets the scripts asking for it).
    `pending_of`: a customer's payments approved but not applied yet, which the amount check counts as paid."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    today = now.astimezone(settings.tz).date()
    report = CheckReport(results=[])
    client_id = extract_client_id(fields, settings)
    id_typed = ReceiptField.CLIENT_ID in typed_by_staff and not _in_description(fields, client_id, settings)
    payee = check_payee(fields, settings)
    when = check_date(fields, settings, today)
    customer, identity = _identify(session, fields, client_id, sender_channel, sender, report,
                                   typed_by_staff=id_typed)
    if customer is not None:
        report.customer_id = customer.id
        report.client_id = customer.client_id
        report.customer_name = customer.full_name
        report.client_id_present = report.matched_by == "client_id" and not id_typed
    contract, contract_result = check_contract(session, customer, today, report, chosen_contract_id)
    report.contract_id = contract.id if contract else None
    on_date = fields.date if fields.date and fields.date <= today else today
    amount = check_amount(session, fields, contract, on_date, settings, report, today=today, pending_of=pending_of)
    duplicate = check_duplicate(session, fields, media_sha256, intake_id, report)
    report.results = [payee, when, identity, contract_result, amount, duplicate]
    report.reply_kind = choose_reply(report, fields, today)
    return report
