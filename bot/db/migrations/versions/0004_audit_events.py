"""audit events: refused staff actions recorded in the database

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 19:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('auditevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('user', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('chat', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('intake_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditevent_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_intake_id'), ['intake_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_kind'))
        batch_op.drop_index(batch_op.f('ix_auditevent_intake_id'))
        batch_op.drop_index(batch_op.f('ix_auditevent_created_at'))

    op.drop_table('auditevent')
