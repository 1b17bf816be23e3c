"""A grace extension that ends with its charge open escalates to accounting once and plans the customer's
reminder; one that ends paid closes quietly. The delinquent list's amounts are the account's, by band and tag."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.account.operations import customer_balance
from bot.collections.delinquents import Filters, delinquents
from bot.collections.grace import grant
from bot.collections.work import CollectionsWork
from bot.config import Settings
from bot.db.models import Customer, GraceExtension, Reminder
from tests.collections.conftest import Clock, collections_for, customer_id, load_customers, orders, pay, paybot

ROWS = (
    "Cédula física,112340567,WOLK-1001,1,CRC,25000.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-08-20,",
    "Cédula física,112340567,WOLK-1001,2,CRC,25000.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-11-20,",
    "Cédula física,205670891,WOLK-1002,1,USD,45.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-11-01,",
    "Cédula jurídica,3101222333,WOLK-1012,1,CRC,60000.00,0,cuota,0.13,2026-08-01,2027-10-01,2026-12-20,",
)


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, *ROWS, today=date(2026, 8, 1))
        pay(session, "1001", "10000.00", on=date(2026, 9, 1), reference="FT-PART")
        session.commit()
    return engine


async def test_a_grace_that_ends_with_the_charge_open_escalates_once_and_plans_a_reminder(
    loaded: Engine, settings: Settings, clock: Clock,
) -> None:
    ours = collections_for(settings, loaded, clock)
    with Session(loaded, expire_on_commit=False) as session:
        granted = grant(session, customer_id=customer_id(session, "1002"), today=date(2026, 11, 27), days=3,
                        most=1, actor="Laura Soporte", reason="cierre de mes")
        paid_grace = grant(session, customer_id=customer_id(session, "1001"), today=date(2026, 11, 27), days=3,
                           most=1, actor="Laura Soporte")
        pay(session, "1001", "46500.00", reference="FT-ALL")
        session.commit()
    assert granted.charge is not None and granted.charge.description == "Cuota 1 · WOLK-1002"

    clock.set(2026, 11, 30, 12)
    assert CollectionsWork(loaded, ours.desk.messenger, clock).run_once() == 0, "30/11 is still its last day"
    clock.set(2026, 12, 1, 7, 0)
    CollectionsWork(loaded, ours.desk.messenger, clock).run_once()
    CollectionsWork(loaded, ours.desk.messenger, clock).run_once()
    await ours.deliver()

    [escalation] = ours.sent("accounting")
    assert escalation.kind == "grace_ended" and "US$50,85" in escalation.text.replace("\u00a0", " ")
    assert "Laura Soporte" in escalation.text and "cierre de mes" in escalation.text
    with Session(loaded) as session:
        outcomes = {e.id: e.outcome for e in session.exec(select(GraceExtension)).all()}
        [reminder] = session.exec(select(Reminder).where(Reminder.kind == "reminder_grace")).all()
    assert outcomes == {granted.extension.id: "escalated", paid_grace.extension.id: "paid"}
    assert reminder.due_at.astimezone(clock.moment.tzinfo).hour == 8, "planned for when business hours start"


def test_the_delinquent_list_reconciles_with_every_customers_account(loaded: Engine) -> None:
    today = date(2026, 11, 27)
    with Session(loaded) as session:
        lines = delinquents(session, today)
        by_client = {line.client_id: line for line in lines}
        for line in lines:
            balance = customer_balance(session, line.customer_id, today=today)
            assert {(a.currency, a.overdue(today)) for a in balance.accounts if a.overdue(today)} == {
                (m.currency, m.amount) for m in line.arrears.amounts}
        late = {c.client_id for c in session.exec(select(Customer)).all()
                if any(a.overdue(today) > 0 for a in customer_balance(session, c.id or 0, today=today).accounts)}
    assert set(by_client) == late == {"1001", "1002"}
    first = by_client["1001"]
    assert first.overdue_in("CRC") == Decimal("46500.00"), "28 250 - 10 000 paid + 28 250"
    assert (first.arrears.oldest_due, first.arrears.days_late, first.arrears.band) == (date(2026, 8, 20), 99, "90+")
    assert [line.client_id for line in lines] == ["1001", "1002"], "most days late first"
    with Session(loaded) as session:
        assert [d.client_id for d in delinquents(session, today, Filters(band="1-30"))] == ["1002"]
        assert [d.client_id for d in delinquents(session, today, Filters(min_days=30))] == ["1001"]
        assert delinquents(session, today, Filters(tag="llamar")) == []


def test_paybot_delinquents_filters_by_tag_and_writes_json_csv_and_xlsx(
    loaded: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert paybot(monkeypatch, tmp_path, "tags", "add", "1002", "Llamar Lunes") == 0
    assert "etiquetado «llamar-lunes»" in capsys.readouterr().out
    assert paybot(monkeypatch, tmp_path, "delinquents", "--tag", "llamar-lunes", "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)["delinquents"]
    assert [(d["client_id"], d["overdue"], d["tags"]) for d in listed] == [
        ("1002", [{"amount": "50.85", "currency": "USD"}], ["llamar-lunes"])]

    out = tmp_path / "morosos.xlsx"
    assert paybot(monkeypatch, tmp_path, "delinquents", "--format", "xlsx", "--output", str(out)) == 0
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Cliente", "ID cliente", "Teléfonos", "Vencido CRC")
    assert [(r[1], r[3], r[4]) for r in rows[1:]] == [("1001", 46500, 0), ("1002", 0, 50.85)]

    assert paybot(monkeypatch, tmp_path, "delinquents", "--format", "csv", "--band", "90+") == 0
    csv_text = capsys.readouterr().out
    assert "1001;" in csv_text and "46500,00" in csv_text and "1002;" not in csv_text

    assert paybot(monkeypatch, tmp_path, "tags", "remove", "1002", "llamar lunes") == 0
    capsys.readouterr()
    assert paybot(monkeypatch, tmp_path, "delinquents", "--tag", "llamar-lunes") == 0
    assert "No hay clientes con saldo vencido" in capsys.readouterr().out


def test_a_call_task_reaches_the_assignee_and_is_closed_with_the_outcome(
    loaded: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert paybot(monkeypatch, tmp_path, "staff", "add", "Carlos Cobros", "--role", "support",
                  "--whatsapp", "+50670001111") == 0
    assert paybot(monkeypatch, tmp_path, "tasks", "add", "1001", "--to", "1", "--note", "ofrecer arreglo") == 0
    assert paybot(monkeypatch, tmp_path, "tasks", "--mine", cli_staff_id="1") == 0
    listing = capsys.readouterr().out
    assert "#1" in listing and "1001 María José Vargas Solano" in listing and "ofrecer arreglo" in listing
    assert paybot(monkeypatch, tmp_path, "tasks", "close", "1", "--note", "paga el viernes") == 0
    assert paybot(monkeypatch, tmp_path, "tasks", "close", "1", "--note", "otra vez") == 1
    assert paybot(monkeypatch, tmp_path, "tasks") == 0
    assert "no hay tareas abiertas" in capsys.readouterr().out
    with Session(loaded) as session:
        from bot.db.models import OutboxMessage

        [card] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "call_task")).all()
    assert "Carlos Cobros" in card.text and "1001" in card.text and "TAREA 1" in card.text


def test_paybot_remind_sends_a_reminder_by_hand_audited_and_refuses_one_with_nothing_to_chase(
    loaded: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.db.models import AuditEvent, Reminder

    assert paybot(monkeypatch, tmp_path, "remind", "1001") == 0
    assert "Recordatorio (recordatorio de cuota vencida) al cliente 1001 (María José" in capsys.readouterr().out
    assert paybot(monkeypatch, tmp_path, "remind", "1001", "--kind", "statement") == 0
    assert paybot(monkeypatch, tmp_path, "remind", "1012", "--kind", "overdue") != 0
    assert "el cliente 1012 no tiene cuotas vencidas" in capsys.readouterr().err
    assert paybot(monkeypatch, tmp_path, "remind", "1012") == 0
    assert "(recordatorio de cuota por vencer) al cliente 1012" in capsys.readouterr().out
    with Session(loaded) as session:
        reminders = session.exec(select(Reminder).order_by(Reminder.id)).all()
        audited = session.exec(select(AuditEvent).where(AuditEvent.kind == "collections_action")).all()
    assert [(r.kind, (r.sent_by or "").startswith("cli")) for r in reminders] == [
        ("reminder_overdue", True), ("reminder_statement", True), ("reminder_due", True)]
    assert [(a.action, a.detail) for a in audited] == [("remind", "1001: reminder_overdue"),
                                                       ("remind", "1001: reminder_statement"),
                                                       ("remind", "1012: reminder_due")]
