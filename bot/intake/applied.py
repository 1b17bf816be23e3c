"""What the customer's "applied" reply says about their account (script #3): what is left to pay, the credit
or the refund. Told when accounting applies, or later when the ERP sync settles, from the posted result the
intake keeps."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from bot.account.operations import AccountPolicy, open_on_charges, told_in_colones
from bot.db.models import Intake
from bot.intake.facts import IntakeFacts
from bot.intake.review import approved_not_applied
from bot.vocabulary import Overpayment
from currency.money import Money, format_money


def applied_told(session: Session, intake: Intake, facts: IntakeFacts, today: date,
                 policy: AccountPolicy) -> dict[str, Any]:
    """What is left to pay (counting receipts approved since, not applied yet), in the customer's favour, or
    refunded, in colones at today's rate. Without an account (or a rate) what is left is what the check said."""
    posted = facts.account
    if posted is None or posted.rate_missing or intake.customer_id is None:
        return {"remaining": facts.difference, "credit": None, "refunded": None}
    pending = approved_not_applied(session, intake.customer_id, intake.id)
    left = open_on_charges(session, intake.customer_id, posted.chased, posted.applied.currency, policy=policy,
                           pending=pending)
    remaining = told_in_colones(session, left, today, policy).amount if left.amount > 0 else None
    over = posted.credit_created
    refunded: Money | None = over if intake.overpayment == Overpayment.REFUNDED.value and over.amount > 0 else None
    credit = told_in_colones(session, over, today, policy).amount if refunded is None and over.amount > 0 else None
    return {"remaining": remaining, "credit": credit,
            "refunded": told_in_colones(session, refunded, today, policy).amount if refunded else None}


def applied_note(told: dict[str, Any], refunded: Money | None) -> list[str]:
    """Accounting's lines about the account after applying: what is left, the credit, the refund."""
    notes = []
    if told["remaining"] is not None:
        notes.append(f"Queda por pagar {format_money(told['remaining'])}.")
    if told["credit"] is not None:
        notes.append(f"Saldo a favor del cliente: {format_money(told['credit'])} (se usa en el próximo cobro).")
    if refunded is not None:
        notes.append(f"Devolución registrada: {format_money(refunded)}.")
    return notes
