"""One receipt in the portal: its image (only to a logged-in session), what was read with confidences, the
checks, the amount due, the customer's open balance, the whole history, and the same actions staff have in
chat (each through the core's port, so permissions and audit are the chats'), plus assignment and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.account.operations import AccountPolicy, CustomerBalance, customer_balance
from bot.config import Settings
from bot.db.models import (
    Case,
    Contract,
    Customer,
    Intake,
    IntakeEvent,
    IntakeNote,
    OutboxMessage,
    Payment,
    PaymentEvent,
    StaffMember,
)
from bot.db.types import MAX_ROW_ID
from bot.intake.cards import CHECK_LABELS, account_lines, contract_label, shown_value
from bot.intake.facts import IntakeFacts
from bot.intake.messages import StaffAction, StaffResult
from bot.intake.staff import PORTAL, identify, shown_name
from bot.intake.states import IntakeState, record
from bot.media_store import MediaStore, content_type_of, media_store
from bot.ocr.fields import JSON_KEYS
from bot.portal.guard import Portal, back_to, form_text
from bot.portal.payments import EVENT_LABELS
from bot.portal.sessions import Viewer, notify
from bot.vocabulary import Overpayment, ReceiptField, RejectReason, StaffActionKind
from currency.money import Money

S = IntakeState
NOTE_CHARS = 2000
OPEN_STATES = {S.IN_REVIEW.value, S.NEEDS_INFO.value, S.FORWARDED.value, S.CHECKED.value, S.READ.value,
               S.RECEIVED.value}

ACTION_STATES: dict[StaffActionKind, set[str]] = {
    StaffActionKind.APPROVE: {S.IN_REVIEW.value},
    StaffActionKind.CORRECT: {S.IN_REVIEW.value, S.NEEDS_INFO.value},
    StaffActionKind.REJECT: {S.IN_REVIEW.value, S.NEEDS_INFO.value, S.FORWARDED.value, S.CHECKED.value,
                             S.READ.value, S.RECEIVED.value},
    StaffActionKind.GRACE: {S.IN_REVIEW.value, S.NEEDS_INFO.value, S.FORWARDED.value, S.CHECKED.value},
    StaffActionKind.APPLY: {S.FORWARDED.value},
    StaffActionKind.FLAG: {S.FORWARDED.value},
    StaffActionKind.CONTRACT: {S.IN_REVIEW.value, S.NEEDS_INFO.value},
    StaffActionKind.KEEP_CREDIT: {S.IN_REVIEW.value, S.NEEDS_INFO.value, S.FORWARDED.value, S.APPLIED.value,
                                  S.SYNCED.value, S.SYNC_FAILED.value},
    StaffActionKind.REFUND: {S.IN_REVIEW.value, S.NEEDS_INFO.value, S.FORWARDED.value, S.APPLIED.value,
                             S.SYNCED.value, S.SYNC_FAILED.value},
    StaffActionKind.STATEMENT: {state.value for state in IntakeState},
}
"""When the page offers each action (the core decides for good: a stale page gets the core's refusal)."""


@dataclass(frozen=True)
class FieldRow:
    label: str
    value: str
    confidence: float | None


@dataclass(frozen=True)
class HistoryLine:
    when: datetime
    actor: str
    what: str
    changes: dict[str, Any]
    reason: str


@dataclass
class IntakeView:
    intake: Intake
    facts: IntakeFacts
    fields: list[FieldRow]
    checks: list[tuple[str, str, str]]
    """(status: pass, warn or fail; the check's name; its reason)."""
    due_lines: list[tuple[str, str]]
    customer: Customer | None
    contract: Contract | None
    contracts: list[Contract]
    balance: CustomerBalance | None
    history: list[HistoryLine]
    notes: list[IntakeNote]
    messages: list[OutboxMessage]
    cases: list[Case]
    payment: Payment | None
    assigned: StaffMember | None
    staff: list[tuple[int, str]]
    has_image: bool
    is_pdf: bool


def load_intake(engine: Engine, settings: Settings, intake_id: int, today: date,
                media: MediaStore | None = None) -> IntakeView | None:
    with Session(engine) as session:
        intake = session.get(Intake, intake_id)
        if intake is None:
            return None
        facts = IntakeFacts.of(intake)
        rows = []
        for key in JSON_KEYS:
            field = ReceiptField(key)
            shown = shown_value(field, facts)
            rows.append(FieldRow(field.label, shown, None if shown == "—" else facts.fields.confidence.get(key)))
        results = facts.report.results if facts.report else []
        checks = [(r.status.value, CHECK_LABELS.get(r.name, r.name), r.reason) for r in results]
        customer = session.get(Customer, intake.customer_id) if intake.customer_id else None
        contract = session.get(Contract, intake.contract_id) if intake.contract_id else None
        contracts = list(session.exec(select(Contract).where(Contract.customer_id == customer.id)
                                      .order_by(col(Contract.payment_code), col(Contract.installment))).all()
                         ) if customer is not None else []
        balance = (customer_balance(session, customer.id, today=today, policy=AccountPolicy.from_settings(settings))
                   if customer is not None and customer.id is not None else None)
        events = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake.id)
                              .order_by(col(IntakeEvent.id))).all()
        history = [HistoryLine(e.created_at, e.actor, _moved(e), dict(e.changes or {}), e.reason or "")
                   for e in events]
        notes = list(session.exec(select(IntakeNote).where(IntakeNote.intake_id == intake.id)
                                  .order_by(col(IntakeNote.id))).all())
        messages = list(session.exec(select(OutboxMessage).where(OutboxMessage.intake_id == intake.id)
                                     .order_by(col(OutboxMessage.id))).all())
        cases = list(session.exec(select(Case).where(Case.intake_id == intake.id).order_by(col(Case.id))).all())
        payment = session.exec(select(Payment).where(Payment.intake_id == intake.id)).first()
        if payment is not None:
            history += [HistoryLine(e.created_at, e.actor, f"pago {payment.id}: {EVENT_LABELS.get(e.kind, e.kind)}", {},
                                    e.reason or "")
                        for e in session.exec(select(PaymentEvent).where(PaymentEvent.payment_id == payment.id)
                                              .order_by(col(PaymentEvent.id))).all()]
            history.sort(key=lambda line: line.when)
        assigned = session.get(StaffMember, intake.assigned_to_id) if intake.assigned_to_id else None
        staff = [(m.id or 0, shown_name(m)) for m in session.exec(
            select(StaffMember).where(col(StaffMember.active).is_(True)).order_by(col(StaffMember.name))).all()]
    stored = intake.media_path or ""
    has_image = bool(stored) and (media or media_store(settings)).exists(stored)
    return IntakeView(
        intake=intake, facts=facts, fields=rows, checks=checks,
        due_lines=list(facts.due.lines()) if facts.due else [], customer=customer, contract=contract,
        contracts=contracts, balance=balance, history=history, notes=notes, messages=messages, cases=cases,
        payment=payment, assigned=assigned, staff=staff, has_image=has_image,
        is_pdf=(intake.media_type or "").endswith("pdf") or stored.lower().endswith(".pdf"),
    )


def _moved(event: IntakeEvent) -> str:
    from bot.portal.views import state_label

    if event.from_state == event.to_state:
        return state_label(event.to_state)
    return f"{state_label(event.from_state)} → {state_label(event.to_state)}"


def actions_offered(view: IntakeView, viewer: Viewer) -> list[StaffActionKind]:
    """The chat's actions this viewer's role has, that the receipt's state allows now."""
    from bot.intake.staff import ALLOWED

    state = view.intake.state
    overpaid = view.facts.credit is not None and view.facts.overpayment is not Overpayment.REFUNDED
    needs = {
        StaffActionKind.GRACE: view.intake.contract_id is not None,
        StaffActionKind.CONTRACT: len(view.contracts) > 1,
        StaffActionKind.KEEP_CREDIT: overpaid,
        StaffActionKind.REFUND: overpaid,
        StaffActionKind.STATEMENT: view.customer is not None,
    }
    return [kind for kind, states in ACTION_STATES.items()
            if state in states and viewer.role in ALLOWED[kind] and needs.get(kind, True)]


def media_file(engine: Engine, media: MediaStore, intake_id: int) -> bytes | None:
    """The receipt's stored file, None when it has none (or it was deleted)."""
    with Session(engine) as session:
        intake = session.get(Intake, intake_id)
    if intake is None or not intake.media_path or not media.exists(intake.media_path):
        return None
    return media.read(intake.media_path)


def assign(engine: Engine, settings: Settings, viewer: Viewer, intake_id: int, staff_id: int | None) -> StaffResult:
    """Give the receipt to a staff member (or to nobody); audited like a chat action, by the viewer's name."""
    with Session(engine, expire_on_commit=False) as session:
        actor = identify(session, settings, PORTAL, str(viewer.id), PORTAL)
        intake = session.get(Intake, intake_id)
        if actor is None:
            return StaffResult(False, "No tiene permiso para esta acción.")
        if intake is None:
            return StaffResult(False, f"No existe el comprobante #{intake_id}.")
        member = session.get(StaffMember, staff_id) if staff_id is not None else None
        if staff_id is not None and (member is None or not member.active):
            return StaffResult(False, "Esa persona no está en el personal activo.")
        before = session.get(StaffMember, intake.assigned_to_id) if intake.assigned_to_id else None
        if (before.id if before else None) == (member.id if member else None):
            return StaffResult(True, "Sin cambios.")
        intake.assigned_to_id = member.id if member else None
        record(session, intake, actor=actor.name, staff_id=actor.staff_id, reason="asignación",
               changes={"asignado": [shown_name(before) if before else None, shown_name(member) if member else None]})
        session.commit()
    return StaffResult(True, f"#{intake_id} asignado a {shown_name(member)}." if member else
                       f"#{intake_id} sin asignar.")


def add_note(engine: Engine, settings: Settings, viewer: Viewer, intake_id: int, text: str) -> StaffResult:
    """An internal note on the receipt, by the viewer; its audit row says a note was added."""
    text = text.strip()[:NOTE_CHARS]
    if not text:
        return StaffResult(False, "La nota está vacía.")
    with Session(engine, expire_on_commit=False) as session:
        actor = identify(session, settings, PORTAL, str(viewer.id), PORTAL)
        intake = session.get(Intake, intake_id)
        if actor is None:
            return StaffResult(False, "No tiene permiso para esta acción.")
        if intake is None:
            return StaffResult(False, f"No existe el comprobante #{intake_id}.")
        session.add(IntakeNote(intake_id=intake_id, staff_id=actor.staff_id, author=actor.name, text=text))
        record(session, intake, actor=actor.name, staff_id=actor.staff_id, reason="nota interna",
               changes={"nota": text[:200]})
        session.commit()
    return StaffResult(True, "Nota agregada.")


def _intake_id(request: Request) -> int | None:
    value = request.path_params["intake_id"]
    return value if 0 < value <= MAX_ROW_ID else None


def routes(portal: Portal) -> list[BaseRoute]:
    async def show(request: Request, viewer: Viewer) -> Response:
        intake_id = _intake_id(request)
        view = await portal.run(load_intake, portal.engine, portal.settings, intake_id or 0, portal.today(),
                                portal.files) \
            if intake_id else None
        if view is None:
            return portal.pages.render(request, "not_found.html", status_code=404,
                                       what=f"No existe el comprobante #{request.path_params['intake_id']}.")
        return portal.pages.render(
            request, "intake.html", view=view, offered=actions_offered(view, viewer), Kind=StaffActionKind,
            fields=list(ReceiptField), reasons=list(RejectReason), open_states=OPEN_STATES,
            contract_label=contract_label, contract_money=lambda c: Money(c.fee, c.currency),
            account_lines=account_lines(view.facts))

    async def image(request: Request, viewer: Viewer) -> Response:
        intake_id = _intake_id(request)
        data = await portal.run(media_file, portal.engine, portal.files, intake_id) if intake_id else None
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type=content_type_of(data),
                        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

    async def act(request: Request, viewer: Viewer) -> Response:
        intake_id = _intake_id(request) or 0
        kind = StaffActionKind.named(form_text(request, "kind", 20))
        if kind is None:
            notify(request.session, False, "Acción desconocida.")
            return back_to(f"/portal/comprobantes/{intake_id}")
        reason = form_text(request, "reason") or form_text(request, "reason_text") or None
        if kind is StaffActionKind.REJECT and reason == "other":
            reason = form_text(request, "reason_text") or None
        result = await portal.core.act(StaffAction(
            channel=PORTAL, user=str(viewer.id), chat=PORTAL, kind=kind, intake_id=intake_id,
            field=form_text(request, "field", 40) or None, value=form_text(request, "value", 200) or None,
            reason=reason, user_name=viewer.name,
        ))
        notify(request.session, result.ok, result.message)
        return back_to(f"/portal/comprobantes/{intake_id}")

    async def assign_to(request: Request, viewer: Viewer) -> Response:
        intake_id = _intake_id(request) or 0
        chosen = form_text(request, "staff_id", 12)
        staff_id = viewer.id if chosen == "yo" else int(chosen) if chosen.isdigit() else None
        result = await portal.run(assign, portal.engine, portal.settings, viewer, intake_id, staff_id)
        notify(request.session, result.ok, result.message)
        return back_to(f"/portal/comprobantes/{intake_id}")

    async def note(request: Request, viewer: Viewer) -> Response:
        intake_id = _intake_id(request) or 0
        text = request.state.form.get("text")
        result = await portal.run(add_note, portal.engine, portal.settings, viewer, intake_id,
                                  text if isinstance(text, str) else "")
        notify(request.session, result.ok, result.message)
        return back_to(f"/portal/comprobantes/{intake_id}")

    return [
        Route("/comprobantes/{intake_id:int}", portal.guard(show), methods=["GET"]),
        Route("/comprobantes/{intake_id:int}/imagen", portal.guard(image), methods=["GET"]),
        Route("/comprobantes/{intake_id:int}/accion", portal.guard(act), methods=["POST"]),
        Route("/comprobantes/{intake_id:int}/asignar", portal.guard(assign_to), methods=["POST"]),
        Route("/comprobantes/{intake_id:int}/nota", portal.guard(note), methods=["POST"]),
    ]
