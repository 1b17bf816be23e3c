"""scheduled jobs: when each periodic job last ran and is next due

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 20:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scheduledjob',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('next_run_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('last_run_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('scheduledjob')
