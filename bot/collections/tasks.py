"""Call tasks (seed 002's "tarea CRM"): a customer assigned to one staff member to call, told in their chat,
listed until closed with a note of the outcome."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.db.models import CallTask, CallTaskState, Customer, StaffMember


class TaskRefused(Exception):
    """The task cannot be created or closed; the message says why, in Spanish."""


def assign(session: Session, customer: Customer, member: StaffMember, *, created_by: str, note: str,
           now: datetime) -> CallTask:
    """A new open task for `member` to call `customer`."""
    if not member.active:
        raise TaskRefused(f"#{member.id} {member.name} está desactivado")
    task = CallTask(customer_id=customer.id or 0, assigned_to=member.id or 0, created_by=created_by[:120],
                    note=" ".join(note.split())[:500], created_at=now)
    session.add(task)
    session.flush()
    return task


def close(session: Session, task_id: int, *, note: str, closed_by: str, now: datetime,
          member: StaffMember | None = None) -> CallTask:
    """Close an open task with the outcome; from a chat (`member`) only the assignee may close it."""
    outcome = " ".join(note.split())
    if not outcome:
        raise TaskRefused("indique el resultado de la llamada (--note \"...\")")
    task = session.get(CallTask, task_id)
    if task is None:
        raise TaskRefused(f"no existe la tarea #{task_id}")
    if task.state != CallTaskState.OPEN.value:
        raise TaskRefused(f"la tarea #{task_id} ya está cerrada")
    if member is not None and member.id != task.assigned_to:
        raise TaskRefused(f"la tarea #{task_id} es de otra persona")
    task.state = CallTaskState.CLOSED.value
    task.outcome = outcome
    task.closed_by = closed_by[:120]
    task.closed_at = now
    session.add(task)
    session.flush()
    return task


def listed(session: Session, *, assigned_to: int | None = None, include_closed: bool = False) -> list[CallTask]:
    query = select(CallTask)
    if assigned_to is not None:
        query = query.where(CallTask.assigned_to == assigned_to)
    if not include_closed:
        query = query.where(CallTask.state == CallTaskState.OPEN.value)
    return list(session.exec(query.order_by(col(CallTask.id))).all())
