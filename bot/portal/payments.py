"""Pagos (seed 000's "Solicitudes de pago"): the payments table with its ERP sync state (pendiente de
sincronizar, sincronizado, pagado sin sincronizar) and bank reconciliation, paged by id; each row's options
"Sincronizar ahora" and "Sincronizar manualmente" (with its explanation, required, stored and shown) are the
core's payment actions, the ones the chats' buttons and SINCRONIZAR/SINCRONIZADO use, and a payment's page
shows its whole history; accounting marks a payment returned by the bank or undoes one applied by mistake
(collections' desk, with a reason)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.accounting.sync import SYNC_LABELS, origin_of, sync_label
from bot.collections.returns import ReversalKind
from bot.db.models import BankMovement, Customer, Intake, Payment, PaymentEvent, PaymentReversal, SyncState
from bot.db.types import MAX_ROW_ID
from bot.intake.messages import StaffAction
from bot.intake.staff import PORTAL
from bot.portal.guard import Portal, back_to, form_text
from bot.portal.sessions import Viewer, notify
from bot.vocabulary import StaffActionKind

PAGE_SIZE = 50
REVERSAL_LABELS = {ReversalKind.RETURNED.value: "devuelto por el banco", ReversalKind.UNDONE.value: "anulado"}
EVENT_LABELS = {
    "sync_queued": "en cola para el ERP", "sync_now": "«Sincronizar ahora» pedido",
    "synced": "sincronizado con el ERP", "sync_failed": "pagado sin sincronizar",
    "sync_now_failed": "«Sincronizar ahora» falló", "marked_synced": "sincronizado manualmente",
}


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    client_id: str
    customer_name: str
    seen_in_bank: BankMovement | None

    @property
    def sync(self) -> str:
        return sync_label(self.payment)

    @property
    def origin(self) -> str:
        return origin_of(self.payment).label


@dataclass
class PaymentsPage:
    rows: list[PaymentRow]
    counts: dict[str, int]
    next_before: int | None


@dataclass
class PaymentView:
    row: PaymentRow
    intake: Intake | None
    events: list[PaymentEvent]
    reversal: PaymentReversal | None = None


def load_payments(engine: Engine, state: str, text: str, before: int | None) -> PaymentsPage:
    with Session(engine) as session:
        counts = {state: count for state, count in session.exec(
            select(Payment.sync_state, func.count()).group_by(col(Payment.sync_state))).all()}
        query = (select(Payment, Customer, BankMovement)
                 .join(Customer, col(Customer.id) == col(Payment.customer_id))
                 .outerjoin(BankMovement, col(BankMovement.payment_id) == col(Payment.id)))
        if state:
            query = query.where(col(Payment.sync_state) == state)
        if text:
            query = query.where(or_(col(Payment.reference) == text, col(Payment.invoice_number) == text,
                                    col(Customer.client_id) == text))
        if before:
            query = query.where(col(Payment.id) < before)
        found = session.exec(query.order_by(col(Payment.id).desc()).limit(PAGE_SIZE + 1)).all()
    rows = [PaymentRow(payment, customer.client_id, customer.full_name, movement)
            for payment, customer, movement in found[:PAGE_SIZE]]
    return PaymentsPage(rows, counts, rows[-1].payment.id if len(found) > PAGE_SIZE else None)


def load_payment(engine: Engine, payment_id: int) -> PaymentView | None:
    with Session(engine) as session:
        found = session.exec(
            select(Payment, Customer, BankMovement)
            .join(Customer, col(Customer.id) == col(Payment.customer_id))
            .outerjoin(BankMovement, col(BankMovement.payment_id) == col(Payment.id))
            .where(col(Payment.id) == payment_id)
        ).first()
        if found is None:
            return None
        payment, customer, movement = found
        intake = session.get(Intake, payment.intake_id) if payment.intake_id else None
        events = list(session.exec(select(PaymentEvent).where(PaymentEvent.payment_id == payment_id)
                                   .order_by(col(PaymentEvent.id))).all())
        reversal = session.exec(select(PaymentReversal).where(PaymentReversal.payment_id == payment_id)).first()
    return PaymentView(PaymentRow(payment, customer.client_id, customer.full_name, movement), intake, events,
                       reversal)


def routes(portal: Portal) -> list[BaseRoute]:
    def accounting(viewer: Viewer) -> bool:
        return viewer.does_accounting

    async def index(request: Request, viewer: Viewer) -> Response:
        state = request.query_params.get("estado", "")
        state = state if state in SYNC_LABELS else ""
        text = " ".join(request.query_params.get("q", "").split())[:80]
        before = request.query_params.get("antes", "")
        page = await portal.run(load_payments, portal.engine, state, text,
                                int(before) if before.isdigit() and len(before) < 19 else None)
        return portal.pages.render(request, "payments.html", page=page, state=state, text=text,
                                   filters=SYNC_LABELS, synced=SyncState.SYNCED.value)

    async def show(request: Request, viewer: Viewer) -> Response:
        payment_id = request.path_params["payment_id"]
        view = await portal.run(load_payment, portal.engine, payment_id) if 0 < payment_id <= MAX_ROW_ID else None
        if view is None:
            return portal.pages.render(request, "not_found.html", status_code=404,
                                       what=f"No existe el pago {payment_id}.")
        return portal.pages.render(request, "payment.html", view=view, events=EVENT_LABELS,
                                   synced=SyncState.SYNCED.value, reversal_labels=REVERSAL_LABELS)

    async def on_payment(request: Request, viewer: Viewer, kind: StaffActionKind, reason: str | None) -> Response:
        """Seed 000's row options through the core, as the chat's buttons and SINCRONIZAR/SINCRONIZADO go: the
        same permission check, audit, ERP sender and message to the customer."""
        payment_id = request.path_params["payment_id"]
        result = await portal.core.act(StaffAction(channel=PORTAL, user=str(viewer.id), chat=PORTAL, kind=kind,
                                                   intake_id=payment_id, reason=reason, user_name=viewer.name))
        notify(request.session, result.ok, result.message)
        return back_to(_return_path(request, payment_id))

    async def sync_now(request: Request, viewer: Viewer) -> Response:
        return await on_payment(request, viewer, StaffActionKind.SYNC, None)

    async def sync_manually(request: Request, viewer: Viewer) -> Response:
        return await on_payment(request, viewer, StaffActionKind.SYNCED, form_text(request, "explanation", 1000))

    async def returned(request: Request, viewer: Viewer) -> Response:
        """Returned by the bank: through the core as the chat's DEVUELTO (re-charged a month later, customer told)."""
        payment_id = request.path_params["payment_id"]
        result = await portal.collections.act(viewer, StaffActionKind.RETURNED, number=payment_id,
                                              said=form_text(request, "motivo", 500))
        notify(request.session, result.ok, result.message)
        return back_to(f"/portal/pagos/{payment_id}")

    async def undo(request: Request, viewer: Viewer) -> Response:
        """Applied by mistake: undone by the collections desk, the customer told only when staff tick it."""
        payment_id = request.path_params["payment_id"]
        result = await portal.run(portal.collections.undo, viewer, payment_id, form_text(request, "motivo", 500),
                                  form_text(request, "avisar", 5) == "1")
        notify(request.session, result.ok, result.message)
        return back_to(f"/portal/pagos/{payment_id}")

    return [
        Route("/pagos", portal.guard(index), methods=["GET"]),
        Route("/pagos/{payment_id:int}", portal.guard(show), methods=["GET"]),
        Route("/pagos/{payment_id:int}/sincronizar", portal.guard(sync_now, may=accounting), methods=["POST"]),
        Route("/pagos/{payment_id:int}/sincronizar-manual", portal.guard(sync_manually, may=accounting),
              methods=["POST"]),
        Route("/pagos/{payment_id:int}/devuelto", portal.guard(returned, may=accounting), methods=["POST"]),
        Route("/pagos/{payment_id:int}/anular", portal.guard(undo, may=accounting), methods=["POST"]),
    ]


def _return_path(request: Request, payment_id: int) -> str:
    back = form_text(request, "back", 300)
    return back if back.startswith("/portal/pagos") and "//" not in back else f"/portal/pagos/{payment_id}"
