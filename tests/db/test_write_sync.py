"""A receipt's commit is synced to disk before its customer is answered; the bookkeeping around reading and
sending (claims, readings, sent marks) commits without a sync of its own, so it holds SQLite's write lock
for less time while receipts wait."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.db.session import make_engine
from bot.db.turns import relaxed_sync, urgent_writes


def synchronous_of_a_write(engine: Engine) -> int:
    """SQLite's `synchronous` level in force for a transaction that writes (read back inside it)."""
    with Session(engine) as session:
        session.execute(text("INSERT INTO marks (at) VALUES (1)"))
        level = int(session.execute(text("PRAGMA synchronous")).scalar() or 0)
        session.commit()
    return level


def test_bookkeeping_commits_skip_their_sync_and_a_receipts_commit_always_syncs(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sync.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE marks (at INTEGER)"))

    plain_before = synchronous_of_a_write(engine)
    with relaxed_sync():
        bookkeeping = synchronous_of_a_write(engine)
        with urgent_writes():
            receipt_inside = synchronous_of_a_write(engine)
    plain_after = synchronous_of_a_write(engine)
    engine.dispose()

    assert (plain_before, bookkeeping, receipt_inside, plain_after) == (2, 1, 2, 2), "FULL = 2, NORMAL = 1"
