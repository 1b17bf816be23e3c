"""Casos: what was escalated to accounting (a grace extension), each with its own page saying who opened it,
why, until when, and what accounting decided; accounting closes it here or from the chat."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.models import Case, CaseState, Contract, Customer, Intake
from bot.db.types import MAX_ROW_ID
from bot.intake.messages import StaffAction
from bot.intake.staff import PORTAL
from bot.portal.guard import Portal, back_to, form_text
from bot.portal.sessions import Viewer, notify
from bot.vocabulary import StaffActionKind

PAGE_SIZE = 50
KIND_LABELS = {"grace": "Prórroga de gracia"}
STATE_LABELS = {CaseState.OPEN.value: "abierto", CaseState.CLOSED.value: "cerrado"}


@dataclass
class CaseView:
    case: Case
    customer: Customer | None
    contract: Contract | None
    intake: Intake | None


def list_cases(engine: Engine, state: str, before: int | None) -> tuple[list[tuple[Case, Customer | None]], int | None]:
    with Session(engine) as session:
        query = select(Case, Customer).outerjoin(Customer, col(Customer.id) == col(Case.customer_id))
        if state:
            query = query.where(Case.state == state)
        if before:
            query = query.where(col(Case.id) < before)
        found = list(session.exec(query.order_by(col(Case.id).desc()).limit(PAGE_SIZE + 1)).all())
    rows: list[tuple[Case, Customer | None]] = [(case, customer) for case, customer in found[:PAGE_SIZE]]
    return rows, (rows[-1][0].id if len(found) > PAGE_SIZE else None)


def load_case(engine: Engine, case_id: int) -> CaseView | None:
    with Session(engine) as session:
        case = session.get(Case, case_id)
        if case is None:
            return None
        return CaseView(
            case,
            session.get(Customer, case.customer_id) if case.customer_id else None,
            session.get(Contract, case.contract_id) if case.contract_id else None,
            session.get(Intake, case.intake_id) if case.intake_id else None,
        )


def routes(portal: Portal) -> list[BaseRoute]:
    async def index(request: Request, viewer: Viewer) -> Response:
        state = request.query_params.get("estado", CaseState.OPEN.value)
        state = state if state in STATE_LABELS or state == "" else CaseState.OPEN.value
        before = request.query_params.get("antes", "")
        rows, next_before = await portal.run(
            list_cases, portal.engine, state, int(before) if before.isdigit() and len(before) < 19 else None)
        return portal.pages.render(request, "cases.html", rows=rows, state=state, next_before=next_before,
                                   kinds=KIND_LABELS, states=STATE_LABELS)

    async def show(request: Request, viewer: Viewer) -> Response:
        case_id = request.path_params["case_id"]
        view = await portal.run(load_case, portal.engine, case_id) if 0 < case_id <= MAX_ROW_ID else None
        if view is None:
            return portal.pages.render(request, "not_found.html", status_code=404,
                                       what=f"No existe el caso #{case_id}.")
        return portal.pages.render(request, "case.html", view=view, kinds=KIND_LABELS, states=STATE_LABELS)

    async def close(request: Request, viewer: Viewer) -> Response:
        case_id = request.path_params["case_id"]
        view = await portal.run(load_case, portal.engine, case_id) if 0 < case_id <= MAX_ROW_ID else None
        if view is None or view.case.intake_id is None:
            notify(request.session, False, f"No existe el caso #{case_id}.")
            return back_to("/portal/casos")
        result = await portal.core.act(StaffAction(
            channel=PORTAL, user=str(viewer.id), chat=PORTAL, kind=StaffActionKind.CLOSE_CASE,
            intake_id=view.case.intake_id, reason=form_text(request, "decision") or None, user_name=viewer.name))
        notify(request.session, result.ok, result.message)
        return back_to(f"/portal/casos/{case_id}")

    return [
        Route("/casos", portal.guard(index), methods=["GET"]),
        Route("/casos/{case_id:int}", portal.guard(show), methods=["GET"]),
        Route("/casos/{case_id:int}/cerrar", portal.guard(close, may=lambda v: v.does_accounting), methods=["POST"]),
    ]
