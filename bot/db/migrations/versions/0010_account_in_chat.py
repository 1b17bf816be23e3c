"""the account in chat: what staff decided about an overpayment, and the name a sent document carries

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('intake', sa.Column('overpayment', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.add_column('outboxmessage',
                  sa.Column('media_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))


def downgrade() -> None:
    _drop_column('outboxmessage', 'media_name')
    _drop_column('intake', 'overpayment')


def _drop_column(table: str, column: str) -> None:
    """SQLite drops a plain column in place (3.35+): rebuilding `intake` would trip the foreign keys of
    the rows that point at it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
