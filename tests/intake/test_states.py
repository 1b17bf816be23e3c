"""The intake state machine: illegal moves are refused, legal ones are audited in the same commit."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db.models import Intake, IntakeEvent
from bot.intake.states import TRANSITIONS, IllegalTransition, IntakeState, transition

HAPPY_PATH = [
    IntakeState.READ,
    IntakeState.CHECKED,
    IntakeState.IN_REVIEW,
    IntakeState.FORWARDED,
    IntakeState.APPLIED,
    IntakeState.SYNCED,
]


def new_intake(session: Session, state: IntakeState = IntakeState.RECEIVED) -> Intake:
    intake = Intake(channel="sandbox", external_id=f"m-{state}-{id(session)}", sender="+50688112233",
                    state=state.value)
    session.add(intake)
    session.commit()
    return intake


def test_receipt_walks_the_happy_path_and_every_step_is_audited(engine: Engine) -> None:
    with Session(engine) as session:
        intake = new_intake(session)
        for state in HAPPY_PATH:
            transition(session, intake, state, actor="bot")
            session.commit()
        events = session.exec(
            select(IntakeEvent).where(IntakeEvent.intake_id == intake.id).order_by(IntakeEvent.id)
        ).all()
    assert [(e.from_state, e.to_state) for e in events] == list(
        zip(["received", *HAPPY_PATH[:-1]], HAPPY_PATH, strict=True)
    )
    assert {e.actor for e in events} == {"bot"}


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        (src, dst)
        for src in IntakeState
        for dst in IntakeState
        if dst not in TRANSITIONS[src]
    ],
)
def test_every_illegal_transition_is_refused_and_leaves_no_trace(
    engine: Engine, from_state: IntakeState, to_state: IntakeState
) -> None:
    with Session(engine) as session:
        intake = new_intake(session, from_state)
        with pytest.raises(IllegalTransition):
            transition(session, intake, to_state, actor="staff:7", reason="probando")
        session.rollback()
        session.refresh(intake)
        assert intake.state == from_state.value
        assert session.exec(select(IntakeEvent)).all() == []


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [(src, dst) for src, targets in TRANSITIONS.items() for dst in targets],
)
def test_every_legal_transition_writes_its_event_with_the_state(
    engine: Engine, from_state: IntakeState, to_state: IntakeState
) -> None:
    with Session(engine) as session:
        intake = new_intake(session, from_state)
        transition(session, intake, to_state, actor="staff:7", reason="motivo escrito",
                   changes={"amount": ["25000.00", "28250.00"]})
        session.commit()
        intake_id = intake.id
    with Session(engine) as session:
        stored = session.get(Intake, intake_id)
        event = session.exec(select(IntakeEvent)).one()
    assert stored is not None and stored.state == to_state.value
    assert (event.from_state, event.to_state, event.actor) == (from_state, to_state, "staff:7")
    assert event.changes == {"amount": ["25000.00", "28250.00"]}


def test_rejection_without_a_reason_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        intake = new_intake(session, IntakeState.IN_REVIEW)
        with pytest.raises(ValueError, match="reason"):
            transition(session, intake, IntakeState.REJECTED, actor="staff:7")


def test_state_change_and_event_roll_back_together(engine: Engine) -> None:
    with Session(engine) as session:
        intake = new_intake(session)
        transition(session, intake, IntakeState.READ, actor="bot")
        intake_id = intake.id
        session.rollback()
    with Session(engine) as session:
        assert session.get(Intake, intake_id).state == "received"  # type: ignore[union-attr]
        assert session.exec(select(IntakeEvent)).all() == []
