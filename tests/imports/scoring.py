"""How many of a variant's rows an importer read right: each file is imported for real into SQLite, what was
stored is read back and compared with what the file means, and the transaction is rolled back."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.accounting.bank_import import import_movements
from bot.accounting.bank_profiles import ProfileError, find_profile, unprofiled_bank
from bot.contracts.importer import ImportFileError, import_contracts, import_customers
from bot.db import migrate
from bot.db.models import BankMovement, Contract, Customer
from bot.db.session import make_engine
from tests.imports.variants import DATA, CustomerTruth, Movement, OrderTruth, Variant

CENT = Decimal("0.01")


@dataclass
class Score:
    """Rows read right out of rows meant, files read whole out of files, and why files failed."""

    rows_right: int = 0
    rows: int = 0
    files_right: int = 0
    files: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, variant: Variant, right: int, problem: str) -> None:
        self.rows += len(variant.expected)
        self.rows_right += right
        self.files += 1
        if right == len(variant.expected) and not problem:
            self.files_right += 1
        else:
            self.failures.append((variant.name, problem or f"{right}/{len(variant.expected)} filas bien"))

    def line(self) -> str:
        rows = 100 * self.rows_right / self.rows if self.rows else 0.0
        files = 100 * self.files_right / self.files if self.files else 0.0
        return (f"rows read right {self.rows_right}/{self.rows} ({rows:.1f}%), "
                f"files read whole {self.files_right}/{self.files} ({files:.1f}%)")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()).upper()


def _movement_key(m: Movement | BankMovement) -> tuple[Any, ...]:
    return (m.booked_on, Decimal(m.amount).quantize(CENT), m.currency, m.reference)


def score_bank(session: Session, variant: Variant) -> tuple[int, str]:
    try:
        profile = find_profile(variant.bank)
    except ProfileError:
        profile = unprofiled_bank(variant.bank)
    try:
        report = import_movements(session, variant.data, profile, file_name=variant.name, actor="variants")
    except Exception as error:
        return 0, f"excepción {type(error).__name__}: {error}"
    stored = Counter(_movement_key(m) for m in session.exec(select(BankMovement)).all())
    wanted = Counter(_movement_key(m) for m in variant.expected)
    right = sum((stored & wanted).values())
    extra = sum((stored - wanted).values())
    problem = "" if report.ok else "; ".join(f"fila {row}: {why}" for row, why in report.errors[:3])
    if extra:
        problem = f"{extra} movimientos de más; " + problem
    return right, problem


def _customer_view(customer: Customer) -> CustomerTruth:
    phones = tuple(p["number"] for p in customer.phones or [] if p.get("source") != "payer")
    return CustomerTruth(customer.client_id, customer.document_type, _digits(customer.document_number),
                         customer.first_names, customer.last_names, phones,
                         tuple(e.lower() for e in customer.emails or []))


def score_customers(session: Session, variant: Variant) -> tuple[int, str]:
    try:
        report = import_customers(session, variant.data)
    except ImportFileError as error:
        return 0, f"archivo rechazado: {error}"
    except Exception as error:
        return 0, f"excepción {type(error).__name__}: {error}"
    stored = {c.client_id: _customer_view(c) for c in session.exec(select(Customer)).all()}
    right = 0
    for truth in variant.expected:
        assert isinstance(truth, CustomerTruth)
        wanted = CustomerTruth(truth.client_id, truth.document_type, _digits(truth.document_number),
                               truth.first_names, truth.last_names, truth.phones,
                               tuple(e.lower() for e in truth.emails))
        right += stored.get(truth.client_id) == wanted
    problem = "" if report.ok else "; ".join(e.to_text() for e in report.errors[:3])
    return right, problem


def _order_view(contract: Contract, document: str) -> tuple[Any, ...]:
    return (_digits(document), contract.payment_code, contract.installment, contract.currency,
            Decimal(contract.fee).quantize(CENT), Decimal(contract.charges).quantize(CENT), contract.period,
            Decimal(contract.tax_rate).normalize(), contract.start_date, contract.end_date, contract.due_date,
            None if contract.imported_balance is None else Decimal(contract.imported_balance).quantize(CENT))


def score_orders(session: Session, variant: Variant) -> tuple[int, str]:
    try:
        report = import_contracts(session, variant.data)
    except ImportFileError as error:
        return 0, f"archivo rechazado: {error}"
    except Exception as error:
        return 0, f"excepción {type(error).__name__}: {error}"
    documents = {c.id: c.document_number for c in session.exec(select(Customer)).all()}
    stored = Counter(_order_view(c, documents[c.customer_id]) for c in session.exec(select(Contract)).all())
    wanted = Counter()
    for truth in variant.expected:
        assert isinstance(truth, OrderTruth)
        wanted[(_digits(truth.document_number), truth.payment_code, truth.installment, truth.currency,
                truth.fee.quantize(CENT), truth.charges.quantize(CENT), truth.period, truth.tax_rate.normalize(),
                truth.start_date, truth.end_date, truth.due_date,
                None if truth.balance is None else truth.balance.quantize(CENT))] += 1
    right = sum((stored & wanted).values())
    problem = "" if report.ok else "; ".join(e.to_text() for e in report.errors[:3])
    return right, problem


SCORERS = {"bank": score_bank, "customers": score_customers, "orders": score_orders}


@contextmanager
def databases() -> Iterator[dict[str, Session]]:
    """An empty database (bank files, customers files) and one holding the sample customers (orders files)."""
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.db"
        migrate.upgrade(f"sqlite:///{empty}")
        with_customers = Path(folder) / "customers.db"
        shutil.copyfile(empty, with_customers)
        engines = [make_engine(f"sqlite:///{empty}"), make_engine(f"sqlite:///{with_customers}")]
        try:
            with Session(engines[0]) as plain, Session(engines[1]) as loaded:
                assert import_customers(loaded, (DATA / "customers.csv").read_bytes()).ok
                loaded.commit()
                yield {"bank": plain, "customers": plain, "orders": loaded}
        finally:
            for engine in engines:
                engine.dispose()


def score(variants: list[Variant], sessions: dict[str, Session]) -> dict[str, Score]:
    """Per kind (and `all`), how the importers did on these files; nothing stays in the databases."""
    scores = {kind: Score() for kind in (*SCORERS, "all")}
    for variant in variants:
        session = sessions[variant.kind]
        try:
            right, problem = SCORERS[variant.kind](session, variant)
        finally:
            session.rollback()
        scores[variant.kind].add(variant, right, problem)
        scores["all"].add(variant, right, problem)
    return scores
