"""Cases escalated to accounting (seed 003: a grace extension "escalado a contabilidad" whose link is sent to
them): opened by the staff action that needs a decision, closed by accounting from the portal or the chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db.models import Case, CaseKind, CaseState, Contract, GraceExtension, Intake

CASES_PATH = "/portal/casos"


def case_url(settings: Settings, case_id: int) -> str:
    """The link to a case's page: on PAYBOT_PUBLIC_URL, else on the address `paybot run` listens on."""
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    return f"{base}{CASES_PATH}/{case_id}"


def open_grace_case(session: Session, intake: Intake, contract: Contract, extension: GraceExtension, *,
                    actor: str, staff_id: int | None, details: dict[str, Any]) -> Case:
    """The case a grace extension opens: who granted it on which contract, why, and until when."""
    case = Case(
        kind=CaseKind.GRACE.value, intake_id=intake.id, customer_id=extension.customer_id, contract_id=contract.id,
        grace_extension_id=extension.id, opened_by=actor, opened_by_id=staff_id,
        reason=extension.reason.strip() or None, until=extension.until,
        details={"payment_code": contract.payment_code, "starts_on": extension.starts_on.isoformat(), **details},
    )
    session.add(case)
    session.flush()
    return case


def open_case_of(session: Session, intake_id: int | None) -> Case | None:
    """The latest case still open on an intake."""
    if intake_id is None:
        return None
    return session.exec(
        select(Case).where(Case.intake_id == intake_id, Case.state == CaseState.OPEN.value)
        .order_by(col(Case.id).desc())
    ).first()


def close_case(case: Case, *, decision: str, actor: str, staff_id: int | None, now: datetime) -> None:
    """Record what accounting decided and who closed the case."""
    case.state = CaseState.CLOSED.value
    case.decision = decision.strip()
    case.closed_by = actor
    case.closed_by_id = staff_id
    case.closed_at = now
