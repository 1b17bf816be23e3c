"""staff records: who acted on each audit row, when each staff member was added, and the reply prompts
staff answer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 21:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staffmember', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=True))
    op.execute(sa.text("UPDATE staffmember SET created_at = CURRENT_TIMESTAMP WHERE created_at IS NULL"))
    with op.batch_alter_table('staffmember', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=bot.db.types.UTCDateTime(), nullable=False)

    with op.batch_alter_table('intakeevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_intakeevent_staff_id'), ['staff_id'], unique=False)
        batch_op.create_foreign_key('fk_intakeevent_staff_id_staffmember', 'staffmember', ['staff_id'], ['id'])

    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_auditevent_staff_id_staffmember', 'staffmember', ['staff_id'], ['id'])

    op.create_table('staffprompt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('intake_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'chat_id', 'message_id')
    )


def downgrade() -> None:
    op.drop_table('staffprompt')
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_constraint('fk_auditevent_staff_id_staffmember', type_='foreignkey')
        batch_op.drop_column('staff_id')
    with op.batch_alter_table('intakeevent', schema=None) as batch_op:
        batch_op.drop_constraint('fk_intakeevent_staff_id_staffmember', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_intakeevent_staff_id'))
        batch_op.drop_column('staff_id')
    with op.batch_alter_table('staffmember', schema=None) as batch_op:
        batch_op.drop_column('created_at')
