"""Files that were not receipts are deleted after PAYBOT_REJECTED_MEDIA_DAYS; receipts are kept."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.db.models import Intake, IntakeEvent
from bot.db.session import make_engine
from bot.db.types import utcnow
from bot.intake.core import InlineReader, IntakeCore
from bot.intake.messages import InboundMessage
from bot.intake.retention import RejectedMediaCleaner
from bot.intake.worker import IntakeWorker
from tests.stories import Conversation, ServiceProcess, receipt_png

NOT_A_RECEIPT = b"%PDF-1.4 this is not really a pdf"


def stored(conversation: Conversation, intake_id: int | None) -> Intake:
    with Session(conversation.engine) as session:
        intake = session.get(Intake, intake_id)
    assert intake is not None
    return intake


async def test_an_unreadable_file_is_deleted_after_the_retention_days_and_a_receipt_is_kept(
    conversation: Conversation,
) -> None:
    junk_id = await conversation.customer_sends(NOT_A_RECEIPT)
    receipt_id = await conversation.customer_sends(receipt_png("28250.00"))
    junk, receipt = stored(conversation, junk_id), stored(conversation, receipt_id)
    assert junk.reply_kind == "unreadable" and receipt.state == "in_review"
    assert junk.media_path and receipt.media_path
    junk_file, receipt_file = Path(junk.media_path), Path(receipt.media_path)
    cleaner = RejectedMediaCleaner(conversation.engine, days=30)

    assert cleaner.delete_expired(now=utcnow() + timedelta(days=29)) == 0
    assert junk_file.exists()
    assert cleaner.delete_expired(now=utcnow() + timedelta(days=31)) == 1

    assert not junk_file.exists() and receipt_file.exists()
    assert stored(conversation, junk_id).media_path is None
    assert stored(conversation, receipt_id).media_path == str(receipt_file)
    with Session(conversation.engine) as session:
        events = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == junk_id)).all()
    assert "no era un comprobante" in (events[-1].reason or "")
    assert cleaner.delete_expired(now=utcnow() + timedelta(days=60)) == 0


async def test_a_file_sent_again_later_is_kept_until_the_later_copy_expires_too(conversation: Conversation) -> None:
    first = await conversation.customer_sends(NOT_A_RECEIPT, phone="+50688112233")
    second = await conversation.customer_sends(NOT_A_RECEIPT, phone="+50687114455")
    shared = stored(conversation, first).media_path
    assert shared and stored(conversation, second).media_path == shared
    with Session(conversation.engine) as session:
        session.execute(update(Intake).where(col(Intake.id) == first)
                        .values(created_at=utcnow() - timedelta(days=40)))
        session.commit()
    cleaner = RejectedMediaCleaner(conversation.engine, days=30)

    assert cleaner.delete_expired() == 1
    assert stored(conversation, first).media_path is None
    assert stored(conversation, second).media_path == shared and Path(shared).exists()

    assert cleaner.delete_expired(now=utcnow() + timedelta(days=31)) == 1
    assert not Path(shared).exists()


async def test_a_file_support_was_asked_to_look_at_is_kept(conversation: Conversation) -> None:
    intake_id = await conversation.core.receive(InboundMessage(
        channel="sandbox", external_id="crashed", sender="+50688112233", reply_to="+50688112233",
        media=NOT_A_RECEIPT))
    assert intake_id is not None
    await conversation.core.give_up(intake_id, "RuntimeError: the reader crashed")
    assert stored(conversation, intake_id).reply_kind == "unreadable"

    assert RejectedMediaCleaner(conversation.engine, days=30).delete_expired(now=utcnow() + timedelta(days=90)) == 0
    assert Path(stored(conversation, intake_id).media_path or "").exists()


async def test_an_unknown_upload_is_stored_under_a_meaningful_name_not_bin(conversation: Conversation) -> None:
    voice = await conversation.core.receive(InboundMessage(
        channel="sandbox", external_id="voice", sender="+50688112233", reply_to="+50688112233",
        media=b"\x00\x01 not an image", media_type="audio/ogg"))
    noise = await conversation.core.receive(InboundMessage(
        channel="sandbox", external_id="noise", sender="+50688112233", reply_to="+50688112233",
        media=b"\x00\x02 nothing we know"))

    assert Path(stored(conversation, voice).media_path or "").suffix == ".ogg"
    assert Path(stored(conversation, noise).media_path or "").suffix == ".unknown"


def test_the_running_service_deletes_expired_files_that_were_not_receipts_at_start(
    installation: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    import asyncio

    from bot.config import Settings

    env, url = installation
    settings = Settings(_env_file=None, database_url=url, data_dir=tmp_path)  # type: ignore[call-arg]
    engine = make_engine(url)
    core = IntakeCore(settings, engine, InlineReader(settings))

    async def send() -> int | None:
        intake_id = await core.receive(InboundMessage(channel="sandbox", external_id="old", sender="+50688112233",
                                                      reply_to="+50688112233", media=NOT_A_RECEIPT))
        await IntakeWorker(core.engine, core, name="setup").drain()
        return intake_id

    intake_id = asyncio.run(send())
    with Session(engine) as session:
        session.execute(update(Intake).where(col(Intake.id) == intake_id)
                        .values(created_at=utcnow() - timedelta(days=45)))
        session.commit()
        intake = session.get(Intake, intake_id)
    assert intake is not None and intake.reply_kind == "unreadable" and intake.media_path
    old_file = Path(intake.media_path)
    assert old_file.exists()

    service = ServiceProcess(env, tmp_path)
    service.start()
    try:
        deadline = time.monotonic() + 20
        while old_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        service.stop()
    assert not old_file.exists()
    with Session(engine) as session:
        intake = session.get(Intake, intake_id)
    engine.dispose()
    assert intake is not None and intake.media_path is None and intake.state == "needs_info"
