"""the customer's account: entries, manual payments, the imported Saldo kept apart

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 18:41:42.998654

Existing data becomes entries, so every customer owes after the upgrade what `contract.balance`
said before it:
- each contract (payment order) gets the charge of its current order: fee plus IVA at its tax
  rate, due on its due date, and its "Cargos e intereses" as a separate charge;
- each applied payment becomes a payment entry for the order it was applied to, in the order's
  currency (converted at the rate the receipt was checked with, else the stored sell rate of its
  date or the latest before it);
- where the old balance differs from charge less payments, a "saldo migrado" entry on the order
  makes up the difference (what was paid outside paybot, or arrears). A zero balance never hides
  arrears: an order at zero whose payments exceed its charge keeps the excess as the customer's
  balance in favour, as `payment.credit` recorded it.
- `contract.imported_balance` (the Saldo the next import is compared with) is the old balance plus
  what paybot applied to it, i.e. the Saldo as last imported, so an unchanged file changes nothing.
Downgrade writes `contract.balance` back as each order's open amount (entries naming it, at least
zero) and drops payments captured by hand, which the old schema cannot hold.
"""
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.types


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CENTS = Decimal("0.01")
LOCAL = ZoneInfo("America/Costa_Rica")
MONTHS = ("ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "set.", "oct.", "nov.", "dic.")

contract_t = sa.table(
    "contract",
    sa.column("id", sa.Integer), sa.column("customer_id", sa.Integer), sa.column("payment_code", sa.String),
    sa.column("installment", sa.Integer), sa.column("currency", sa.String),
    sa.column("fee", bot.db.types.DecimalType), sa.column("charges", bot.db.types.DecimalType),
    sa.column("period", sa.String), sa.column("tax_rate", bot.db.types.DecimalType),
    sa.column("due_date", sa.Date), sa.column("balance", bot.db.types.DecimalType),
    sa.column("imported_balance", bot.db.types.DecimalType),
    sa.column("created_at", bot.db.types.UTCDateTime),
)
payment_t = sa.table(
    "payment",
    sa.column("id", sa.Integer), sa.column("intake_id", sa.Integer), sa.column("customer_id", sa.Integer),
    sa.column("contract_id", sa.Integer), sa.column("amount", bot.db.types.DecimalType),
    sa.column("currency", sa.String), sa.column("reference", sa.String), sa.column("method", sa.String),
    sa.column("paid_on", sa.Date), sa.column("applied_by", sa.String),
    sa.column("applied_at", bot.db.types.UTCDateTime),
)
intake_t = sa.table(
    "intake", sa.column("id", sa.Integer), sa.column("fields", sa.JSON), sa.column("amount_due", sa.JSON),
)
rate_t = sa.table(
    "exchangerate", sa.column("date", sa.Date), sa.column("pair", sa.String),
    sa.column("sell", bot.db.types.DecimalType),
)
entry_t = sa.table(
    "accountentry",
    sa.column("customer_id", sa.Integer), sa.column("contract_id", sa.Integer), sa.column("kind", sa.String),
    sa.column("currency", sa.String), sa.column("amount_cents", sa.BigInteger), sa.column("on_date", sa.Date),
    sa.column("due_date", sa.Date), sa.column("description", sa.String), sa.column("reason", sa.String),
    sa.column("actor", sa.String), sa.column("source_key", sa.String), sa.column("payment_id", sa.Integer),
    sa.column("original_amount", bot.db.types.DecimalType), sa.column("original_currency", sa.String),
    sa.column("rate", bot.db.types.DecimalType), sa.column("created_at", bot.db.types.UTCDateTime),
)


def _cents(amount: Decimal) -> int:
    return int((amount.quantize(CENTS, rounding=ROUND_HALF_UP)) * 100)


def _describe(period: str, code: str, installment: int, due: date) -> str:
    if period == "installment" or installment:
        return f"Cuota {installment} · {code}" if installment else f"Cuota · {code}"
    if period == "annual":
        return f"Anualidad {due.year} · {code}"
    return f"Mensualidad {MONTHS[due.month - 1]} {due.year} · {code}"


def _payment_date(fields: Any, applied_at: datetime) -> date:
    text = (fields or {}).get("date") if isinstance(fields, dict) else None
    try:
        return date.fromisoformat(str(text)[:10]) if text else applied_at.astimezone(LOCAL).date()
    except ValueError:
        return applied_at.astimezone(LOCAL).date()


def _migrate_data() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    rates = sorted(
        (row.date, Decimal(str(row.sell)))
        for row in bind.execute(sa.select(rate_t.c.date, rate_t.c.sell).where(rate_t.c.pair == "USD/CRC"))
    )
    intakes = {
        row.id: (row.fields, row.amount_due)
        for row in bind.execute(sa.select(intake_t.c.id, intake_t.c.fields, intake_t.c.amount_due))
    }
    contracts = {row.id: row for row in bind.execute(sa.select(contract_t))}
    entries: list[dict[str, Any]] = []
    paid_by_contract: dict[int, Decimal] = {}

    def stored_rate(on: date) -> Decimal | None:
        earlier = [value for day, value in rates if day <= on]
        later = [value for day, value in rates if day > on]
        return earlier[-1] if earlier else (later[0] if later else None)

    for pay in bind.execute(sa.select(payment_t).order_by(payment_t.c.id)).all():
        fields, due_json = intakes.get(pay.intake_id, ({}, {}))
        paid_on = _payment_date(fields, pay.applied_at)
        bind.execute(sa.update(payment_t).where(payment_t.c.id == pay.id).values(paid_on=paid_on))
        amount = Decimal(str(pay.amount))
        contract = contracts.get(pay.contract_id) if pay.contract_id else None
        currency, rate = pay.currency, None
        if contract is not None and contract.currency != pay.currency:
            used = (due_json or {}).get("rate") if isinstance(due_json, dict) else None
            rate = Decimal(str(used["value"])) if used else stored_rate(paid_on)
            if rate is not None:
                currency = contract.currency
        converted = amount
        if currency != pay.currency and rate:
            converted = amount / rate if pay.currency == "CRC" else amount * rate
        converted = converted.quantize(CENTS, rounding=ROUND_HALF_UP)
        if contract is not None and currency == contract.currency:
            paid_by_contract[contract.id] = paid_by_contract.get(contract.id, Decimal("0")) + converted
        entries.append({
            "customer_id": pay.customer_id,
            "contract_id": contract.id if contract is not None and contract.currency == currency else None,
            "kind": "payment", "currency": currency, "amount_cents": -_cents(converted), "on_date": paid_on,
            "due_date": None, "description": "Pago", "reason": None, "actor": pay.applied_by,
            "source_key": None, "payment_id": pay.id,
            "original_amount": amount if currency != pay.currency else None,
            "original_currency": pay.currency if currency != pay.currency else None,
            "rate": rate if currency != pay.currency else None, "created_at": pay.applied_at,
        })

    for contract in contracts.values():
        fee = Decimal(str(contract.fee)).quantize(CENTS, rounding=ROUND_HALF_UP)
        tax = (fee * Decimal(str(contract.tax_rate))).quantize(CENTS, rounding=ROUND_HALF_UP)
        interest = Decimal(str(contract.charges or "0")).quantize(CENTS, rounding=ROUND_HALF_UP)
        created = contract.created_at.astimezone(LOCAL).date()
        due = contract.due_date or created
        base = {"customer_id": contract.customer_id, "contract_id": contract.id, "currency": contract.currency,
                "on_date": min(created, due), "due_date": due, "reason": None, "actor": "migración",
                "payment_id": None, "original_amount": None, "original_currency": None, "rate": None,
                "created_at": now}
        entries.append({**base, "kind": "charge", "amount_cents": _cents(fee + tax),
                        "description": _describe(contract.period, contract.payment_code, contract.installment, due),
                        "source_key": f"charge:{contract.id}:{due.isoformat()}"})
        if interest:
            entries.append({**base, "kind": "interest", "amount_cents": _cents(interest), "source_key": None,
                            "description": f"Cargos e intereses · {contract.payment_code}"})
        balance = Decimal(str(contract.balance or "0"))
        paid = paid_by_contract.get(contract.id, Decimal("0"))
        opening = balance - (fee + tax + interest - paid)
        if balance == 0 and opening > 0:
            opening = Decimal("0")
        if opening:
            entries.append({**base, "kind": "opening", "amount_cents": _cents(opening), "source_key": None,
                            "description": f"Saldo migrado · {contract.payment_code}",
                            "reason": f"saldo anterior del contrato: {balance}"})
        bind.execute(sa.update(contract_t).where(contract_t.c.id == contract.id)
                     .values(imported_balance=balance + paid))
    if entries:
        bind.execute(sa.insert(entry_t), entries)


def _drop_column(table: str, column: str) -> None:
    """SQLite drops a plain column in place (3.35+): rebuilding `contract` would trip the foreign keys
    of the intakes, payments and reminders that point at it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def upgrade() -> None:
    op.create_table('accountentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('original_amount', bot.db.types.DecimalType(length=40), nullable=True),
    sa.Column('original_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('rate', bot.db.types.DecimalType(length=40), nullable=True),
    sa.Column('created_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('payment_id'),
    sa.UniqueConstraint('source_key')
    )
    with op.batch_alter_table('accountentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountentry_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accountentry_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_balance', bot.db.types.DecimalType(length=40), nullable=True))

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default='comprobante'))
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
        batch_op.alter_column('intake_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('reference',
               existing_type=sa.VARCHAR(length=60),
               nullable=True)

    _migrate_data()
    _drop_column('contract', 'balance')


def downgrade() -> None:
    bind = op.get_bind()
    open_by_contract: dict[int, int] = {
        row.contract_id: int(row.total)
        for row in bind.execute(
            sa.select(entry_t.c.contract_id, sa.func.sum(entry_t.c.amount_cents).label("total"))
            .where(entry_t.c.contract_id.is_not(None)).group_by(entry_t.c.contract_id)
        )
    }
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('balance', bot.db.types.DecimalType(length=40), nullable=False,
                                      server_default='0'))
    for contract_id, cents in open_by_contract.items():
        bind.execute(sa.update(contract_t).where(contract_t.c.id == contract_id)
                     .values(balance=Decimal(max(cents, 0)) / 100))

    op.drop_table('accountentry')
    bind.execute(sa.delete(payment_t).where(payment_t.c.intake_id.is_(None)))
    bind.execute(sa.update(payment_t).where(payment_t.c.reference.is_(None))
                 .values(reference="sin-referencia-" + sa.cast(payment_t.c.id, sa.String)))
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.alter_column('reference',
               existing_type=sa.VARCHAR(length=60),
               nullable=False)
        batch_op.alter_column('intake_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('paid_on')
        batch_op.drop_column('method')

    _drop_column('contract', 'imported_balance')
