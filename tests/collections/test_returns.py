"""Payments taken back: a returned payment stays on record, reopens the balance and is re-charged one month
later (month ends kept), an undone one reopens it as it was, and a bank results file reverses all rows or none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.account.operations import customer_balance, load_statement
from bot.collections.returns import ReversalKind, ReversalRefused, one_month_later, reverse_payment
from bot.config import Settings
from bot.db.models import Payment, PaymentReversal
from tests.collections.conftest import (
    ACCOUNTING,
    Clock,
    collections_for,
    customer_id,
    load_customers,
    orders,
    pay,
    paybot,
)

CUOTA = "Cédula física,112340567,WOLK-1001,{n},CRC,25000.00,0,cuota,0.13,2026-01-01,2027-01-01,{due},"


@pytest.mark.parametrize(("due", "again"), [
    (date(2026, 7, 1), date(2026, 8, 1)),
    (date(2026, 1, 31), date(2026, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 15), date(2027, 1, 15)),
])
def test_a_returned_charge_falls_due_one_month_later_keeping_the_month_end(due: date, again: date) -> None:
    assert one_month_later(due) == again


def test_a_returned_payment_reopens_the_balance_and_recharges_the_cuota_at_the_end_of_february(
    customers: Session,
) -> None:
    session = customers
    orders(session, CUOTA.format(n=1, due="2026-01-31"), today=date(2026, 1, 10))
    paid = pay(session, "1001", "28250.00", on=date(2026, 1, 30), reference="FT100")
    assert paid.new_balance.amount == 0
    me = customer_id(session, "1001")

    reversal = reverse_payment(session, paid.payment_id, kind=ReversalKind.RETURNED, reason="transferencia rebotada",
                               actor="Laura", today=date(2026, 2, 3))

    assert session.get(Payment, paid.payment_id) is not None, "the payment stays on record"
    assert (reversal.previous_balance.amount, reversal.new_balance.amount) == (Decimal("0.00"), Decimal("28250.00"))
    balance = customer_balance(session, me, today=date(2026, 2, 3))
    [charge] = balance.open_charges
    assert (charge.open, charge.due_date) == (Decimal("28250.00"), date(2026, 2, 28))
    assert not charge.overdue(date(2026, 2, 28)) and charge.overdue(date(2026, 3, 1))
    statement = load_statement(session, me, company="Wolk", today=date(2026, 2, 3))
    lines = [(line.description, line.charge, line.note) for line in statement.sections[0].lines]
    assert ("Pago devuelto: Cuota 1 · WOLK-1001", Decimal("28250.00"), "transferencia rebotada") in lines
    with pytest.raises(ReversalRefused, match="ya fue devuelto"):
        reverse_payment(session, paid.payment_id, kind=ReversalKind.UNDONE, reason="otra vez", actor="Laura",
                        today=date(2026, 2, 3))


def test_a_returned_payment_that_paid_two_cuotas_and_left_credit_reopens_each_and_takes_the_credit_back(
    customers: Session,
) -> None:
    session = customers
    orders(session, CUOTA.format(n=1, due="2026-07-01"), CUOTA.format(n=2, due="2026-08-01"),
           today=date(2026, 6, 1))
    paid = pay(session, "1001", "60000.00", on=date(2026, 6, 30), reference="FT200")
    assert paid.credit_created.amount == Decimal("3500.00")

    reversal = reverse_payment(session, paid.payment_id, kind=ReversalKind.RETURNED, reason="SINPE revertido",
                               actor="Laura", today=date(2026, 7, 2))

    assert [(r.description, r.amount.amount, r.due_date) for r in reversal.reopened] == [
        ("Cuota 1 · WOLK-1001", Decimal("28250.00"), date(2026, 8, 1)),
        ("Cuota 2 · WOLK-1001", Decimal("28250.00"), date(2026, 9, 1)),
        ("saldo a favor", Decimal("3500.00"), date(2026, 7, 2)),
    ]
    balance = customer_balance(session, customer_id(session, "1001"), today=date(2026, 7, 2))
    assert balance.accounts[0].balance == Decimal("56500.00") and balance.accounts[0].credit == 0


def test_an_undone_payment_reopens_the_charge_with_its_own_due_date(customers: Session) -> None:
    session = customers
    orders(session, CUOTA.format(n=1, due="2026-11-01"), today=date(2026, 10, 1))
    paid = pay(session, "1001", "28250.00", on=date(2026, 11, 20), reference="FT300")

    reverse_payment(session, paid.payment_id, kind=ReversalKind.UNDONE, reason="aplicado al cliente equivocado",
                    actor="Laura", today=date(2026, 11, 27))

    [charge] = customer_balance(session, customer_id(session, "1001"), today=date(2026, 11, 27)).open_charges
    assert (charge.due_date, charge.overdue(date(2026, 11, 27))) == (date(2026, 11, 1), True)


async def test_the_customer_is_told_of_a_return_but_of_an_undo_only_when_staff_choose(
    engine: Engine, settings: Settings, clock: Clock,
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, CUOTA.format(n=1, due="2026-12-01"), CUOTA.format(n=2, due="2027-01-01"))
        first = pay(session, "1001", "28250.00", reference="FT1")
        second = pay(session, "1001", "28250.00", reference="FT2")
        session.commit()
    ours = collections_for(settings, engine, clock)

    ours.desk.take_back(first.payment_id, ACCOUNTING, kind=ReversalKind.RETURNED, reason="fondos insuficientes",
                        tell=True)
    ours.desk.take_back(second.payment_id, ACCOUNTING, kind=ReversalKind.UNDONE, reason="era de otro cliente",
                        tell=False)
    await ours.deliver()

    [told] = ours.sent("customer")
    assert told.kind == "payment_returned" and "fondos insuficientes" in told.text
    assert "01/01/2027" in told.text, "the new due date: one month after 01/12/2026"
    with Session(engine) as session:
        records = session.exec(select(PaymentReversal).order_by(PaymentReversal.id)).all()
    assert [(r.kind, r.customer_told, r.actor) for r in records] == [
        ("returned", True, "Laura Contabilidad"), ("undone", False, "Laura Contabilidad")]


RESULTS_HEADER = "Fecha,Referencia,Monto,Motivo"


def _results(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "resultados.csv"
    path.write_text("\n".join([RESULTS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_results_file_with_one_bad_row_is_refused_whole_and_names_the_row(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, CUOTA.format(n=1, due="2026-12-01"), CUOTA.format(n=2, due="2027-01-01"))
        pay(session, "1001", "28250.00", reference="FT1")
        pay(session, "1001", "28250.00", reference="FT2")
        session.commit()
    bad = _results(tmp_path, "26/11/2026,FT1,28250.00,fondos insuficientes", "26/11/2026,FT9,1000.00,cuenta cerrada")

    assert paybot(monkeypatch, tmp_path, "payments", "import-returns", str(bad)) == 1
    out = capsys.readouterr().out
    assert "fila 3: no hay pago aplicado con la referencia FT9" in out and "no se devolvió ningún pago" in out
    with Session(engine) as session:
        assert session.exec(select(PaymentReversal)).all() == [], "nothing half-imported"

    wrong_amount = _results(tmp_path, "26/11/2026,FT1,28000.00,fondos insuficientes")
    assert paybot(monkeypatch, tmp_path, "payments", "import-returns", str(wrong_amount)) == 1
    assert "fila 2: el monto 28000.00 no coincide" in capsys.readouterr().out

    good = _results(tmp_path, "26/11/2026,FT1,28250.00,fondos insuficientes", "27/11/2026,FT2,28250.00,SINPE revertido")
    assert paybot(monkeypatch, tmp_path, "payments", "import-returns", str(good)) == 0
    assert "2 pagos devueltos" in capsys.readouterr().out
    with Session(engine) as session:
        records = session.exec(select(PaymentReversal)).all()
    assert sorted((r.reason, r.source) for r in records) == [
        ("SINPE revertido", "import"), ("fondos insuficientes", "import")]
    assert paybot(monkeypatch, tmp_path, "payments", "import-returns", str(good)) == 1, "never returned twice"
    assert "ya fue devuelto" in capsys.readouterr().out
