"""accounting: ERP sync state and invoice on payments, ERP deliveries, payment audit, bank movements

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 09:00:00.000000

Payments already applied keep `sync_state` as it was (`pending`: nothing ever sent them); nothing is
queued for them, so turning an ERP connector on does not send the past (`paybot sync now` does, one
by one).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('payment', sa.Column('synced_at', bot.db.types.UTCDateTime(), nullable=True))
    op.add_column('payment', sa.Column('synced_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
    op.add_column('payment', sa.Column('invoice_number', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
    op.add_column('payment', sa.Column('invoice_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.add_column('payment', sa.Column('invoice_path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.create_index('ix_payment_sync_state', 'payment', ['sync_state'], unique=False)
    op.create_table('paymentevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_paymentevent_payment_id', 'paymentevent', ['payment_id'], unique=False)
    op.create_table('erpdelivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('claimed_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index('ix_erpdelivery_payment_id', 'erpdelivery', ['payment_id'], unique=False)
    op.create_index('ix_erpdelivery_state', 'erpdelivery', ['state'], unique=False)
    op.create_index('ix_erpdelivery_next_attempt_at', 'erpdelivery', ['next_attempt_at'], unique=False)
    op.create_table('bankimport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('new_rows', sa.Integer(), nullable=False),
    sa.Column('imported_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_bankimport_file_sha256', 'bankimport', ['file_sha256'], unique=False)
    op.create_table('bankmovement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('bank', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount', bot.db.types.DecimalType(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('reference_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('match_rule', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('matched_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['bankimport.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('payment_id'),
    sa.UniqueConstraint('source_key')
    )
    op.create_index('ix_bankmovement_bank', 'bankmovement', ['bank'], unique=False)
    op.create_index('ix_bankmovement_booked_on', 'bankmovement', ['booked_on'], unique=False)
    op.create_index('ix_bankmovement_import_id', 'bankmovement', ['import_id'], unique=False)
    op.create_index('ix_bankmovement_reference_key', 'bankmovement', ['reference_key'], unique=False)


def downgrade() -> None:
    op.drop_table('bankmovement')
    op.drop_table('bankimport')
    op.drop_table('erpdelivery')
    op.drop_table('paymentevent')
    op.drop_index('ix_payment_sync_state', table_name='payment')
    for column in ('invoice_path', 'invoice_url', 'invoice_number', 'synced_by', 'synced_at'):
        _drop_column('payment', column)


def _drop_column(table: str, column: str) -> None:
    """SQLite drops a plain column in place (3.35+): rebuilding `payment` would trip the foreign keys of
    the account entries that point at it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
