"""Access block and unblock (seed 002: "bloquear el acceso a clientes con impagos"): automatic after a charge is
overdue more than PAYBOT_BLOCK_AFTER_DAYS (off by default), or by staff; released the moment the overdue balance
is paid, by any route. Each change is one `AccessChange` row, announced once (see `announce`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.collections.arrears import arrears_of
from bot.collections.grace import active_extensions, covers
from bot.db.models import AccessChange, Customer, CustomerStatus

RELEASED = "saldo vencido pagado"
SYSTEM_ACTOR = "paybot"


class AccessRefused(Exception):
    """The change cannot be made; the message says why, in Spanish."""


def is_blocked(customer: Customer) -> bool:
    return customer.status == CustomerStatus.BLOCKED.value


def change(session: Session, customer: Customer, *, blocked: bool, reason: str, actor: str, now: datetime,
           staff_id: int | None = None, automatic: bool = False) -> AccessChange:
    """Block or unblock `customer`, recording who and why; refused when it is already so."""
    if is_blocked(customer) == blocked:
        state = "bloqueado" if blocked else "activo"
        raise AccessRefused(f"el cliente {customer.client_id} ya está {state}")
    if not reason.strip():
        raise AccessRefused("indique el motivo por escrito")
    customer.status = (CustomerStatus.BLOCKED if blocked else CustomerStatus.ACTIVE).value
    customer.updated_at = now
    session.add(customer)
    row = AccessChange(customer_id=customer.id or 0, blocked=blocked, automatic=automatic, reason=reason.strip()[:500],
                       actor=actor[:120], staff_id=staff_id, created_at=now)
    session.add(row)
    session.flush()
    return row


def blocked_customers(session: Session, customer_ids: Iterable[int] | None = None) -> list[Customer]:
    query = select(Customer).where(Customer.status == CustomerStatus.BLOCKED.value)
    if customer_ids is not None:
        query = query.where(col(Customer.id).in_(sorted(set(customer_ids))))
    return list(session.exec(query.order_by(col(Customer.id))).all())


def release_paid(session: Session, today: date, now: datetime,
                 customer_ids: Iterable[int] | None = None) -> list[AccessChange]:
    """Unblock every blocked customer (of `customer_ids`) with nothing overdue any more: a payment, an adjustment,
    a credit or a re-import paid it. Safe to call after any change to an account, and on a timer."""
    blocked = blocked_customers(session, customer_ids)
    if not blocked:
        return []
    late = arrears_of(session, today, [c.id for c in blocked if c.id is not None])
    released = []
    for customer in blocked:
        arrears = late.get(customer.id or 0)
        if arrears is None or not arrears.is_late:
            released.append(change(session, customer, blocked=False, reason=RELEASED, actor=SYSTEM_ACTOR,
                                   now=now, automatic=True))
    return released


def _unblocked_by_staff_since(session: Session, customer_id: int, since: date) -> bool:
    latest = session.exec(
        select(AccessChange).where(AccessChange.customer_id == customer_id).order_by(col(AccessChange.id).desc())
    ).first()
    return (latest is not None and not latest.blocked and not latest.automatic
            and latest.created_at.date() >= since)


def block_overdue(session: Session, today: date, now: datetime, after_days: int | None) -> list[AccessChange]:
    """Block customers with a charge overdue more than `after_days` days (None: never), unless a grace extension
    postpones that charge, or staff unblocked them after it crossed the line."""
    if after_days is None:
        return []
    late = {cid: a for cid, a in arrears_of(session, today).items() if a.days_late > after_days}
    if not late:
        return []
    extensions = active_extensions(session, set(late), today)
    customers = session.exec(select(Customer).where(col(Customer.id).in_(sorted(late)))
                             .where(Customer.status != CustomerStatus.BLOCKED.value)).all()
    blocked = []
    for customer in customers:
        arrears = late[customer.id or 0]
        crossing = [c for c in arrears.overdue if (today - c.due_date).days > after_days
                    and not covers(extensions, arrears.customer_id, c)]
        if not crossing:
            continue
        oldest = crossing[0]
        if _unblocked_by_staff_since(session, arrears.customer_id, oldest.due_date + timedelta(days=after_days)):
            continue
        reason = (f"{oldest.description} vencido el {oldest.due_date:%d/%m/%Y}: "
                  f"{(today - oldest.due_date).days} días de atraso (más de {after_days})")
        blocked.append(change(session, customer, blocked=True, reason=reason, actor=SYSTEM_ACTOR, now=now,
                              automatic=True))
    return blocked
