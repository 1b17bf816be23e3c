"""Pagos: the payments table with its ERP sync state (pendiente de sincronizar, sincronizado, pagado sin
sincronizar), paged by id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.models import Customer, Payment, SyncState
from bot.portal.guard import Portal
from bot.portal.sessions import Viewer

PAGE_SIZE = 50
SYNC_FILTERS = {
    SyncState.PENDING.value: "pendiente de sincronizar",
    SyncState.SYNCED.value: "sincronizado",
    SyncState.FAILED.value: "pagado sin sincronizar",
}


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    client_id: str
    customer_name: str


@dataclass
class PaymentsPage:
    rows: list[PaymentRow]
    counts: dict[str, int]
    next_before: int | None


def load_payments(engine: Engine, state: str, text: str, before: int | None) -> PaymentsPage:
    with Session(engine) as session:
        counts = {state: count for state, count in session.exec(
            select(Payment.sync_state, func.count()).group_by(col(Payment.sync_state))).all()}
        query = select(Payment, Customer.client_id, Customer.first_names, Customer.last_names).join(
            Customer, col(Customer.id) == col(Payment.customer_id))
        if state:
            query = query.where(col(Payment.sync_state) == state)
        if text:
            query = query.where(or_(col(Payment.reference) == text, col(Customer.client_id) == text))
        if before:
            query = query.where(col(Payment.id) < before)
        found = session.exec(query.order_by(col(Payment.id).desc()).limit(PAGE_SIZE + 1)).all()
    rows = [PaymentRow(payment, client_id, " ".join(p for p in (first, last) if p))
            for payment, client_id, first, last in found[:PAGE_SIZE]]
    return PaymentsPage(rows, counts, rows[-1].payment.id if len(found) > PAGE_SIZE else None)


def routes(portal: Portal) -> list[BaseRoute]:
    async def index(request: Request, viewer: Viewer) -> Response:
        state = request.query_params.get("estado", "")
        state = state if state in SYNC_FILTERS else ""
        text = " ".join(request.query_params.get("q", "").split())[:60]
        before = request.query_params.get("antes", "")
        page = await portal.run(load_payments, portal.engine, state, text,
                                int(before) if before.isdigit() and len(before) < 19 else None)
        return portal.pages.render(request, "payments.html", page=page, state=state, text=text,
                                   filters=SYNC_FILTERS)

    return [Route("/pagos", portal.guard(index), methods=["GET"])]
