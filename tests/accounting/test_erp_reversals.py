"""A payment the ERP has, then returned by the bank or undone, reaches the ERP as its reversal: signed, once,
with the amount negative and the charge re-charged; retried while the ERP is down without touching the
payment's own sync state. A payment taken back before the ERP ever had it is simply never sent."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.accounting.erp import FileDropConnector, WebhookConnector
from bot.accounting.sync import ErpSync, SyncPolicy, queue_sync
from bot.collections.desk import CollectionsDesk, Operator
from bot.collections.returns import ReversalKind
from bot.config import Settings
from bot.db.models import ErpDelivery, Payment, PaymentEvent
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from bot.media_store import FolderStore
from tests.accounting.conftest import CR, NOW, SECRET, FakeErp, pay

POLICY = SyncPolicy(max_attempts=3, first_delay=30, max_delay=600, lease=40)
ACCOUNTING = Operator("Laura Contabilidad", channel="cli")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def test_a_returned_payment_reaches_the_erp_as_its_reversal_once_even_after_the_erp_was_down(
    customers: Session, engine: Engine, settings: Settings, erp: FakeErp,
) -> None:
    configured = settings.model_copy(update={"erp_connector": "webhook", "erp_webhook_url": erp.url,
                                             "erp_webhook_secret": SecretStr(SECRET)})
    clock = Clock(NOW)
    sync = ErpSync(engine, WebhookConnector(erp.url, SECRET, timeout=5), policy=POLICY, tz=CR,
                   media=FolderStore(configured.media_dir), clock=clock)
    desk = CollectionsDesk(configured, engine, Messenger(configured, Replies()), clock)
    payment = pay(customers, "1001", "39550.00", reference="FT-100")
    queue_sync(customers, payment, tz=CR, now=NOW)
    customers.commit()
    assert await sync.run_due() == 1

    erp.mode = "down"
    desk.take_back(payment.id or 0, ACCOUNTING, kind=ReversalKind.RETURNED, reason="transferencia rebotada",
                   tell=False)
    assert await sync.run_due() == 1, "tried once, the ERP is down"
    clock.now += timedelta(seconds=10)
    assert await sync.run_due() == 0, "waiting its backoff"
    erp.mode = "up"
    clock.now += timedelta(minutes=5)
    assert await sync.run_due() == 1
    assert await sync.run_due() == 0

    keys = list(erp.accepted)
    assert keys == [f"paybot-payment-{payment.id}", keys[1]] and keys[1].startswith("paybot-reversal-")
    reversal = erp.accepted[keys[1]]
    assert reversal["event"] == "payment.returned" and reversal["payment"]["amount"] == "-39550.00"
    assert reversal["applied"] == {"amount": "-39550.00", "currency": "CRC"}
    assert reversal["reversal"]["reason"] == "transferencia rebotada"
    assert reversal["reversal"]["invoice_number"] == "FE-00100001-0001", "names the invoice the ERP issued"
    assert [line["due_date"] for line in reversal["reversal"]["reopened"]] == ["2026-12-05"], "re-charged a month on"
    assert erp.requests.count(keys[1]) == 2, "one refused while down, one accepted"
    with Session(engine) as session:
        stored = session.get(Payment, payment.id)
        events = [e.kind for e in session.exec(select(PaymentEvent).where(PaymentEvent.payment_id == payment.id))]
    assert stored is not None and stored.sync_state == "synced", "the payment itself stays synced"
    assert events[-2:] == ["reversal_queued", "reversal_synced"]


async def test_a_payment_undone_before_the_erp_had_it_is_never_sent(
    customers: Session, engine: Engine, settings: Settings, erp: FakeErp,
) -> None:
    configured = settings.model_copy(update={"erp_connector": "webhook", "erp_webhook_url": erp.url,
                                             "erp_webhook_secret": SecretStr(SECRET)})
    clock = Clock(NOW)
    sync = ErpSync(engine, WebhookConnector(erp.url, SECRET, timeout=5), policy=POLICY, tz=CR,
                   media=FolderStore(configured.media_dir), clock=clock)
    desk = CollectionsDesk(configured, engine, Messenger(configured, Replies()), clock)
    payment = pay(customers, "1002", "79100.00", reference="FT-200")
    queue_sync(customers, payment, tz=CR, now=NOW)
    customers.commit()
    erp.mode = "down"
    assert await sync.run_due() == 1

    desk.take_back(payment.id or 0, ACCOUNTING, kind=ReversalKind.UNDONE, reason="aplicado al cliente equivocado",
                   tell=False)
    erp.mode = "up"
    clock.now += timedelta(hours=1)

    assert await sync.run_due() == 0
    assert erp.accepted == {}
    with Session(engine) as session:
        deliveries = session.exec(select(ErpDelivery).where(ErpDelivery.payment_id == payment.id)).all()
    assert [(d.kind, d.state) for d in deliveries] == [("payment", "cancelled")]


async def test_the_daily_file_gets_the_reversal_as_a_row_with_the_amounts_negative(
    customers: Session, engine: Engine, settings: Settings, tmp_path: Path,
) -> None:
    configured = settings.model_copy(update={"erp_connector": "file", "erp_file_dir": tmp_path / "erp"})
    clock = Clock(NOW)
    connector = FileDropConnector(tmp_path / "erp")
    sync = ErpSync(engine, connector, policy=POLICY, tz=CR, media=FolderStore(configured.media_dir), clock=clock)
    desk = CollectionsDesk(configured, engine, Messenger(configured, Replies()), clock)
    payment = pay(customers, "1001", "39550.00", reference="FT-300")
    queue_sync(customers, payment, tz=CR, now=NOW)
    customers.commit()
    assert await sync.run_due() == 1
    desk.take_back(payment.id or 0, ACCOUNTING, kind=ReversalKind.RETURNED, reason="SINPE revertido", tell=False)
    assert await sync.run_due() == 1

    rows = list(csv.reader(io.StringIO(connector.path_for(NOW.date()).read_text(encoding="utf-8"))))
    keys = [row[0] for row in rows]
    assert keys[-2:] == [f"paybot-payment-{payment.id}", keys[-1]] and keys[-1].startswith("paybot-reversal-")
    assert "-39550.00" in rows[-1] and "39550.00" in rows[-2]
