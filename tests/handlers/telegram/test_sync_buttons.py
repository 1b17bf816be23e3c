"""Accounting syncs a payment from its Telegram group: «Sincronizar manualmente» asks for the explanation and
the answer marks the payment; «Sincronizar ahora» without an ERP says what to do instead."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.db.models import Payment
from bot.handlers.telegram import TelegramApp
from bot.intake.messages import StaffAction
from bot.vocabulary import StaffActionKind
from tests.handlers.tapped_core import TappedCore
from tests.handlers.telegram import updates
from tests.handlers.telegram.conftest import ACCOUNTANT, ACCOUNTING_CHAT, deliver
from tests.handlers.telegram.fake_bot_api import FakeBotApi
from tests.handlers.telegram.test_staff import ACCOUNTANT_USER, accounting_card, as_returned


def not_synced_message(payment_id: int, message_id: int = 900) -> dict[str, object]:
    return updates.bot_message(
        ACCOUNTING_CHAT, message_id, f"⚠️ Pagado sin sincronizar: el pago {payment_id}",
        [("🔄 Sincronizar ahora", f"pay:sync:{payment_id}"), ("✍️ Sincronizar manualmente", f"pay:synced:{payment_id}")],
    )


async def test_accounting_marks_a_payment_synced_by_answering_with_the_explanation(
        app: TelegramApp, fake_api: FakeBotApi, core: TappedCore) -> None:
    intake_id = await core.receipt_forwarded(1)
    await deliver(app, updates.button_press(ACCOUNTANT_USER, accounting_card(intake_id), f"pay:apply:{intake_id}"))
    with Session(core.engine) as session:
        payment = session.exec(select(Payment).where(Payment.intake_id == intake_id)).one()
    assert payment.id is not None

    await deliver(app, updates.button_press(ACCOUNTANT_USER, not_synced_message(payment.id), f"pay:sync:{payment.id}"))
    assert fake_api.texts_to(ACCOUNTING_CHAT)[-1].startswith("⛔ No hay conector de ERP configurado")
    await deliver(app, updates.button_press(ACCOUNTANT_USER, not_synced_message(payment.id, 901),
                                            f"pay:synced:{payment.id}"))
    question = as_returned(fake_api, ACCOUNTING_CHAT)
    assert question["text"].startswith(f"Sincronizar manualmente el pago {payment.id}")
    await deliver(app, updates.staff_reply(ACCOUNTING_CHAT, ACCOUNTANT_USER, question,
                                           "Ya estaba pagado en el ERP con la misma referencia"))

    assert core.applied[-1] == StaffAction("telegram", str(ACCOUNTANT), str(ACCOUNTING_CHAT), StaffActionKind.SYNCED,
                                           payment.id, reason="Ya estaba pagado en el ERP con la misma referencia")
    assert fake_api.texts_to(ACCOUNTING_CHAT)[-1].startswith(f"✅ Pago {payment.id} sincronizado manualmente")
    with Session(core.engine) as session:
        stored = session.get(Payment, payment.id)
        assert stored is not None and stored.sync_state == "synced" and stored.synced_by
