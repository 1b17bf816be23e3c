"""The intake state machine: allowed transitions as data, and the one function that moves an intake."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlmodel import Session, func, select

from bot.db.models import Intake, IntakeEvent
from bot.db.types import utcnow


class IntakeState(StrEnum):
    RECEIVED = "received"
    READ = "read"
    CHECKED = "checked"
    IN_REVIEW = "in_review"
    FORWARDED = "forwarded"
    APPLIED = "applied"
    SYNCED = "synced"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"
    SYNC_FAILED = "sync_failed"


S = IntakeState

TRANSITIONS: Mapping[IntakeState, frozenset[IntakeState]] = {
    S.RECEIVED: frozenset({S.READ, S.REJECTED, S.NEEDS_INFO}),
    S.READ: frozenset({S.CHECKED, S.REJECTED, S.NEEDS_INFO}),
    S.CHECKED: frozenset({S.IN_REVIEW, S.FORWARDED, S.REJECTED, S.NEEDS_INFO}),
    S.IN_REVIEW: frozenset({S.CHECKED, S.FORWARDED, S.REJECTED, S.NEEDS_INFO}),
    S.FORWARDED: frozenset({S.APPLIED, S.IN_REVIEW, S.REJECTED}),
    S.APPLIED: frozenset({S.SYNCED, S.SYNC_FAILED}),
    S.SYNC_FAILED: frozenset({S.SYNCED}),
    S.NEEDS_INFO: frozenset({S.READ, S.IN_REVIEW, S.REJECTED}),
    S.REJECTED: frozenset({S.IN_REVIEW}),
    S.SYNCED: frozenset(),
}
"""Where each state may go. `rejected -> in_review` reopens a rejection made in error;
`sync_failed -> synced` is a retry that worked or a hand-marked sync with a written reason."""

REASON_REQUIRED: frozenset[tuple[IntakeState, IntakeState]] = frozenset(
    {(S.SYNC_FAILED, S.SYNCED), (S.REJECTED, S.IN_REVIEW)}
    | {(state, S.REJECTED) for state in IntakeState if S.REJECTED in TRANSITIONS[state]}
)
"""Transitions that must say why (rejections, reopenings and hand-marked syncs)."""


class IllegalTransition(ValueError):
    """Raised when an intake is asked to move where its current state does not lead."""

    def __init__(self, intake_id: int | None, from_state: str, to_state: str) -> None:
        super().__init__(f"intake {intake_id}: {from_state} -> {to_state} is not allowed")
        self.from_state = from_state
        self.to_state = to_state


def can_move(from_state: str, to_state: str) -> bool:
    return IntakeState(to_state) in TRANSITIONS[IntakeState(from_state)]


def transition(
    session: Session,
    intake: Intake,
    to_state: IntakeState,
    actor: str,
    reason: str | None = None,
    changes: Mapping[str, Any] | None = None,
    staff_id: int | None = None,
) -> IntakeEvent:
    """Move `intake` to `to_state` and add its audit event to the same session (same transaction)."""
    from_state = IntakeState(intake.state)
    if to_state not in TRANSITIONS[from_state]:
        raise IllegalTransition(intake.id, from_state, to_state)
    if (from_state, to_state) in REASON_REQUIRED and not (reason and reason.strip()):
        raise ValueError(f"{from_state} -> {to_state} needs a written reason")
    intake.state = to_state.value
    return _audit(session, intake, actor, from_state.value, reason, changes, staff_id)


def record(
    session: Session,
    intake: Intake,
    actor: str,
    reason: str | None = None,
    changes: Mapping[str, Any] | None = None,
    staff_id: int | None = None,
) -> IntakeEvent:
    """Audit something that changed an intake without moving it (a correction, a note)."""
    return _audit(session, intake, actor, intake.state, reason, changes, staff_id)


def event_count(session: Session, intake: Intake) -> int:
    """How many audit events the intake has so far: a version for keys of messages sent again."""
    session.flush()
    return int(session.exec(select(func.count()).where(IntakeEvent.intake_id == intake.id)).one())


def _audit(
    session: Session,
    intake: Intake,
    actor: str,
    from_state: str,
    reason: str | None,
    changes: Mapping[str, Any] | None,
    staff_id: int | None = None,
) -> IntakeEvent:
    if intake.id is None:
        session.add(intake)
        session.flush()
    intake.updated_at = utcnow()
    event = IntakeEvent(
        intake_id=intake.id,  # type: ignore[arg-type]
        actor=actor,
        staff_id=staff_id,
        from_state=from_state,
        to_state=intake.state,
        changes=dict(changes or {}),
        reason=reason,
    )
    session.add(intake)
    session.add(event)
    return event
