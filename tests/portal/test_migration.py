"""An installation that already has receipts, staff and their audit upgrades to the portal's schema in place
(the reference and bank of every receipt copied out for search) and downgrades again, on SQLite and
PostgreSQL, without losing a row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import migrate
from bot.db.session import make_engine

BEFORE = "0010"
ROWS = [
    "INSERT INTO staffmember (id, name, role, active, created_at) VALUES (1, 'Laura', 'support', true, "
    "CURRENT_TIMESTAMP)",
    "INSERT INTO intake (id, channel, external_id, sender, sender_name, reply_to, state, fields, confidences, checks, "
    "amount_due, attempts, created_at, updated_at) VALUES (1, 'whatsapp', 'SM1', '+50688112233', '', '', "
    "'in_review', '{\"reference\": \"2026112700000000007\", \"bank\": \"BCR\"}', '{}', '{}', '{}', 0, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO intake (id, channel, external_id, sender, sender_name, reply_to, state, fields, confidences, checks, "
    "amount_due, attempts, created_at, updated_at) VALUES (2, 'whatsapp', 'SM2', '+50688112233', '', '', "
    "'needs_info', '{}', '{}', '{}', '{}', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO intakeevent (intake_id, actor, staff_id, from_state, to_state, changes, created_at) "
    "VALUES (1, 'Laura', 1, 'checked', 'in_review', '{}', CURRENT_TIMESTAMP)",
]


def round_trip(url: str) -> None:
    migrate.upgrade(url, BEFORE)
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
    migrate.upgrade(url)
    with engine.connect() as connection:
        copied = connection.execute(text("SELECT id, reference, bank, assigned_to_id FROM intake ORDER BY id")).all()
        staff = connection.execute(text("SELECT login, password_hash, login_version FROM staffmember")).all()
    assert [tuple(row) for row in copied] == [(1, "2026112700000000007", "BCR", None), (2, None, None, None)]
    assert [tuple(row) for row in staff] == [(None, None, 0)]
    migrate.downgrade(url, BEFORE)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM intakeevent")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM intake")).scalar() == 2
    engine.dispose()


def test_receipts_staff_and_audit_survive_the_upgrade_and_the_downgrade_on_sqlite(tmp_path: Path) -> None:
    round_trip(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_receipts_staff_and_audit_survive_the_upgrade_and_the_downgrade_on_postgresql(postgres_url: str) -> None:
    try:
        round_trip(postgres_url)
    finally:
        migrate.downgrade(postgres_url)
