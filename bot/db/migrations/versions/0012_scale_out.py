"""scale-out: heartbeats of each process's background work, and an intake's place in the reading queue
(a sender past the flood limit waits behind everyone else)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 22:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('heartbeat',
    sa.Column('component', sa.String(length=20), nullable=False),
    sa.Column('process', sa.String(length=120), nullable=False),
    sa.Column('beat_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('component', 'process')
    )
    # Added and dropped in place (no table rebuild): other tables' foreign keys point at intake.
    op.add_column('intake', sa.Column('priority', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('intake', 'priority')
    op.drop_table('heartbeat')
