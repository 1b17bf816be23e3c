"""whatsapp window shared by every process; outbox index per chat

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:39:03.794015
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('whatsappwindow',
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('last_inbound_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number')
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.create_index('ix_outboxmessage_chat', ['channel', 'recipient', 'state'], unique=False)
    # Windows opened before this table existed: the customers' latest WhatsApp messages.
    op.execute(
        "INSERT INTO whatsappwindow (number, last_inbound_at) "
        "SELECT sender, MAX(created_at) FROM intake "
        "WHERE channel = 'whatsapp' AND sender LIKE '+%' AND LENGTH(sender) <= 32 GROUP BY sender"
    )


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index('ix_outboxmessage_chat')

    op.drop_table('whatsappwindow')
