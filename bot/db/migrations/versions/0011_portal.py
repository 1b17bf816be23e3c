"""staff portal: logins on staff records, login attempts, intake assignment and internal notes, the bank and
reference of each intake as columns (search and filters), and cases escalated to accounting

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 21:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    # Columns are added in place (no table rebuild): rebuilding `intake` or `staffmember` on SQLite would trip
    # the foreign keys of the rows that point at them.
    op.add_column('staffmember', sa.Column('login', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
    op.add_column('staffmember', sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200),
                                           nullable=True))
    op.add_column('staffmember', sa.Column('login_version', sa.Integer(), nullable=False, server_default='0'))
    op.create_index('ix_staffmember_login', 'staffmember', ['login'], unique=True)

    op.add_column('intake', sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
    op.add_column('intake', sa.Column('bank', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    op.add_column('intake', sa.Column('assigned_to_id', sa.Integer(), nullable=True))
    op.create_index('ix_intake_reference', 'intake', ['reference'], unique=False)
    op.create_index('ix_intake_bank', 'intake', ['bank'], unique=False)
    op.create_index('ix_intake_assigned_to_id', 'intake', ['assigned_to_id'], unique=False)
    _copy_reference_and_bank()

    op.create_table('intakenote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intake_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['intake_id'], ['intake.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staffmember.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_intakenote_intake_id', 'intakenote', ['intake_id'], unique=False)

    op.create_table('loginattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_loginattempt_login', 'loginattempt', ['login'], unique=False)
    op.create_index('ix_loginattempt_address', 'loginattempt', ['address'], unique=False)
    op.create_index('ix_loginattempt_created_at', 'loginattempt', ['created_at'], unique=False)

    op.create_table('staffcase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('intake_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('opened_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('grace_extension_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', bot.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', bot.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['intake_id'], ['intake.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['opened_by_id'], ['staffmember.id'], ),
    sa.ForeignKeyConstraint(['grace_extension_id'], ['graceextension.id'], ),
    sa.ForeignKeyConstraint(['closed_by_id'], ['staffmember.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_staffcase_state_id', 'staffcase', ['state', 'id'], unique=False)
    op.create_index('ix_staffcase_intake_id', 'staffcase', ['intake_id'], unique=False)
    op.create_index('ix_staffcase_customer_id', 'staffcase', ['customer_id'], unique=False)
    op.create_index('ix_staffcase_created_at', 'staffcase', ['created_at'], unique=False)


def _copy_reference_and_bank() -> None:
    """Intakes read before this revision get their reference and bank copied out of their fields."""
    connection = op.get_bind()
    intake = sa.table('intake', sa.column('id', sa.Integer()), sa.column('fields', sa.JSON()),
                      sa.column('reference', sa.String()), sa.column('bank', sa.String()))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(intake.c.id, intake.c.fields).where(intake.c.id > last).order_by(intake.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        updates = [
            {"row_id": row.id, "ref": _text(row.fields, "reference", 60), "bank_name": _text(row.fields, "bank", 40)}
            for row in rows if _text(row.fields, "reference", 60) or _text(row.fields, "bank", 40)
        ]
        if updates:
            connection.execute(
                intake.update().where(intake.c.id == sa.bindparam("row_id"))
                .values(reference=sa.bindparam("ref"), bank=sa.bindparam("bank_name")),
                updates,
            )
        last = rows[-1].id


def _text(fields: object, key: str, limit: int) -> str | None:
    value = fields.get(key) if isinstance(fields, dict) else None
    return str(value)[:limit] if value else None


def downgrade() -> None:
    op.drop_index('ix_staffcase_created_at', table_name='staffcase')
    op.drop_index('ix_staffcase_customer_id', table_name='staffcase')
    op.drop_index('ix_staffcase_intake_id', table_name='staffcase')
    op.drop_index('ix_staffcase_state_id', table_name='staffcase')
    op.drop_table('staffcase')
    op.drop_index('ix_loginattempt_created_at', table_name='loginattempt')
    op.drop_index('ix_loginattempt_address', table_name='loginattempt')
    op.drop_index('ix_loginattempt_login', table_name='loginattempt')
    op.drop_table('loginattempt')
    op.drop_index('ix_intakenote_intake_id', table_name='intakenote')
    op.drop_table('intakenote')
    op.drop_index('ix_intake_assigned_to_id', table_name='intake')
    op.drop_index('ix_intake_bank', table_name='intake')
    op.drop_index('ix_intake_reference', table_name='intake')
    for column in ('assigned_to_id', 'bank', 'reference'):
        _drop_column('intake', column)
    op.drop_index('ix_staffmember_login', table_name='staffmember')
    for column in ('login_version', 'password_hash', 'login'):
        _drop_column('staffmember', column)


def _drop_column(table: str, column: str) -> None:
    """SQLite drops a plain column in place (3.35+), so the rows pointing at the table keep their keys."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
