"""A customer asking what they owe ("saldo", "¿cuánto debo?") or for their statement ("estado de cuenta"):
answered from the account, in their chat, only when the sender is that customer's own phone or Telegram
account; anyone else is asked to write to support. The message stays stored and support sees it either way."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.account.operations import AccountPolicy, customer_balance
from bot.config import Settings
from bot.contracts.registry import find_by_identity
from bot.db.models import Intake
from bot.intake import cards
from bot.intake.facts import IntakeFacts
from bot.intake.sending import Messenger
from bot.intake.statements import send_statement
from bot.intake.states import IntakeState, transition
from bot.vocabulary import CustomerQuestion, ReplyKind
from currency.money import format_money


def answer(session: Session, intake: Intake, question: CustomerQuestion, settings: Settings, messenger: Messenger,
           today: date, *, about: int | None = None) -> ReplyKind:
    """Answer `question` asked in `intake` (a message without a receipt), tell support what was answered
    (`about`: the sender's earlier receipt, if any), and close the intake as needing nothing from the bot.
    Returns the reply given."""
    customer = find_by_identity(session, intake.channel, intake.sender)
    if customer is None or customer.id is None:
        kind, answered = ReplyKind.ACCOUNT_UNLINKED, "no se dio el saldo: el número no está vinculado a un cliente"
        messenger.tell_customer(session, intake, kind, messenger.greeting(session, intake, IntakeFacts.of(intake)))
    elif question is CustomerQuestion.STATEMENT:
        intake.customer_id = customer.id
        kind = ReplyKind.STATEMENT
        document = send_statement(session, messenger, customer, (intake.channel, intake.reply_to or intake.sender),
                                  today, intake_id=intake.id)
        answered = f"se le envió su estado de cuenta ({document.name})"
    else:
        intake.customer_id = customer.id
        kind = ReplyKind.BALANCE
        balance = customer_balance(session, customer.id, today=today, policy=AccountPolicy.from_settings(settings))
        context = cards.balance_context(settings, customer, balance)
        messenger.tell_customer(session, intake, kind, context)
        owed = [format_money(account.money) for account in balance.accounts if account.balance > 0]
        answered = "se le dio su saldo: " + (" y ".join(owed) if owed else "al día")
    intake.reply_kind = kind.value
    transition(session, intake, IntakeState.NEEDS_INFO, actor="bot", reason=f"consulta de la cuenta: {kind.label}")
    messenger.tell_support_about(session, intake, about=about, answered=f"Respondido por el bot: {answered}.")
    return kind
