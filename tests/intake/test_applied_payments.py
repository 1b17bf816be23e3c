"""A receipt accounting marks applied lands in the customer's account, and the account's zero stops its reminders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from bot.account.entries import EntryKind, PaymentMethod
from bot.account.operations import AccountPolicy, PaymentRequest, apply_payment, customer_balance
from bot.account.repository import load_entries
from bot.db.models import Customer, Reminder
from bot.intake.messages import StaffActionKind
from currency.money import Money
from tests.stories import TODAY, Conversation, receipt_png


async def test_short_payment_applied_from_chat_leaves_the_difference_open_until_it_is_paid(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(receipt_png("20000.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert (await conversation.staff("support", StaffActionKind.APPROVE, intake_id)).ok
    assert (await conversation.staff("accounting", StaffActionKind.APPLY, intake_id)).ok

    with Session(conversation.engine) as session:
        customer = session.exec(select(Customer).where(Customer.client_id == "1001")).one()
        assert customer.id is not None
        [payment] = [e for e in load_entries(session, customer.id) if e.kind is EntryKind.PAYMENT]
        assert payment.amount == Decimal("-20000.00") and payment.on_date == TODAY
        balance = customer_balance(session, customer.id, today=TODAY)
        assert balance.accounts[0].balance == Decimal("8250.00")
        assert session.exec(select(Reminder).where(Reminder.state == "pending")).all(), "the difference is chased"

        result = apply_payment(
            session,
            PaymentRequest(customer_id=customer.id, amount=Money(Decimal("8250.00"), "CRC"), paid_on=TODAY,
                           method=PaymentMethod.CASH, actor="test:accounting"),
            policy=AccountPolicy.from_settings(conversation.settings),
            now=datetime(2026, 11, 27, 16, 0, tzinfo=conversation.settings.tz),
        )
        session.commit()
        assert result.balance_reached_zero and result.reminders_cancelled == 2
        assert not session.exec(select(Reminder).where(Reminder.state == "pending")).all()
