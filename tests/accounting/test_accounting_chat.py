"""What accounting reads in its chat each morning and from the shell: the summary of payments not synced
(nothing when all are), yesterday's payments report as a file, and the sync commands."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.accounting.erp import WebhookConnector
from bot.accounting.notices import send_daily_report, send_morning_summary
from bot.accounting.sync import ErpSync, SyncPolicy, mark_synced, queue_sync
from bot.cli import main
from bot.config import Settings
from bot.db.models import OutboxMessage, Payment, PaymentEvent
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from bot.media_store import FolderStore
from tests.accounting.conftest import CR, NOW, SECRET, FakeErp, pay

REPLIES = Replies()


def messages(session: Session, kind: str) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all())


def test_the_morning_summary_lists_payments_not_synced_once_a_day_and_says_nothing_when_all_are(
        customers: Session, engine: Engine, settings: Settings, erp: FakeErp) -> None:
    webhook = settings.model_copy(update={"erp_connector": "webhook"})
    assert not send_morning_summary(customers, Messenger(webhook, REPLIES), NOW.date() - timedelta(days=1))
    payment = pay(customers, "1001", "39550.00", reference="12345678")
    queue_sync(customers, payment, tz=CR, now=NOW)
    customers.commit()
    erp.mode = "down"
    asyncio.run(ErpSync(engine, WebhookConnector(erp.url, SECRET, 5), policy=SyncPolicy(max_attempts=1), tz=CR,
                        media=FolderStore(settings.media_dir), clock=lambda: NOW).run_due())
    customers.expire_all()

    assert not send_morning_summary(customers, Messenger(settings, REPLIES), NOW.date()), "no ERP: nothing to say"
    assert send_morning_summary(customers, Messenger(webhook, REPLIES), NOW.date())
    assert send_morning_summary(customers, Messenger(webhook, REPLIES), NOW.date())
    customers.commit()
    [summary] = messages(customers, "sync_summary")
    assert summary.audience == "accounting"
    assert "Pagos sin sincronizar al 27/11/2026: 1" in summary.text
    assert f"Pago {payment.id} · ID 1001 María José Vargas Solano · ₡39\xa0550,00" in summary.text
    assert "pagado sin sincronizar (el ERP respondió 503: " in summary.text
    for n in range(25):
        pay(customers, "1002", "1000.00", reference=f"R{n}")
    assert send_morning_summary(customers, Messenger(webhook, REPLIES), NOW.date() + timedelta(days=1))
    customers.commit()
    longest = max(messages(customers, "sync_summary"), key=lambda m: len(m.text))
    assert "Pagos sin sincronizar al 28/11/2026: 26" in longest.text and "… y 6 más" in longest.text
    assert longest.text.count("• Pago") == 20
    for stored in customers.exec(select(Payment)).all():
        mark_synced(customers, stored.id or 0, reason="Ya estaba en el ERP", actor="accounting:cli")
    assert not send_morning_summary(customers, Messenger(webhook, REPLIES), NOW.date() + timedelta(days=2))


def test_yesterdays_payments_report_goes_to_accounting_as_a_spreadsheet(customers: Session,
                                                                        settings: Settings) -> None:
    pay(customers, "1001", "39550.00", reference="1", applied_at=NOW - timedelta(days=1))
    pay(customers, "1002", "79100.00", reference="2", applied_at=NOW - timedelta(days=1))
    pay(customers, "1012", "500.00", reference="3", applied_at=NOW)

    made = send_daily_report(customers, Messenger(settings, REPLIES), NOW.date())
    empty = send_daily_report(customers, Messenger(settings, REPLIES), NOW.date() - timedelta(days=5))
    customers.commit()

    assert made.rows == 2 and made.path is not None
    assert load_workbook(made.path)["Pagos"].max_row == 3
    sent = {m.text.splitlines()[0]: m for m in messages(customers, "payments_report")}
    day = sent["📊 Pagos aplicados el 26/11/2026: 2"]
    assert day.media_path == made.path and "CRC: 2 pagos, ₡118\xa0650,00" in day.text
    assert day.media_name == "pagos-2026-11-26.xlsx", "named for accounting, stored by its content"
    assert empty.path is None and sent["📊 Pagos aplicados el 21/11/2026: 0"].media_path is None


@pytest.fixture
def shell(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PAYBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PAYBOT_DATA_DIR", str(settings.data_dir))
    return settings


def test_paybot_sync_commands_without_a_connector(customers: Session, shell: Settings,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    payment = pay(customers, "1001", "39550.00", reference="12345678")

    assert main(["sync", "pending"]) == 0
    out = capsys.readouterr().out
    assert "No hay conector de ERP configurado" in out
    assert "1 pagos sin sincronizar (0 pagado sin sincronizar)" in out and "pendiente de sincronizar" in out
    assert main(["sync", "now", str(payment.id)]) == 1
    assert "no hay conector de ERP configurado" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        main(["sync", "mark", str(payment.id)])
    assert refused.value.code == 2
    assert main(["sync", "mark", str(payment.id), "--reason", " "]) == 1
    assert "Escriba por qué" in capsys.readouterr().err
    assert main(["sync", "mark", str(payment.id), "--reason", "Registrado a mano en el ERP (asiento 4412)"]) == 0
    assert "sincronizado manualmente: Registrado a mano en el ERP (asiento 4412)" in capsys.readouterr().out
    customers.expire_all()
    event = customers.exec(select(PaymentEvent).where(PaymentEvent.kind == "marked_synced")).one()
    assert event.reason == "Registrado a mano en el ERP (asiento 4412)" and event.actor.startswith("cli")
    assert main(["sync", "pending"]) == 0
    assert "Todos los pagos están sincronizados." in capsys.readouterr().out


def test_paybot_sync_now_sends_the_payment_to_the_configured_erp(customers: Session, shell: Settings,
                                                                 erp: FakeErp, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    payment = pay(customers, "1001", "39550.00", reference="12345678")
    monkeypatch.setenv("PAYBOT_ERP_CONNECTOR", "webhook")
    monkeypatch.setenv("PAYBOT_ERP_WEBHOOK_URL", erp.url)
    monkeypatch.setenv("PAYBOT_ERP_WEBHOOK_SECRET", SECRET)

    assert main(["sync", "now", str(payment.id)]) == 0
    assert "sincronizado con el ERP, factura FE-00100001-0001" in capsys.readouterr().out
    assert main(["sync", "now", str(payment.id)]) == 0
    assert "ya está sincronizado" in capsys.readouterr().out
    assert len(erp.requests) == 1
    monkeypatch.setenv("PAYBOT_ERP_WEBHOOK_SECRET", "")
    monkeypatch.delenv("PAYBOT_ERP_WEBHOOK_SECRET")
    assert main(["sync", "now", str(payment.id)]) == 1
    assert "PAYBOT_ERP_WEBHOOK_SECRET falta" in capsys.readouterr().err
    assert Path(shell.database_url.removeprefix("sqlite:///")).exists()


def test_a_payment_captured_from_the_shell_is_queued_for_the_erp_and_lands_in_the_days_file(
        customers: Session, shell: Settings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.db.models import ErpDelivery

    monkeypatch.setenv("PAYBOT_ERP_CONNECTOR", "file")
    assert main(["payments", "record", "1001", "--amount", "39550.00", "--method", "sinpe",
                 "--date", "2026-11-20", "--reference", "777111", "--bank", "BCR"]) == 0
    customers.expire_all()
    delivery = customers.exec(select(ErpDelivery)).one()
    assert delivery.state == "pending" and delivery.payload["customer"]["client_id"] == "1001"

    assert main(["sync", "now", str(delivery.payment_id)]) == 0
    [day_file] = (shell.data_dir / "erp").glob("pagos-*.csv")
    assert day_file.read_text(encoding="utf-8").splitlines()[1].startswith(f"paybot-payment-{delivery.payment_id},")
