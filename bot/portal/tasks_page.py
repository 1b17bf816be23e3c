"""Tareas: call tasks (seed 002's "tarea CRM"), mine or everyone's, open or all; each closed here by the person
it is for with a note of the outcome, as from the chat; a customer's page assigns a new one. All through the
collections desk."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.models import CallTask, CallTaskState, Customer, StaffMember
from bot.db.types import MAX_ROW_ID
from bot.intake.staff import shown_name
from bot.portal.guard import Portal, back_to, form_text
from bot.portal.sessions import Viewer, notify
from bot.vocabulary import StaffActionKind

PAGE_SIZE = 50
STATE_LABELS = {CallTaskState.OPEN.value: "abierta", CallTaskState.CLOSED.value: "cerrada"}


@dataclass(frozen=True)
class TaskRow:
    task: CallTask
    client_id: str
    customer_name: str
    assignee: str


def list_tasks(engine: Engine, mine: int | None, include_closed: bool,
               before: int | None) -> tuple[list[TaskRow], int | None]:
    """Tasks newest first, by id: `mine` the viewer's only; closed ones too when asked."""
    with Session(engine) as session:
        query = (select(CallTask, Customer, StaffMember)
                 .join(Customer, col(Customer.id) == col(CallTask.customer_id))
                 .join(StaffMember, col(StaffMember.id) == col(CallTask.assigned_to)))
        if mine is not None:
            query = query.where(CallTask.assigned_to == mine)
        if not include_closed:
            query = query.where(CallTask.state == CallTaskState.OPEN.value)
        if before:
            query = query.where(col(CallTask.id) < before)
        found = list(session.exec(query.order_by(col(CallTask.id).desc()).limit(PAGE_SIZE + 1)).all())
    rows = [TaskRow(task, customer.client_id, customer.full_name, shown_name(member))
            for task, customer, member in found[:PAGE_SIZE]]
    return rows, (rows[-1].task.id if len(found) > PAGE_SIZE else None)


def routes(portal: Portal) -> list[BaseRoute]:
    async def index(request: Request, viewer: Viewer) -> Response:
        everyone = request.query_params.get("de") == "todos"
        include_closed = request.query_params.get("estado") == "todas"
        before = request.query_params.get("antes", "")
        rows, next_before = await portal.run(list_tasks, portal.engine, None if everyone else viewer.id,
                                             include_closed,
                                             int(before) if before.isdigit() and len(before) < 19 else None)
        return portal.pages.render(request, "tasks.html", rows=rows, next_before=next_before, everyone=everyone,
                                   include_closed=include_closed, states=STATE_LABELS)

    async def close(request: Request, viewer: Viewer) -> Response:
        task_id = request.path_params["task_id"]
        if not 0 < task_id <= MAX_ROW_ID:
            notify(request.session, False, f"No existe la tarea #{task_id}.")
            return back_to("/portal/tareas")
        result = await portal.collections.act(viewer, StaffActionKind.TASK_DONE, number=task_id,
                                              said=form_text(request, "nota", 1000))
        notify(request.session, result.ok, result.message)
        back = form_text(request, "back", 300)
        return back_to(back if back.startswith("/portal/tareas") and "//" not in back else "/portal/tareas")

    return [
        Route("/tareas", portal.guard(index), methods=["GET"]),
        Route("/tareas/{task_id:int}/cerrar", portal.guard(close), methods=["POST"]),
    ]
