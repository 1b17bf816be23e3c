"""What accounting reads in its chat about the ERP and the money: the message when a payment could not be
synced (once, with the reason and the two actions), the morning summary of payments not synced (nothing
when there are none), and the day's payments report as a file. Each is rendered from its template and
queued in the outbox in the caller's transaction, to every accounting destination."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.accounting.report import GroupBy, ReportFormat, payments_report, render
from bot.accounting.sync import FailureNotice, unsynced_payments
from bot.config import Settings
from bot.db.models import Customer, ErpDelivery, Payment
from bot.intake.messages import Audience, Button
from bot.intake.outbox import enqueue
from bot.intake.replies import Replies
from bot.intake.staff import destinations, reads_text_commands
from currency.money import Money

SYNC_FAILED = "sync_failed"
SYNC_SUMMARY = "sync_summary"
PAYMENTS_REPORT = "payments_report"
SUMMARY_ROWS = 20
"""Payments named in the morning summary; the rest are counted (a chat message stays readable)."""


def sync_buttons(payment_id: int) -> tuple[Button, ...]:
    """Seed 000's two actions on a payment not synced (callback data `sync:now:<id>`, `sync:mark:<id>`)."""
    return (Button("🔄 Sincronizar ahora", f"sync:now:{payment_id}"),
            Button("✍️ Sincronizar manualmente", f"sync:mark:{payment_id}"))


def tell_accounting(session: Session, settings: Settings, kind: str, text: str, *, key: str,
                    buttons: Sequence[Button] = (), media_path: str | None = None,
                    intake_id: int | None = None, local_channel: str = "sandbox") -> int:
    """Queue `text` to every accounting destination once per `key`; how many were new."""
    queued = 0
    for channel, recipient in destinations(session, settings, Audience.ACCOUNTING, local_channel):
        row = enqueue(session, dedupe_key=f"{key}:{channel}:{recipient}", channel=channel, recipient=recipient,
                      audience=Audience.ACCOUNTING, kind=kind, text=text, intake_id=intake_id,
                      media_path=media_path, buttons=buttons if channel != "whatsapp" else ())
        queued += row is not None
    return queued


def sync_failed_text(replies: Replies, session: Session, payment: Payment, reason: str, *,
                     text_commands: bool) -> str:
    customer = session.get(Customer, payment.customer_id)
    attempts = sum(d.attempts for d in session.exec(select(ErpDelivery).where(ErpDelivery.payment_id == payment.id)))
    return replies.render(SYNC_FAILED, {
        "payment_id": payment.id, "intake_id": payment.intake_id,
        "client_id": customer.client_id if customer else "?", "customer_name": customer.full_name if customer else "",
        "amount": Money(payment.amount, payment.currency), "reference": payment.reference,
        "attempts": attempts, "reason": reason, "text_commands": text_commands,
    })


def accounting_failure_notice(settings: Settings, replies: Replies, local_channel: str = "sandbox") -> FailureNotice:
    """The `on_failed` of the ERP sender: accounting told once per payment, with the reason and two actions."""
    def notify(session: Session, payment: Payment, reason: str) -> None:
        assert payment.id is not None
        text = sync_failed_text(replies, session, payment, reason,
                                text_commands=reads_text_commands(session, settings, Audience.ACCOUNTING))
        tell_accounting(session, settings, SYNC_FAILED, text, key=f"payment:{payment.id}:sync_failed",
                        buttons=sync_buttons(payment.id), intake_id=payment.intake_id, local_channel=local_channel)

    return notify


def morning_summary(session: Session, settings: Settings, replies: Replies, today: date) -> str | None:
    """The list of payments not synced (failed first), or None when every payment is synced or no ERP is
    configured (then nothing is sent)."""
    if settings.erp_connector == "none":
        return None
    rows = unsynced_payments(session)
    if not rows:
        return None
    return replies.render(SYNC_SUMMARY, {
        "today": today,
        "count": len(rows),
        "more": max(0, len(rows) - SUMMARY_ROWS),
        "rows": [{
            "payment_id": row.payment.id, "client_id": row.client_id, "customer_name": row.customer_name,
            "amount": Money(row.payment.amount, row.payment.currency),
            "applied_on": row.payment.applied_at.astimezone(settings.tz).date(),
            "state": row.label, "error": row.last_error,
        } for row in rows[:SUMMARY_ROWS]],
        "text_commands": reads_text_commands(session, settings, Audience.ACCOUNTING),
    })


def send_morning_summary(session: Session, settings: Settings, replies: Replies, today: date,
                         local_channel: str = "sandbox") -> bool:
    """Queue the summary for `today` (once per day); False when there is nothing to say."""
    text = morning_summary(session, settings, replies, today)
    if text is None:
        return False
    tell_accounting(session, settings, SYNC_SUMMARY, text, key=f"sync_summary:{today.isoformat()}",
                    local_channel=local_channel)
    return True


@dataclass(frozen=True)
class ReportFile:
    path: Path | None
    caption: str
    rows: int


def daily_report(session: Session, settings: Settings, replies: Replies, day: date) -> ReportFile:
    """The payments applied on `day`: its caption, and an XLSX file under DATA_DIR/reports when it has rows."""
    report = payments_report(session, start=day, end=day, by=GroupBy.ORIGIN, tz=settings.tz)
    caption = replies.render(PAYMENTS_REPORT, {"day": day, "count": len(report.lines), "totals": report.totals})
    if not report.lines:
        return ReportFile(None, caption, 0)
    folder = settings.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pagos-{day.isoformat()}.{ReportFormat.XLSX.suffix}"
    path.write_bytes(render(report, ReportFormat.XLSX, settings.tz))
    return ReportFile(path, caption, len(report.lines))


def send_daily_report(session: Session, settings: Settings, replies: Replies, today: date,
                      local_channel: str = "sandbox") -> ReportFile:
    """Queue yesterday's report to accounting (once per day): the file when it has rows, else the caption."""
    day = today - timedelta(days=1)
    made = daily_report(session, settings, replies, day)
    tell_accounting(session, settings, PAYMENTS_REPORT, made.caption, key=f"payments_report:{day.isoformat()}",
                    media_path=str(made.path) if made.path else None, local_channel=local_channel)
    return made
