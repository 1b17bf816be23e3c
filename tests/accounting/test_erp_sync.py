"""Applied payments reach the ERP exactly once: signed, retried while it is down, "pagado sin sincronizar"
with one message to accounting after the retries, synced now or by hand with a written reason, and never
accepted twice, not even when the sender is killed between sending and recording."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.accounting.erp import ErpRequest, FileDropConnector, WebhookConnector
from bot.accounting.notices import accounting_failure_notice
from bot.accounting.sync import ErpSync, SyncPolicy, SyncRefused, SyncResult, mark_synced, queue_sync
from bot.config import Settings
from bot.db.models import (
    ErpDelivery,
    Intake,
    IntakeEvent,
    OutboxMessage,
    Payment,
    PaymentEvent,
)
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from bot.media_store import FolderStore
from tests.accounting.conftest import CR, NOW, SECRET, FakeErp, customer_id, pay

POLICY = SyncPolicy(max_attempts=3, first_delay=30, max_delay=600, lease=40)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sender(engine: Engine, settings: Settings, erp: FakeErp, clock: Clock, secret: str = SECRET) -> ErpSync:
    return ErpSync(engine, WebhookConnector(erp.url, secret, timeout=5), policy=POLICY, tz=CR,
                   media=FolderStore(settings.media_dir), clock=clock,
                   on_failed=accounting_failure_notice(Messenger(settings, Replies(settings.templates_dir))))


def applied_receipt(session: Session, client_id: str) -> Intake:
    """A receipt accounting has just marked applied (its payment is stored next)."""
    intake = Intake(channel="sandbox", external_id=f"receipt-{client_id}", sender="+50688112233",
                    reply_to="+50688112233", state="applied", customer_id=customer_id(session, client_id))
    session.add(intake)
    session.commit()
    return intake


def queued(session: Session, payment: Payment) -> ErpDelivery:
    delivery = queue_sync(session, payment, tz=CR, now=NOW)
    session.commit()
    return delivery


def accounting_messages(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "sync_failed")).all())


def test_each_applied_payment_is_accepted_by_the_erp_once_with_its_customer_contract_and_charges(
        customers: Session, engine: Engine, settings: Settings, erp: FakeErp) -> None:
    first = pay(customers, "1001", "39550.00", reference="12345678")
    second = pay(customers, "1002", "79100.00", reference="998877")
    queued(customers, first)
    queued(customers, second)
    queued(customers, first)
    erp.document = b"%PDF-1.4 factura electronica"
    clock = Clock(NOW)
    sync = sender(engine, settings, erp, clock)

    assert asyncio.run(sync.run_due()) == 2
    clock.advance(hours=2)
    assert asyncio.run(sync.run_due()) == 0

    assert erp.forged == 0
    assert sorted(erp.requests) == ["paybot-payment-1", "paybot-payment-2"]
    body = erp.accepted["paybot-payment-1"]
    assert body["customer"]["client_id"] == "1001"
    assert body["contract"] is None or body["contract"]["payment_code"] == "WOLK-1001"
    assert body["payment"]["amount"] == "39550.00" and body["payment"]["origin"] == "captura_personal"
    assert [c["description"] for c in body["charges_settled"]] and body["charges_settled"][0]["settled"]
    with Session(engine) as session:
        stored = session.get(Payment, first.id)
        assert stored is not None
        assert stored.sync_state == "synced" and stored.synced_by == "erp"
        assert stored.invoice_number == "FE-00100001-0001"
        assert stored.invoice_url == "https://erp.example.cr/facturas/1.pdf"
        assert stored.invoice_path and Path(stored.invoice_path).read_bytes() == erp.document


def test_a_delivery_signed_with_another_key_is_refused_and_the_payment_waits_for_accounting(
        customers: Session, engine: Engine, settings: Settings, erp: FakeErp) -> None:
    payment = pay(customers, "1001", "39550.00", reference="12345678")
    queued(customers, payment)

    asyncio.run(sender(engine, settings, erp, Clock(NOW), secret="not-the-erp-secret-xyz").run_due())

    assert erp.forged == 1 and erp.accepted == {}
    with Session(engine) as session:
        stored = session.get(Payment, payment.id)
        assert stored is not None and stored.sync_state == "sync_failed"
        assert len(accounting_messages(session)) == 1


def test_erp_down_makes_the_payment_paid_not_synced_tells_accounting_once_and_sync_now_syncs_it(
        customers: Session, engine: Engine, settings: Settings, erp: FakeErp) -> None:
    intake = applied_receipt(customers, "1001")
    payment = pay(customers, "1001", "39550.00", reference="12345678", intake_id=intake.id)
    queued(customers, payment)
    erp.mode = "down"
    clock = Clock(NOW)
    sync = sender(engine, settings, erp, clock)

    for _ in range(6):
        asyncio.run(sync.run_due())
        clock.advance(hours=1)

    assert len(erp.requests) == POLICY.max_attempts
    with Session(engine) as session:
        stored = session.get(Payment, payment.id)
        assert stored is not None and stored.sync_state == "sync_failed"
        told = accounting_messages(session)
        assert len(told) == 1
        assert "Pagado sin sincronizar" in told[0].text and "503" in told[0].text
        assert [b["data"] for b in told[0].buttons] == [f"pay:sync:{payment.id}", f"pay:synced:{payment.id}"]
        receipt = session.get(Intake, intake.id)
        assert receipt is not None and receipt.state == "sync_failed"

    erp.mode = "up"
    outcome = asyncio.run(sync.sync_now(payment.id or 0, "accounting:telegram:77"))

    assert outcome.result is SyncResult.SYNCED and outcome.invoice_number == "FE-00100001-0001"
    assert len(erp.accepted) == 1 and len(erp.requests) == POLICY.max_attempts + 1
    assert asyncio.run(sync.sync_now(payment.id or 0, "accounting:telegram:77")).result is SyncResult.ALREADY
    assert len(erp.requests) == POLICY.max_attempts + 1
    with Session(engine) as session:
        stored = session.get(Payment, payment.id)
        assert stored is not None and stored.sync_state == "synced"
        assert len(accounting_messages(session)) == 1
        receipt = session.get(Intake, intake.id)
        assert receipt is not None and receipt.state == "synced"
        kinds = [e.kind for e in session.exec(select(PaymentEvent).where(PaymentEvent.payment_id == payment.id)
                                              .order_by(col(PaymentEvent.id))).all()]
        assert kinds == ["sync_queued", "sync_failed", "sync_now", "synced"]


def test_a_sender_killed_between_sending_and_recording_never_gets_the_payment_accepted_twice(
        customers: Session, engine: Engine, settings: Settings, erp: FakeErp) -> None:
    payment = pay(customers, "1001", "39550.00", reference="12345678")
    queued(customers, payment)
    erp.mode = "hold"
    env = {**os.environ, "PAYBOT_DATABASE_URL": settings.database_url, "PAYBOT_DATA_DIR": str(settings.data_dir),
           "PAYBOT_ERP_CONNECTOR": "webhook", "PAYBOT_ERP_WEBHOOK_URL": erp.url,
           "PAYBOT_ERP_WEBHOOK_SECRET": SECRET, "PAYBOT_ERP_TIMEOUT_SECONDS": "60"}
    paybot = Path(sys.executable).with_name("paybot")
    process = subprocess.Popen([str(paybot), "sync", "now", str(payment.id)], env=env, cwd=settings.data_dir,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert erp.received.wait(60), "the ERP never received the delivery"
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with Session(engine) as session:
        delivery = session.exec(select(ErpDelivery)).one()
        assert delivery.claimed_by is not None and delivery.claimed_by.endswith(f":{process.pid}")
        stored = session.get(Payment, payment.id)
        assert stored is not None and stored.sync_state == "pending"
    erp.mode = "up"
    erp.release.set()

    restarted = sender(engine, settings, erp, Clock(datetime.now(CR)))
    assert restarted.release_dead_claims() == 1
    asyncio.run(restarted.run_due())

    assert erp.requests == ["paybot-payment-1", "paybot-payment-1"]
    assert len(erp.accepted) == 1
    with Session(engine) as session:
        stored = session.get(Payment, payment.id)
        assert stored is not None and stored.sync_state == "synced"
        assert stored.invoice_number == "FE-00100001-0001"


def test_marking_a_payment_synced_by_hand_requires_a_written_reason_and_audits_it(
        customers: Session, engine: Engine, settings: Settings, erp: FakeErp) -> None:
    intake = applied_receipt(customers, "1001")
    payment = pay(customers, "1001", "39550.00", reference="12345678", intake_id=intake.id)
    queued(customers, payment)

    for missing in ("", "   ", "ok"):
        with pytest.raises(SyncRefused, match="Escriba por qué"):
            mark_synced(customers, payment.id or 0, reason=missing, actor="accounting:whatsapp:+50670001111")
    customers.rollback()
    reason = "Ya estaba pagado en el ERP con la misma referencia (lo registró Ana)"
    mark_synced(customers, payment.id or 0, reason=reason, actor="accounting:whatsapp:+50670001111")
    customers.commit()
    asyncio.run(sender(engine, settings, erp, Clock(NOW + timedelta(hours=1))).run_due())

    assert erp.requests == []
    with Session(engine) as session:
        stored = session.get(Payment, payment.id)
        assert stored is not None
        assert (stored.sync_state, stored.sync_note, stored.synced_by) == (
            "synced", reason, "accounting:whatsapp:+50670001111")
        event = session.exec(select(PaymentEvent).where(PaymentEvent.kind == "marked_synced")).one()
        assert (event.actor, event.reason) == ("accounting:whatsapp:+50670001111", reason)
        moved = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake.id)).all()
        assert [(e.from_state, e.to_state) for e in moved] == [("applied", "synced")]
        assert reason in (moved[0].reason or "")
        assert session.exec(select(ErpDelivery)).one().state == "cancelled"
    with pytest.raises(SyncRefused, match="ya está sincronizado"):
        mark_synced(customers, payment.id or 0, reason=reason, actor="accounting:cli")


def test_the_daily_file_gets_one_row_per_payment_even_when_resent_and_never_keeps_a_half_row(
        customers: Session, engine: Engine, settings: Settings, tmp_path: Path) -> None:
    first = pay(customers, "1001", "39550.00", reference="12345678")
    second = pay(customers, "1012", "60000.00", reference="FT26314ABC123")
    queued(customers, first)
    queued(customers, second)
    folder = tmp_path / "erp"
    connector = FileDropConnector(folder)
    sync = ErpSync(engine, connector, policy=POLICY, tz=CR, media=FolderStore(tmp_path / "media"), clock=Clock(NOW))
    day_file = connector.path_for(NOW.date())

    asyncio.run(sync.run_due(limit=1))
    with day_file.open("ab") as handle:
        handle.write(b"paybot-payment-99,99,2026-11-2")
    asyncio.run(sync.run_due())
    with Session(engine) as session:
        resend = session.exec(select(ErpDelivery).where(ErpDelivery.payment_id == first.id)).one()
        asyncio.run(connector.deliver(ErpRequest(resend.idempotency_key, resend.payload, NOW.date())))

    rows = list(csv.reader(io.StringIO(day_file.read_text(encoding="utf-8"))))
    assert [row[0] for row in rows] == ["idempotency_key", "paybot-payment-1", "paybot-payment-2"]
    assert rows[2][5] == "'=HYPERLINK(\"http://x\") S.R.L."
    with Session(engine) as session:
        assert {p.sync_state for p in session.exec(select(Payment)).all()} == {"synced"}
