"""WhatsApp's 24-hour window as data: when each number last wrote to us, shared by every process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.db.models import WhatsAppWindow
from bot.db.types import utcnow
from currency.text import international_phone

SERVICE_WINDOW = timedelta(hours=24)
MAX_NUMBER = 32


class ServiceWindow:
    """Free-form messages may go to a number for 24 hours after it last wrote; outside that, a template.

    Every inbound webhook (customers and staff alike) records its sender here, in the database, so a
    reply sent by any process, before or after a restart, sees the same window.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def seen(self, address: str, at: datetime | None = None) -> None:
        """Record that `address` wrote to us at `at` (default: now); an earlier time never wins."""
        with Session(self.engine) as session:
            self.seen_in(session, address, at)
            session.commit()

    def seen_in(self, session: Session, address: str, at: datetime | None = None) -> None:
        """`seen`, as part of the transaction of `session` (the one that stores the message)."""
        number = international_phone(address)
        if not number or len(number) > MAX_NUMBER:
            return
        at = at or self.clock()
        table = WhatsAppWindow.__table__  # type: ignore[attr-defined]
        dialect = self.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table).values(number=number, last_inbound_at=at)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.number],
            set_={"last_inbound_at": statement.excluded.last_inbound_at},
            where=table.c.last_inbound_at < statement.excluded.last_inbound_at,
        )
        session.execute(statement)

    def last_inbound(self, address: str) -> datetime | None:
        """When `address` last wrote to us, if it ever did."""
        number = international_phone(address)
        if not number:
            return None
        with Session(self.engine) as session:
            row = session.get(WhatsAppWindow, number)
            return row.last_inbound_at if row else None

    def is_open(self, address: str) -> bool:
        """Whether a free-form message to `address` is allowed now."""
        last = self.last_inbound(address)
        return last is not None and self.clock() - last < SERVICE_WINDOW

    def close(self, address: str) -> None:
        """Twilio says the window is closed (error 63016): believe it until the number writes again."""
        number = international_phone(address)
        with Session(self.engine) as session:
            session.execute(delete(WhatsAppWindow).where(col(WhatsAppWindow.number) == number))
            session.commit()
