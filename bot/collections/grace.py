"""Grace extensions (seed 003: "mover la fecha del contrato 3 días" when the customer needs the system urgently),
recorded on the overdue charge they postpone: who granted it, why, until when. The contract's dates are never
moved; the block and the reminders read the extension. At most PAYBOT_GRACE_MAX per charge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.account.entries import OpenCharge
from bot.collections.arrears import Arrears, arrears_one
from bot.db.models import GraceExtension

DEFAULT_REASON = "urgente: el cliente necesita el sistema mientras se aplica el pago"


class GraceRefused(Exception):
    """The extension cannot be granted; the message says why, in Spanish, for the staff member."""


@dataclass(frozen=True)
class Granted:
    """An extension just written, and the charge it is on (None for a customer with no account yet)."""

    extension: GraceExtension
    charge: OpenCharge | None
    count: int
    """This charge's extensions so far, this one included."""


def _charge_for(arrears: Arrears, contract_id: int | None) -> OpenCharge | None:
    """The charge an extension postpones: the oldest overdue one (of `contract_id` first), else the next due."""
    for pool in (arrears.overdue, arrears.open_charges):
        mine = [c for c in pool if contract_id is not None and c.contract_id == contract_id]
        if mine or pool:
            return (mine or list(pool))[0]
    return None


def extensions_on(session: Session, customer_id: int, charge_entry_id: int | None,
                  contract_id: int | None) -> int:
    """How many extensions the charge (or, without an account, the contract) already had."""
    query = select(func.count()).select_from(GraceExtension).where(GraceExtension.customer_id == customer_id)
    if charge_entry_id is not None:
        query = query.where(GraceExtension.charge_entry_id == charge_entry_id)
    else:
        query = query.where(col(GraceExtension.charge_entry_id).is_(None)).where(
            GraceExtension.contract_id == contract_id)
    return int(session.exec(query).one())


def grant(session: Session, *, customer_id: int, today: date, days: int, most: int, actor: str,
          staff_id: int | None = None, reason: str = "", intake_id: int | None = None,
          contract_id: int | None = None) -> Granted:
    """Record a grace extension of `days` from `today` on the customer's oldest overdue charge."""
    arrears = arrears_one(session, customer_id, today)
    charge = _charge_for(arrears, contract_id)
    charge_id = charge.entry_id if charge is not None else None
    on_contract = charge.contract_id if charge is not None and charge.contract_id is not None else contract_id
    earlier = extensions_on(session, customer_id, charge_id, on_contract)
    if earlier >= most:
        what = f"el cargo «{charge.description}» (vence {charge.due_date:%d/%m/%Y})" if charge else "este contrato"
        raise GraceRefused(f"{what} ya tuvo {earlier} prórroga(s), el máximo permitido (PAYBOT_GRACE_MAX={most}): "
                           "contabilidad debe decidir")
    extension = GraceExtension(
        customer_id=customer_id, contract_id=on_contract, charge_entry_id=charge_id, intake_id=intake_id,
        granted_by=actor[:120], staff_id=staff_id, reason=(reason.strip() or DEFAULT_REASON)[:500],
        starts_on=today, until=today + timedelta(days=days),
    )
    session.add(extension)
    session.flush()
    return Granted(extension, charge, earlier + 1)


def active_extensions(session: Session, customer_ids: set[int] | None, today: date) -> list[GraceExtension]:
    """Extensions still running on `today` (their last day included)."""
    query = select(GraceExtension).where(GraceExtension.until >= today).where(GraceExtension.starts_on <= today)
    if customer_ids is not None:
        query = query.where(col(GraceExtension.customer_id).in_(sorted(customer_ids)))
    return list(session.exec(query).all())


def covers(extensions: list[GraceExtension], customer_id: int, charge: OpenCharge) -> bool:
    """Whether one of `extensions` postpones `charge` (an extension without a charge covers the whole customer)."""
    return any(
        extension.customer_id == customer_id
        and (extension.charge_entry_id is None or extension.charge_entry_id == charge.entry_id)
        for extension in extensions
    )


def ended(session: Session, today: date) -> list[GraceExtension]:
    """Extensions whose last day is past and that nobody has looked at since."""
    return list(session.exec(
        select(GraceExtension).where(GraceExtension.until < today).where(col(GraceExtension.ended_at).is_(None))
        .order_by(col(GraceExtension.id))
    ).all())


def close(session: Session, extension: GraceExtension, *, outcome: str, now: datetime) -> None:
    extension.ended_at = now
    extension.outcome = outcome
    session.add(extension)
