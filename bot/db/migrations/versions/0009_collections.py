"""collections: grace extensions on charges, access changes (block/unblock), call tasks, payment reversals, and
planned reminders (their plan key, who sent one by hand)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 09:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_key', _text(120), nullable=True))
        batch_op.add_column(sa.Column('sent_by', _text(120), nullable=True))
        batch_op.create_unique_constraint('uq_reminder_plan_key', ['plan_key'])

    op.create_table('graceextension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('charge_entry_id', sa.Integer(), nullable=True),
    sa.Column('intake_id', sa.Integer(), nullable=True),
    sa.Column('granted_by', _text(120), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reason', _text(500), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('outcome', _text(20), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['charge_entry_id'], ['accountentry.id'], ),
    sa.ForeignKeyConstraint(['intake_id'], ['intake.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staffmember.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    for column in ('customer_id', 'contract_id', 'charge_entry_id', 'intake_id', 'until'):
        op.create_index(f'ix_graceextension_{column}', 'graceextension', [column], unique=False)

    op.create_table('accesschange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('reason', _text(500), nullable=False),
    sa.Column('actor', _text(120), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('announced_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staffmember.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_accesschange_customer_id', 'accesschange', ['customer_id'], unique=False)
    op.create_index('ix_accesschange_announced_at', 'accesschange', ['announced_at'], unique=False)

    op.create_table('calltask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_to', sa.Integer(), nullable=False),
    sa.Column('created_by', _text(120), nullable=False),
    sa.Column('note', _text(500), nullable=False),
    sa.Column('state', _text(20), nullable=False),
    sa.Column('outcome', sa.String(), nullable=True),
    sa.Column('closed_by', _text(120), nullable=True),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('closed_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['assigned_to'], ['staffmember.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    for column in ('customer_id', 'assigned_to', 'state'):
        op.create_index(f'ix_calltask_{column}', 'calltask', [column], unique=False)

    op.create_table('paymentreversal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', _text(20), nullable=False),
    sa.Column('reason', _text(500), nullable=False),
    sa.Column('actor', _text(120), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('source', _text(20), nullable=False),
    sa.Column('customer_told', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staffmember.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('payment_id')
    )
    op.create_index('ix_paymentreversal_customer_id', 'paymentreversal', ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_table('paymentreversal')
    op.drop_table('calltask')
    op.drop_table('accesschange')
    op.drop_table('graceextension')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_constraint('uq_reminder_plan_key', type_='unique')
        batch_op.drop_column('sent_by')
        batch_op.drop_column('plan_key')
