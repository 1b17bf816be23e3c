"""Checking a read intake and routing it: to support's review, or, when every check passed with a sure
reading, straight to accounting; and what forwarding to accounting sets in motion."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlmodel import Session, col, select

from bot.account.operations import PendingPayment
from bot.config import Settings
from bot.contracts.checks import check_receipt
from bot.db.models import Intake
from bot.intake.facts import IntakeFacts, store_report
from bot.intake.reminders import follow_balance
from bot.intake.sending import Messenger
from bot.intake.states import IntakeState, transition
from bot.vocabulary import ReplyKind

SURE_FIELDS = ("amount", "date", "reference", "client_id")
"""The fields whose reading must be sure before a receipt may skip review."""


def run_checks(session: Session, intake: Intake, settings: Settings, now: datetime, *,
               contract_id: int | None = None) -> IntakeFacts:
    """Check the intake's fields, store the report on it, and return its facts with the report. The order
    staff chose (`contract_id`, else the one they chose before) is kept."""
    facts = IntakeFacts.of(intake)
    report = check_receipt(
        session,
        facts.fields,
        sender_channel=intake.channel,
        sender=intake.sender,
        media_sha256=intake.media_sha256,
        intake_id=intake.id,
        settings=settings,
        now=now,
        chosen_contract_id=contract_id or facts.chosen_contract_id,
        typed_by_staff=facts.typed_by_staff,
        pending_of=lambda customer_id: approved_not_applied(session, customer_id, intake.id),
    )
    store_report(intake, report)
    session.add(intake)
    return replace(facts, report=report)


def approved_not_applied(session: Session, customer_id: int, other_than: int | None) -> list[PendingPayment]:
    """The customer's receipts approved and waiting for accounting (not `other_than`): the account does not
    have them yet, but what they pay is paid as far as the next receipt is concerned."""
    found = []
    for row in session.exec(select(Intake).where(Intake.customer_id == customer_id)
                            .where(Intake.state == IntakeState.FORWARDED.value).order_by(col(Intake.id))).all():
        facts = IntakeFacts.of(row)
        if row.id != other_than and facts.paid is not None:
            found.append(PendingPayment(facts.paid, facts.receipt_date(row.created_at.date()), row.contract_id,
                                        facts.fields.reference))
    return found


def can_skip_review(facts: IntakeFacts, settings: Settings) -> bool:
    """Auto-forward is on, every check passed, and the reader was sure of the key fields."""
    report = facts.report
    if not settings.auto_forward or report is None or not report.passed() or report.reply_kind != ReplyKind.RECEIVED:
        return False
    threshold = settings.auto_forward_confidence
    return all(facts.fields.confidence.get(key, 0.0) >= threshold for key in SURE_FIELDS)


def check_and_route(session: Session, intake: Intake, settings: Settings, messenger: Messenger,
                    now: datetime) -> None:
    """Run the checks, then send the intake to review or to accounting."""
    facts = run_checks(session, intake, settings, now)
    assert facts.report is not None
    transition(session, intake, IntakeState.CHECKED, actor="bot",
               changes={"reply_kind": facts.report.reply_kind.value})
    if can_skip_review(facts, settings):
        transition(session, intake, IntakeState.FORWARDED, actor="bot",
                   reason="todas las revisiones pasaron con lectura segura")
        forward(session, intake, facts, settings, messenger, approved_by="bot", agent=None, now=now)
    else:
        transition(session, intake, IntakeState.IN_REVIEW, actor="bot")
        messenger.send_support_card(session, intake, facts)


def forward(session: Session, intake: Intake, facts: IntakeFacts, settings: Settings, messenger: Messenger, *,
            approved_by: str, agent: str | None, now: datetime) -> None:
    """The customer hears the outcome (greeted by `agent`, the approving agent's name when on record),
    accounting gets the card, and the reminders follow the balance: what is left is reminded later, what
    this pays is no longer chased."""
    messenger.forward_to_accounting(session, intake, facts, approved_by=approved_by, agent=agent)
    follow_balance(session, intake, facts, settings, now)
