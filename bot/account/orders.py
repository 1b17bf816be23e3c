"""Where charges come from: imported payment orders (seed 004) and each new period of a recurring contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

import bot.account.repository as repository
from bot.account.allocation import settle_accounts
from bot.account.charges import (
    charge_description,
    charge_key,
    fee_with_tax,
    interest_description,
    period_due_dates,
)
from bot.account.entries import ZERO, EntryKind
from bot.account.operations import cancel_settled_reminders

IMPORT_ACTOR = "importación"
SCHEDULER_ACTOR = "programador"
SALDO_DESCRIPTION = "Actualización de saldo por importación"


@dataclass(frozen=True)
class OrderRow:
    """One payment order as the contracts file gives it, with the Saldo the previous import left."""

    contract_id: int
    customer_id: int
    payment_code: str
    installment: int
    period: str
    currency: str
    fee: Decimal
    charges: Decimal | None
    """Cargos e intereses as the file gives them; None when the file has no such column."""
    tax_rate: Decimal
    due_date: date
    saldo: Decimal | None
    previous_saldo: Decimal | None


@dataclass
class OrderPosting:
    """What posting a file's orders wrote to the accounts."""

    charges: int = 0
    interest: int = 0
    balance_updates: int = 0
    reminders_cancelled: int = 0

    def to_text(self) -> str:
        return (
            f"cuenta: {self.charges} cargos nuevos, {self.interest} de cargos e intereses, "
            f"{self.balance_updates} actualizaciones de saldo, {self.reminders_cancelled} recordatorios cancelados"
        )


def _charge_row(row: OrderRow, on_date: date, actor: str, whole_colones: bool) -> dict[str, Any]:
    amount = fee_with_tax(row.fee, row.tax_rate, row.currency, whole_colones=whole_colones)
    return {
        "customer_id": row.customer_id, "contract_id": row.contract_id, "kind": EntryKind.CHARGE,
        "currency": row.currency, "amount": amount.total, "on_date": min(on_date, row.due_date),
        "due_date": row.due_date, "actor": actor, "source_key": charge_key(row.contract_id, row.due_date),
        "description": charge_description(row.period, row.payment_code, row.installment, row.due_date),
    }


def post_orders(
    session: Session,
    rows: Sequence[OrderRow],
    *,
    on_date: date,
    actor: str = IMPORT_ACTOR,
    whole_colones: bool = False,
) -> OrderPosting:
    """Each order's Cuota becomes a charge (Monto plus IVA, due on its Fecha de vencimiento; "Cargos e
    intereses" a charge of its own); a Saldo that changed since the last import brings the order's open
    amount to it with a dated "actualización de saldo por importación"; Saldo 0 closes the order and
    cancels its pending reminders. Posting the same file twice writes nothing the second time.
    """
    posting = OrderPosting()
    keys = repository.existing_keys(session, (charge_key(r.contract_id, r.due_date) for r in rows))
    interest = repository.recorded_interest(session, {r.contract_id for r in rows})
    new: list[dict[str, Any]] = []
    for row in rows:
        if charge_key(row.contract_id, row.due_date) not in keys:
            new.append(_charge_row(row, on_date, actor, whole_colones))
            keys.add(charge_key(row.contract_id, row.due_date))
            posting.charges += 1
        if row.charges is None:
            continue
        difference = row.charges - interest.get((row.contract_id, row.due_date), ZERO)
        if difference:
            new.append({
                "customer_id": row.customer_id, "contract_id": row.contract_id, "kind": EntryKind.INTEREST,
                "currency": row.currency, "amount": difference, "on_date": min(on_date, row.due_date),
                "due_date": row.due_date, "actor": actor,
                "description": interest_description(row.payment_code, row.installment),
            })
            posting.interest += 1
    changed = [r for r in rows if r.saldo is not None and r.saldo != r.previous_saldo]
    known = repository.customers_with_entries(session, {r.customer_id for r in changed})
    fresh: dict[int, Decimal] = {}
    for item in new:
        if item["customer_id"] not in known:
            fresh[item["contract_id"]] = fresh.get(item["contract_id"], ZERO) + item["amount"]
    ledgers = {}
    if known:
        first_new_id = repository.next_entry_id(session)
        drafts = [repository.draft_entry(item, first_new_id + n) for n, item in enumerate(new)
                  if item["customer_id"] in known]
        stored = repository.load_entries_of(session, known)
        ledgers = settle_accounts([*(e for group in stored.values() for e in group), *drafts])
    updates: list[dict[str, Any]] = []
    for row in changed:
        assert row.saldo is not None
        if row.customer_id in known:
            ledger = ledgers.get((row.customer_id, row.currency))
            open_now = ledger.contract_balance(row.contract_id) if ledger else ZERO
        else:
            open_now = fresh.get(row.contract_id, ZERO)
        difference = row.saldo - open_now
        if not difference:
            continue
        updates.append({
            "customer_id": row.customer_id, "contract_id": row.contract_id, "kind": EntryKind.IMPORT_UPDATE,
            "currency": row.currency, "amount": difference, "on_date": on_date, "due_date": row.due_date,
            "actor": actor, "description": f"{SALDO_DESCRIPTION} · {row.payment_code}",
            "reason": f"Saldo importado {row.saldo:.2f}; pendiente antes {open_now:.2f}",
        })
    repository.write_entries(session, [*new, *updates])
    posting.balance_updates = len(updates)
    reduced = {u["customer_id"] for u in updates if u["amount"] < 0}
    if reduced:
        posting.reminders_cancelled = cancel_settled_reminders(session, reduced, "saldo en cero por importación")
    return posting


def generate_period_charges(
    session: Session, today: date, *, actor: str = SCHEDULER_ACTOR, whole_colones: bool = False
) -> int:
    """Charge every monthly and annual contract for each period that has started by `today` (until its
    end date) and is not charged yet. Idempotent: a second run, or a run after a restart, writes nothing;
    two processes racing are kept apart by the charges' unique keys. Returns how many charges were written.
    """
    last = repository.last_charge_dates(session)
    new: list[dict[str, Any]] = []
    for contract in repository.recurring_contracts(session, today):
        if contract.id is None or contract.due_date is None:
            continue
        after = last.get(contract.id)
        for due in period_due_dates(contract.due_date, contract.period, until=today, after=after,
                                    end=contract.end_date):
            amount = fee_with_tax(contract.fee, contract.tax_rate, contract.currency, whole_colones=whole_colones)
            new.append({
                "customer_id": contract.customer_id, "contract_id": contract.id, "kind": EntryKind.CHARGE,
                "currency": contract.currency, "amount": amount.total, "on_date": due, "due_date": due,
                "actor": actor, "source_key": charge_key(contract.id, due),
                "description": charge_description(contract.period, contract.payment_code, contract.installment, due),
            })
    if not new:
        return 0
    return repository.write_entries(session, new, skip_existing_keys=True)
