"""The six checks support makes on a receipt (seed 003), as named rules with a reason in Spanish."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

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
from bot.vocabulary import ReplyKind
from currency.due import AmountDue
from currency.money import CRC, USD, Money, format_money, round_amount
from currency.rates import RateNotFound
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


@dataclass
class CheckReport:
    """Everything the intake, the staff card and the reply need to know about one receipt."""

    results: list[CheckResult]
    customer_id: int | None = None
    contract_id: int | None = None
    amount_due: AmountDue | None = None
    paid_crc: Decimal | None = None
    difference_crc: Decimal | None = None
    """Due minus paid: above zero the customer paid short by this much."""
    credit_crc: Decimal | None = None
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
            "difference_crc": _decimal(self.difference_crc),
            "credit_crc": _decimal(self.credit_crc),
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
            difference_crc=_from_decimal(data.get("difference_crc")),
            credit_crc=_from_decimal(data.get("credit_crc")),
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
    report: CheckReport,
) -> tuple[Customer | None, CheckResult]:
    """Rule 3: the client ID in the description, else the sender, the payer's phone or the payer's name."""
    if client_id:
        customer = find_by_client_id(session, client_id)
        if customer is not None:
            report.matched_by = "client_id"
            return customer, CheckResult(
                "client_id", CheckStatus.PASS, f"ID {client_id} en el motivo: {customer.full_name}."
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
    session: Session, customer: Customer | None, today: date, report: CheckReport
) -> tuple[Contract | None, CheckResult]:
    """Rule 4: the customer has a contract; an ended one ("ID vencido") is still forwarded."""
    if customer is None or customer.id is None:
        return None, CheckResult("contract", CheckStatus.FAIL, "Sin cliente no se puede ubicar el contrato.")
    contract = select_contract(session, customer.id, today)
    if contract is None:
        return None, CheckResult(
            "contract", CheckStatus.FAIL, f"El cliente ID {customer.client_id} no tiene contratos cargados."
        )
    label = _contract_label(contract)
    if contract.end_date is not None and contract.end_date < today:
        report.contract_expired = True
        return contract, CheckResult(
            "contract", CheckStatus.WARN,
            f"ID vencido: el contrato {label} terminó el {contract.end_date:%d/%m/%Y}. Se reenvía el pago "
            "y se informa al cliente que quedamos a la espera de la activación.",
        )
    until = f", vigente hasta el {contract.end_date:%d/%m/%Y}" if contract.end_date else ""
    return contract, CheckResult("contract", CheckStatus.PASS, f"Contrato {label}{until}.")


def check_amount(
    session: Session, fields: ReceiptFields, contract: Contract | None, on_date: date,
    settings: Settings, report: CheckReport,
) -> CheckResult:
    """Rule 5: paid vs. fee at the receipt date's rate plus IVA; short is stated, over is credit."""
    if fields.amount is None:
        return CheckResult("amount", CheckStatus.FAIL, "No se pudo leer el monto pagado.")
    if contract is None:
        return CheckResult("amount", CheckStatus.WARN, "Sin contrato no se puede comparar el monto.")
    try:
        due = contract_amount_due(contract, on_date, session, settings)
    except RateNotFound:
        return CheckResult(
            "amount", CheckStatus.WARN,
            f"No hay tipo de cambio registrado al {on_date:%d/%m/%Y}; calcular el monto a mano "
            "(paybot rates set).",
        )
    report.amount_due = due
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
    report.difference_crc = difference
    shown_due = format_money(due.total, whole_colones=settings.whole_colones)
    rate_note = ""
    if due.rate is not None:
        rate_note = f" ({due.rate.describe()})"
    if abs(difference) <= settings.amount_tolerance:
        report.difference_crc = Decimal("0.00") if difference == 0 else difference
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
    report.credit_crc = -difference
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
    """Rule 6: no other live intake or applied payment has this bank reference or this very image."""
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
            query = query.where(Intake.id != intake_id)
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
            query = query.where(Intake.id != intake_id)
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
    if report.difference_crc is not None and status["amount"] is CheckStatus.FAIL:
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
) -> CheckReport:
    """Run the six rules on what the reader found; reads the database, never writes it."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    today = now.astimezone(settings.tz).date()
    report = CheckReport(results=[])
    client_id = extract_client_id(fields, settings)
    payee = check_payee(fields, settings)
    when = check_date(fields, settings, today)
    customer, identity = _identify(session, fields, client_id, sender_channel, sender, report)
    if customer is not None:
        report.customer_id = customer.id
        report.client_id = customer.client_id
        report.customer_name = customer.full_name
        report.client_id_present = report.matched_by == "client_id"
    contract, contract_result = check_contract(session, customer, today, report)
    report.contract_id = contract.id if contract else None
    on_date = fields.date if fields.date and fields.date <= today else today
    amount = check_amount(session, fields, contract, on_date, settings, report)
    duplicate = check_duplicate(session, fields, media_sha256, intake_id, report)
    report.results = [payee, when, identity, contract_result, amount, duplicate]
    report.reply_kind = choose_reply(report, fields, today)
    return report
