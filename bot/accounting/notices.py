"""What accounting reads in its chat about the ERP and the money: the message when a payment could not be
synced (once, with the reason and the two actions), the morning summary of payments not synced (nothing
when there are none), and the day's payments report as a file. Each is rendered from its template and
queued through the core's messenger in the caller's transaction, to every accounting destination."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from bot.accounting.report import GroupBy, ReportFormat, payments_report, render
from bot.accounting.sync import FailureNotice, unsynced_payments
from bot.config import Settings
from bot.db.models import Customer, ErpDelivery, Payment
from bot.intake.messages import Audience, Button
from bot.intake.replies import Replies
from bot.intake.sending import Messenger
from bot.intake.staff import reads_text_commands
from bot.media_store import MediaStore
from bot.vocabulary import PAYMENT_ACTIONS, StaffMessage
from currency.money import Money

SUMMARY_ROWS = 20
"""Payments named in the morning summary; the rest are counted (a chat message stays readable)."""


def sync_buttons(payment_id: int) -> tuple[Button, ...]:
    """Seed 000's two actions on a payment not synced, as every staff button is made (`pay:sync:<payment>`,
    `pay:synced:<payment>`)."""
    return tuple(Button(kind.button, kind.callback(payment_id)) for kind in PAYMENT_ACTIONS)


def tell_accounting(session: Session, messenger: Messenger, kind: StaffMessage, text: str, *, key: str,
                    buttons: Sequence[Button] = (), media_path: str | None = None, media_name: str | None = None,
                    intake_id: int | None = None) -> int:
    """Queue `text` to every accounting destination once per `key` (WhatsApp gets the commands written in the
    text instead of the buttons); how many were new."""
    return messenger.tell_staff(session, Audience.ACCOUNTING, kind, text, intake_id=intake_id, key=key,
                                media_path=media_path, media_name=media_name, buttons=buttons)


def sync_failed_text(replies: Replies, session: Session, payment: Payment, reason: str, *,
                     text_commands: bool) -> str:
    customer = session.get(Customer, payment.customer_id)
    attempts = sum(d.attempts for d in session.exec(select(ErpDelivery).where(ErpDelivery.payment_id == payment.id)))
    return replies.render(StaffMessage.SYNC_FAILED.template, {
        "payment_id": payment.id, "intake_id": payment.intake_id,
        "client_id": customer.client_id if customer else "?", "customer_name": customer.full_name if customer else "",
        "amount": Money(payment.amount, payment.currency), "reference": payment.reference,
        "attempts": attempts, "reason": reason, "text_commands": text_commands,
        "commands": [kind.sample(payment.id or 0) for kind in PAYMENT_ACTIONS] if text_commands else [],
    })


def accounting_failure_notice(messenger: Messenger) -> FailureNotice:
    """The `on_failed` of the ERP sender: accounting told once per payment, with the reason and two actions."""
    def notify(session: Session, payment: Payment, reason: str) -> None:
        assert payment.id is not None
        text = sync_failed_text(messenger.replies, session, payment, reason, text_commands=reads_text_commands(
            session, messenger.settings, Audience.ACCOUNTING))
        tell_accounting(session, messenger, StaffMessage.SYNC_FAILED, text, key=f"payment:{payment.id}:sync_failed",
                        buttons=sync_buttons(payment.id), intake_id=payment.intake_id)

    return notify


def morning_summary(session: Session, settings: Settings, replies: Replies, today: date) -> str | None:
    """The list of payments not synced (failed first), or None when every payment is synced or no ERP is
    configured (then nothing is sent)."""
    if settings.erp_connector == "none":
        return None
    rows = unsynced_payments(session)
    if not rows:
        return None
    return replies.render(StaffMessage.SYNC_SUMMARY.template, {
        "today": today,
        "count": len(rows),
        "more": max(0, len(rows) - SUMMARY_ROWS),
        "rows": [{
            "payment_id": row.payment.id, "client_id": row.client_id, "customer_name": row.customer_name,
            "amount": Money(row.payment.amount, row.payment.currency),
            "applied_on": row.payment.applied_at.astimezone(settings.tz).date(),
            "state": row.label, "error": row.last_error,
        } for row in rows[:SUMMARY_ROWS]],
        "commands": [kind.usage() for kind in PAYMENT_ACTIONS]
        if reads_text_commands(session, settings, Audience.ACCOUNTING) else [],
    })


def send_morning_summary(session: Session, messenger: Messenger, today: date) -> bool:
    """Queue the summary for `today` (once per day); False when there is nothing to say."""
    text = morning_summary(session, messenger.settings, messenger.replies, today)
    if text is None:
        return False
    tell_accounting(session, messenger, StaffMessage.SYNC_SUMMARY, text, key=f"sync_summary:{today.isoformat()}")
    return True


@dataclass(frozen=True)
class ReportFile:
    """A day's report: its file's media store reference (None without rows) and the name accounting sees."""

    path: str | None
    caption: str
    rows: int
    name: str = ""


def daily_report(session: Session, settings: Settings, replies: Replies, day: date, media: MediaStore) -> ReportFile:
    """The payments applied on `day`: its caption, and an XLSX file in the media store (so whichever process
    sends it can read it) when it has rows."""
    report = payments_report(session, start=day, end=day, by=GroupBy.ORIGIN, tz=settings.tz)
    caption = replies.render(StaffMessage.PAYMENTS_REPORT.template,
                             {"day": day, "count": len(report.lines), "totals": report.totals})
    if not report.lines:
        return ReportFile(None, caption, 0)
    stored = media.put(render(report, ReportFormat.XLSX, settings.tz), ReportFormat.XLSX.mime_type)
    name = f"pagos-{day.isoformat()}.{ReportFormat.XLSX.suffix}"
    return ReportFile(stored.reference, caption, len(report.lines), name)


def send_daily_report(session: Session, messenger: Messenger, today: date) -> ReportFile:
    """Queue yesterday's report to accounting (once per day): the file when it has rows, else the caption."""
    day = today - timedelta(days=1)
    made = daily_report(session, messenger.settings, messenger.replies, day, messenger.media)
    tell_accounting(session, messenger, StaffMessage.PAYMENTS_REPORT, made.caption,
                    key=f"payments_report:{day.isoformat()}", media_path=made.path, media_name=made.name or None)
    return made
