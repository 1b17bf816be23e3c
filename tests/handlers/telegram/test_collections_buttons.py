"""Collections from the Telegram staff groups: the card's 🔔 button reminds the receipt's customer; a call task
arrives in the group with buttons to close it (answering with the outcome), remind the customer, tag or block
them (answering with the tag or the reason); the real core and collections desk decide."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.collections.desk import CollectionsDesk, Operator
from bot.config import Settings
from bot.db.models import AccessChange, CallTask, Customer, Payment, PaymentReversal, Reminder, StaffMember
from bot.handlers.telegram import TelegramApp
from bot.intake.outbox import OutboxMessage
from bot.vocabulary import StaffActionKind
from tests.handlers.tapped_core import TappedCore
from tests.handlers.telegram import updates
from tests.handlers.telegram.conftest import ACCOUNTING_CHAT, AGENT, CUSTOMER, SUPPORT_CHAT, deliver
from tests.handlers.telegram.fake_bot_api import FakeBotApi
from tests.handlers.telegram.test_staff import ACCOUNTANT_USER, AGENT_USER, as_returned


async def test_the_cards_remind_button_reminds_the_receipts_customer(
    app: TelegramApp, core: TappedCore, fake_api: FakeBotApi,
) -> None:
    intake_id = await core.receipt_in_review()
    with Session(core.engine) as session:
        customer = session.exec(select(Customer).where(Customer.client_id == "1001")).one()
        customer.telegram_user_id = CUSTOMER
        session.add(customer)
        session.commit()
    card = updates.bot_message(SUPPORT_CHAT, 701, f"Comprobante #{intake_id}", [
        ("🔔 Recordar el pago", f"pay:remind:{intake_id}:1001")])

    await deliver(app, updates.button_press(AGENT_USER, card, f"pay:remind:{intake_id}:1001"))

    assert [(a.kind, a.intake_id, a.value) for a in core.actions] == [(StaffActionKind.REMIND, intake_id, None)]
    [shown] = fake_api.texts_to(SUPPORT_CHAT)
    assert shown.startswith("✅ Recordatorio (recordatorio de cuota") and "al cliente 1001 (María José" in shown
    with Session(core.engine) as session:
        [reminder] = session.exec(select(Reminder)).all()
    assert (reminder.channel, reminder.recipient, reminder.sent_by) == ("telegram", str(CUSTOMER), "Laura Soporte"), \
        "the receipt's customer, in their Telegram chat, by the agent who pressed"


async def test_a_call_task_is_closed_tagged_and_its_customer_blocked_from_the_group_buttons(
    app: TelegramApp, core: TappedCore, fake_api: FakeBotApi, tg_settings: Settings,
) -> None:
    with Session(core.engine) as session:
        agent = session.exec(select(StaffMember).where(StaffMember.telegram_user_id == AGENT)).one()
    desk = CollectionsDesk(tg_settings, core.engine, core.core.messenger)
    task = desk.assign_task("1001", agent.id or 0, Operator("Mario Contable"), note="ofrecer arreglo")
    with Session(core.engine) as session:
        [queued] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "call_task")).all()
    assert (queued.recipient, [b["data"] for b in queued.buttons]) == (
        str(SUPPORT_CHAT), [f"pay:task_done:{task.id}", "pay:remind:0:1001", "pay:tag:0:1001", "pay:block:0:1001"])
    message = updates.bot_message(SUPPORT_CHAT, 900, queued.text,
                                  [(b["label"], b["data"]) for b in queued.buttons])
    in_accounting = updates.bot_message(ACCOUNTING_CHAT, 901, queued.text,
                                        [(b["label"], b["data"]) for b in queued.buttons])

    await deliver(app, updates.button_press(AGENT_USER, message, f"pay:task_done:{task.id}"))
    assert fake_api.texts_to(SUPPORT_CHAT)[-1].startswith(f"Cerrar la tarea #{task.id}\n")
    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, as_returned(fake_api, SUPPORT_CHAT),
                                           "Promete pagar el viernes"))
    await deliver(app, updates.button_press(AGENT_USER, message, "pay:tag:0:1001"))
    assert fake_api.texts_to(SUPPORT_CHAT)[-1].startswith("Etiquetar al cliente ID 1001\n")
    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, as_returned(fake_api, SUPPORT_CHAT), "llamar"))
    await deliver(app, updates.button_press(ACCOUNTANT_USER, in_accounting, "pay:block:0:1001"))
    await deliver(app, updates.staff_reply(ACCOUNTING_CHAT, ACCOUNTANT_USER, as_returned(fake_api, ACCOUNTING_CHAT),
                                           "no contesta"))

    assert [(a.kind, a.intake_id, a.value, a.reason) for a in core.actions] == [
        (StaffActionKind.TASK_DONE, task.id, None, "Promete pagar el viernes"),
        (StaffActionKind.TAG, 0, "1001", "llamar"),
        (StaffActionKind.BLOCK, 0, "1001", "no contesta"),
    ]
    assert fake_api.texts_to(SUPPORT_CHAT)[-3] == f"✅ Tarea #{task.id} cerrada: Promete pagar el viernes"
    assert fake_api.texts_to(ACCOUNTING_CHAT)[-1].startswith("✅ Cliente 1001")
    with Session(core.engine) as session:
        assert session.get(CallTask, task.id).state == "closed"  # type: ignore[union-attr]
        assert session.exec(select(Customer).where(Customer.client_id == "1001")).one().tags == ["llamar"]
        assert [(c.blocked, c.reason, c.actor) for c in session.exec(select(AccessChange))] == [
            (True, "no contesta", "Mario Contable")]


async def test_accounting_takes_back_a_payment_the_bank_returned_from_the_button_under_applied(
    app: TelegramApp, core: TappedCore, fake_api: FakeBotApi,
) -> None:
    intake_id = await core.receipt_forwarded(1)
    card = updates.bot_message(ACCOUNTING_CHAT, 800, f"Pago #{intake_id}", [("💰 Aplicado", f"pay:apply:{intake_id}")])
    await deliver(app, updates.button_press(ACCOUNTANT_USER, card, f"pay:apply:{intake_id}"))
    with Session(core.engine) as session:
        payment = session.exec(select(Payment).where(Payment.intake_id == intake_id)).one()
    applied = as_returned(fake_api, ACCOUNTING_CHAT)
    assert applied["reply_markup"]["inline_keyboard"] == [[
        {"text": "🏦 Devuelto por el banco", "callback_data": f"pay:returned:0:{payment.id}"}]]

    await deliver(app, updates.button_press(ACCOUNTANT_USER, applied, f"pay:returned:0:{payment.id}"))
    assert fake_api.texts_to(ACCOUNTING_CHAT)[-1].startswith(f"Pago {payment.id} devuelto por el banco\n")
    await deliver(app, updates.staff_reply(ACCOUNTING_CHAT, ACCOUNTANT_USER, as_returned(fake_api, ACCOUNTING_CHAT),
                                           "transferencia rebotada"))

    assert [(a.kind, a.intake_id, a.reason) for a in core.actions][-1] == (
        StaffActionKind.RETURNED, payment.id, "transferencia rebotada")
    assert fake_api.texts_to(ACCOUNTING_CHAT)[-1].startswith(f"✅ Pago {payment.id} devuelto")
    with Session(core.engine) as session:
        [reversal] = session.exec(select(PaymentReversal)).all()
    assert (reversal.payment_id, reversal.kind, reversal.reason) == (payment.id, "returned", "transferencia rebotada")
