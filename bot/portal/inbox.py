"""Bandeja: the receipts that came in, newest first, with counts by state, filters (state, channel, day, bank,
who took it) and a search by client ID, reference, phone or name; pages follow the id (keyset), never OFFSET."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.models import Customer, Intake, StaffMember
from bot.db.types import MAX_ROW_ID
from bot.intake.staff import shown_name
from bot.intake.states import IntakeState
from bot.portal.guard import Portal
from bot.portal.sessions import Viewer
from bot.portal.views import CHANNEL_LABELS, STATE_LABELS
from currency.text import international_phone

PAGE_SIZE = 50
BANKS = text(
    "WITH RECURSIVE seen(bank) AS ("
    " SELECT MIN(bank) FROM intake"
    " UNION ALL SELECT (SELECT MIN(bank) FROM intake WHERE bank > seen.bank) FROM seen WHERE seen.bank IS NOT NULL"
    ") SELECT bank FROM seen WHERE bank IS NOT NULL LIMIT 50"
)
"""The banks receipts came from, one index seek per bank (a DISTINCT would read every intake's)."""
NAME_MATCHES = 500
"""At most this many customers whose name matches a search are looked up (a name is not a key)."""


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows: each filter as the query string gave it, already checked."""

    state: str = ""
    channel: str = ""
    day_from: date | None = None
    day_to: date | None = None
    bank: str = ""
    assigned: str = ""
    search: str = ""
    before: int | None = None

    @classmethod
    def from_query(cls, params: Any) -> InboxFilter:
        state = params.get("estado", "")
        channel = params.get("canal", "")
        assigned = params.get("asignado", "")
        return cls(
            state=state if state in {s.value for s in IntakeState} else "",
            channel=channel if channel in CHANNEL_LABELS else "",
            day_from=_day(params.get("desde")), day_to=_day(params.get("hasta")),
            bank=" ".join(params.get("banco", "").split())[:40],
            assigned=assigned if assigned in ("yo", "nadie") or (assigned.isdigit() and len(assigned) < 12) else "",
            search=" ".join(params.get("q", "").split())[:80],
            before=_row(params.get("antes")),
        )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _row(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) <= MAX_ROW_ID else None


@dataclass(frozen=True)
class InboxRow:
    id: int
    created_at: datetime
    state: str
    channel: str
    sender: str
    sender_name: str
    client_id: str
    customer_name: str
    amount: Decimal | None
    currency: str
    bank: str
    reference: str
    assigned: str


@dataclass
class InboxPage:
    rows: list[InboxRow]
    counts: dict[str, int]
    total: int
    next_before: int | None
    staff: list[tuple[int, str]] = field(default_factory=list)
    banks: list[str] = field(default_factory=list)


def search_condition(session: Session, text: str) -> ColumnElement[bool]:
    """Intakes a search names: a client ID, a bank reference, a phone number, or part of a name."""
    conditions: list[ColumnElement[bool]] = [col(Intake.reference) == text]
    customers = select(Customer.id).where(col(Customer.client_id) == text)
    phone = international_phone(text) if sum(ch.isdigit() for ch in text) >= 8 else None
    if phone:
        conditions.append(col(Intake.sender) == phone)
        customers = select(Customer.id).where(or_(col(Customer.client_id) == text,
                                                   col(Customer.whatsapp_number) == phone))
    if not text.isdigit():
        pattern = f"%{text.replace('%', '').replace('_', ' ')}%"
        named = func.trim(func.coalesce(Customer.first_names, "") + " " + func.coalesce(Customer.last_names, ""))
        customers = select(Customer.id).where(or_(col(Customer.client_id) == text, named.like(pattern)))
        conditions.append(col(Intake.sender_name).like(pattern))
    ids = list(session.exec(customers.limit(NAME_MATCHES)).all())
    if ids:
        conditions.append(col(Intake.customer_id).in_(ids))
    return or_(*conditions)


def conditions_of(session: Session, wanted: InboxFilter, viewer: Viewer, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if wanted.state:
        found.append(col(Intake.state) == wanted.state)
    if wanted.channel:
        found.append(col(Intake.channel) == wanted.channel)
    if wanted.day_from:
        found.append(col(Intake.created_at) >= datetime.combine(wanted.day_from, time.min, tzinfo=tz))
    if wanted.day_to:
        found.append(col(Intake.created_at) < datetime.combine(wanted.day_to + timedelta(days=1), time.min, tzinfo=tz))
    if wanted.bank:
        found.append(col(Intake.bank) == wanted.bank)
    if wanted.assigned == "yo":
        found.append(col(Intake.assigned_to_id) == viewer.id)
    elif wanted.assigned == "nadie":
        found.append(col(Intake.assigned_to_id).is_(None))
    elif wanted.assigned:
        found.append(col(Intake.assigned_to_id) == int(wanted.assigned))
    if wanted.search:
        found.append(search_condition(session, wanted.search))
    return found


def load_inbox(engine: Engine, wanted: InboxFilter, viewer: Viewer, tz: ZoneInfo) -> InboxPage:
    """One page of the inbox and the counts by state (of every intake, so the tabs never lie)."""
    with Session(engine) as session:
        counts = {state: count for state, count in session.exec(
            select(Intake.state, func.count()).group_by(col(Intake.state))).all()}
        query = (select(Intake, Customer, StaffMember)
                 .outerjoin(Customer, col(Customer.id) == col(Intake.customer_id))
                 .outerjoin(StaffMember, col(StaffMember.id) == col(Intake.assigned_to_id)))
        for condition in conditions_of(session, wanted, viewer, tz):
            query = query.where(condition)
        if wanted.before:
            query = query.where(col(Intake.id) < wanted.before)
        found = session.exec(query.order_by(col(Intake.id).desc()).limit(PAGE_SIZE + 1)).all()
        rows = [_row_of(intake, customer, member) for intake, customer, member in found[:PAGE_SIZE]]
        staff = [(member.id or 0, shown_name(member)) for member in session.exec(
            select(StaffMember).where(col(StaffMember.active).is_(True)).order_by(col(StaffMember.name))).all()]
        banks = [bank for (bank,) in session.connection().execute(BANKS) if bank]
    return InboxPage(rows, counts, sum(counts.values()), rows[-1].id if len(found) > PAGE_SIZE else None,
                     staff, banks)


def _row_of(intake: Intake, customer: Customer | None, member: StaffMember | None) -> InboxRow:
    fields = intake.fields or {}
    try:
        amount = Decimal(str(fields["amount"])) if fields.get("amount") not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    return InboxRow(
        id=intake.id or 0, created_at=intake.created_at, state=intake.state, channel=intake.channel,
        sender=intake.sender, sender_name=intake.sender_name, client_id=customer.client_id if customer else "",
        customer_name=customer.full_name if customer else "", amount=amount,
        currency=str(fields.get("currency") or "CRC"), bank=intake.bank or "", reference=intake.reference or "",
        assigned=shown_name(member) if member is not None else "",
    )


def routes(portal: Portal) -> list[BaseRoute]:
    async def inbox(request: Request, viewer: Viewer) -> Response:
        wanted = InboxFilter.from_query(request.query_params)
        page = await portal.run(load_inbox, portal.engine, wanted, viewer, portal.settings.tz)
        return portal.pages.render(request, "inbox.html", page=page, wanted=wanted, states=STATE_LABELS,
                                   channels=CHANNEL_LABELS)

    return [Route("/", portal.guard(inbox), methods=["GET"])]
