"""The inbox as support reads it: newest first in pages that follow the id (none skipped or repeated while
receipts keep arriving), counts by state, each filter, and the search by client ID, reference, phone or name."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db.models import Customer, Intake, StaffMember, StaffRole
from bot.portal.inbox import PAGE_SIZE, InboxFilter, load_inbox
from bot.portal.sessions import Viewer

TZ = ZoneInfo("America/Costa_Rica")
START = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)


def seed(engine: Engine, count: int) -> tuple[int, Viewer]:
    """`count` receipts, one an hour: states, channels and banks in turn; every third from customer 1001."""
    with Session(engine) as session:
        maria = session.exec(select(Customer).where(Customer.client_id == "1001")).one()
        laura = StaffMember(name="Laura Mora", role="support", login="laura")
        session.add(laura)
        session.flush()
        for n in range(count):
            session.add(Intake(
                channel=("whatsapp", "telegram")[n % 2], external_id=f"m{n}",
                sender="+50688112233" if n % 3 == 0 else f"+5067000{n:04d}",
                sender_name="María José" if n % 3 == 0 else f"Cliente {n}",
                state=("in_review", "forwarded", "applied")[n % 3], fields={"amount": "28250.00", "currency": "CRC"},
                reference=f"REF{n:06d}", bank=("BCR", "BAC")[n % 2], customer_id=maria.id if n % 3 == 0 else None,
                assigned_to_id=laura.id if n % 5 == 0 else None, created_at=START + timedelta(hours=n),
            ))
        session.commit()
        assert laura.id is not None
        return maria.id or 0, Viewer(laura.id, laura.name, StaffRole.SUPPORT, "laura")


def every_page(engine: Engine, wanted: InboxFilter, viewer: Viewer) -> list[int]:
    seen: list[int] = []
    while True:
        page = load_inbox(engine, wanted, viewer, TZ)
        seen += [row.id for row in page.rows]
        if page.next_before is None:
            return seen
        wanted = InboxFilter(**{**wanted.__dict__, "before": page.next_before})


def test_pages_follow_the_id_newest_first_and_miss_nothing_while_receipts_arrive(demo_engine: Engine) -> None:
    _, viewer = seed(demo_engine, 130)
    first = load_inbox(demo_engine, InboxFilter(), viewer, TZ)
    assert [row.id for row in first.rows] == list(range(130, 130 - PAGE_SIZE, -1))
    assert first.total == 130 and first.counts == {"in_review": 44, "forwarded": 43, "applied": 43}
    with Session(demo_engine) as session:
        session.add(Intake(channel="whatsapp", external_id="late", sender="+50670009999", created_at=START))
        session.commit()
    second = load_inbox(demo_engine, InboxFilter(before=first.next_before), viewer, TZ)
    assert second.rows[0].id == 130 - PAGE_SIZE
    assert every_page(demo_engine, InboxFilter(), viewer) == list(range(131, 0, -1))


def test_each_filter_narrows_the_inbox(demo_engine: Engine) -> None:
    _, viewer = seed(demo_engine, 60)

    def ids(**wanted: object) -> list[int]:
        return every_page(demo_engine, InboxFilter(**wanted), viewer)  # type: ignore[arg-type]

    assert ids(state="forwarded") == [n + 1 for n in range(59, -1, -1) if n % 3 == 1]
    assert ids(channel="telegram", bank="BAC") == [n + 1 for n in range(59, -1, -1) if n % 2 == 1]
    assert ids(assigned="yo") == ids(assigned=str(viewer.id)) == [n + 1 for n in range(59, -1, -1) if n % 5 == 0]
    assert len(ids(assigned="nadie")) == 48
    day = (START + timedelta(days=1)).date()
    assert ids(day_from=day, day_to=day) == list(range(39, 15, -1))
    assert ids(state="applied", channel="whatsapp", day_from=day) == [
        n + 1 for n in range(59, 14, -1) if n % 3 == 2 and n % 2 == 0]
    row = load_inbox(demo_engine, InboxFilter(state="in_review"), viewer, TZ).rows[-1]
    assert (row.id, row.client_id, row.customer_name, row.assigned) == (1, "1001", "María José Vargas Solano",
                                                                          "Laura Mora")


def test_search_finds_a_receipt_by_client_id_reference_phone_or_name(demo_engine: Engine) -> None:
    _, viewer = seed(demo_engine, 30)
    from_maria = [n + 1 for n in range(29, -1, -1) if n % 3 == 0]

    def found(text: str) -> list[int]:
        return every_page(demo_engine, InboxFilter(search=text), viewer)

    assert found("1001") == from_maria
    assert found("REF000007") == [8]
    assert found("8811 2233") == found("+506 8811-2233") == from_maria
    assert found("Vargas") == found("maría josé") == from_maria
    assert found("Cliente 17") == [18]
    assert found("nadie se llama así") == []
    assert every_page(demo_engine, InboxFilter(search="1001", state="in_review"), viewer) == from_maria
