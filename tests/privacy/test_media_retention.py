"""PAYBOT_MEDIA_RETENTION_DAYS: old receipt images go, except those someone may still need (an open case, a
payment not yet synced, a reminder still chasing, a message still to carry it); unset, every image is kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db.models import Intake, IntakeEvent, Payment, Reminder
from bot.db.types import utcnow
from bot.intake.retention import ReceiptMediaRetention
from bot.intake.states import IntakeState, transition
from tests.conftest import REPO
from tests.privacy.conftest import Sandbox, receipt_png

UNREADABLE = b"\x89PNG\r\n\x1a\n" + b"0" * 64
WITHOUT_ID = (REPO / "data" / "receipts" / "transferencia-sin-id.png").read_bytes()


def image_of(engine: Engine, intake_id: int) -> Path | None:
    with Session(engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        return Path(intake.media_path) if intake.media_path else None


async def test_old_images_go_unless_someone_may_still_need_them(sandbox: Sandbox, demo: Engine) -> None:
    in_review = await sandbox.send("88112233")
    applied = await sandbox.send("88112233", receipt_png(11))
    synced = await sandbox.send("88112233", receipt_png(12))
    rejected = await sandbox.send("87114455", WITHOUT_ID)
    chased = await sandbox.send("87114455", WITHOUT_ID + b"1")
    unreadable = await sandbox.send("88112233", UNREADABLE)
    for intake_id in (applied, synced):
        await sandbox.act("approve", intake_id, "support")
        await sandbox.act("apply", intake_id, "accounting")
    for intake_id in (rejected, chased):
        await sandbox.act("reject", intake_id, "support", reason="no es nuestro")
    recent = await sandbox.send("87114455", WITHOUT_ID + b"2")
    await sandbox.act("reject", recent, "support", reason="duplicado")
    now = utcnow()
    with Session(demo) as session:
        session.execute(update(Intake).where(col(Intake.id) != recent).values(created_at=now - timedelta(days=40)))
        payment = session.exec(select(Payment).where(Payment.intake_id == synced)).one()
        payment.sync_state = "synced"
        intake = session.get(Intake, synced)
        assert intake is not None
        transition(session, intake, IntakeState.SYNCED, actor="erp", reason="sincronizado")
        session.add(Reminder(intake_id=chased, kind="reminder_short_payment", channel="sandbox",
                             recipient="+50687114455", due_at=now + timedelta(days=1)))
        session.commit()
    files = {intake_id: image_of(demo, intake_id) for intake_id in
             (in_review, applied, synced, rejected, chased, unreadable, recent)}
    assert all(path is not None and path.is_file() for path in files.values())

    assert ReceiptMediaRetention(demo, None).delete_all_expired() == 0, "unset: every image is kept"
    assert ReceiptMediaRetention(demo, 30).delete_all_expired() == 3

    gone = {synced, rejected, unreadable}
    for intake_id, path in files.items():
        assert path is not None
        assert (image_of(demo, intake_id) is None) == (intake_id in gone), intake_id
        assert path.is_file() == (intake_id not in gone), intake_id
    with Session(demo) as session:
        audit = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == synced)
                             .order_by(col(IntakeEvent.id).desc())).first()
        assert audit is not None and "retención" in (audit.reason or "")
        kept = session.get(Intake, synced)
        assert kept is not None and kept.fields.get("amount"), "what was read stays"
    assert ReceiptMediaRetention(demo, 30).delete_all_expired() == 0


async def test_an_image_sent_twice_stays_while_one_intake_still_needs_it(sandbox: Sandbox, demo: Engine) -> None:
    image = WITHOUT_ID + b"same"
    first = await sandbox.send("87114455", image)
    await sandbox.act("reject", first, "support", reason="borroso")
    second = await sandbox.send("87114455", image)
    with Session(demo) as session:
        session.execute(update(Intake).values(created_at=utcnow() - timedelta(days=40)))
        session.commit()
    path = image_of(demo, second)
    assert path is not None and path == image_of(demo, first)
    assert ReceiptMediaRetention(demo, 30).delete_all_expired() == 1
    assert image_of(demo, first) is None and path.is_file(), "the second intake is still open"
