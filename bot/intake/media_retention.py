"""Receipt images are deleted PAYBOT_MEDIA_RETENTION_DAYS after they arrived (unset: kept for good), except
those a person may still need: an open case, a payment not yet synced to the ERP, a reminder still chasing the
difference, a message still waiting to carry the image. What was read from them stays."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, exists, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.db.models import Intake, OutboxMessage, OutboxState, Payment, Reminder, ReminderState, SyncState
from bot.db.session import rowcount
from bot.db.types import utcnow
from bot.intake.states import IntakeState, record
from bot.media_store import FolderStore, MediaStore

log = logging.getLogger(__name__)

FINISHED = (IntakeState.SYNCED.value, IntakeState.REJECTED.value, IntakeState.NEEDS_INFO.value)
"""States in which nobody has to look at the receipt again (applied but not synced is not one of them)."""
BATCH = 200


def _deletable(cutoff: datetime) -> ColumnElement[bool]:
    unsynced_payment = exists().where(and_(col(Payment.intake_id) == col(Intake.id),
                                           col(Payment.sync_state) != SyncState.SYNCED.value))
    chasing = exists().where(and_(col(Reminder.intake_id) == col(Intake.id),
                                  col(Reminder.state) == ReminderState.PENDING.value))
    carrying = exists().where(and_(col(OutboxMessage.media_path) == col(Intake.media_path),
                                   col(OutboxMessage.state) == OutboxState.PENDING.value))
    return and_(
        col(Intake.media_path).is_not(None),
        col(Intake.state).in_(FINISHED),
        col(Intake.created_at) < cutoff,
        ~unsynced_payment,
        ~chasing,
        ~carrying,
    )


class ReceiptMediaRetention:
    """Deletes receipt images past their retention; each deletion is audited on its intake."""

    def __init__(self, engine: Engine, days: int | None, media: MediaStore | None = None) -> None:
        self.engine = engine
        self.days = days
        self.media: MediaStore = media or FolderStore(Path())

    def delete_expired(self, now: datetime | None = None) -> int:
        """Delete one batch of expired images (none when retention is unset); how many intakes lost theirs."""
        if self.days is None:
            return 0
        cutoff = (now or utcnow()) - timedelta(days=self.days)
        removed: list[str] = []
        with Session(self.engine, expire_on_commit=False) as session:
            expired = session.exec(select(Intake).where(_deletable(cutoff)).order_by(col(Intake.id)).limit(BATCH)).all()
            for intake in expired:
                path = intake.media_path
                taken = session.execute(
                    update(Intake).where(col(Intake.id) == intake.id).where(col(Intake.media_path) == path)
                    .values(media_path=None))
                if rowcount(taken) != 1 or path is None:
                    continue
                intake.media_path = None
                record(session, intake, actor="bot", changes={"media_path": [path, None]},
                       reason=f"imagen del comprobante borrada a los {self.days} días (retención)")
                removed.append(path)
            session.flush()
            still_used = set(session.exec(
                select(Intake.media_path).where(col(Intake.media_path).in_(removed))).all()) if removed else set()
            session.commit()
        for path in removed:
            if path not in still_used:
                self.media.delete(path)
        if removed:
            log.info("deleted %d receipt image(s) older than %d days", len(removed), self.days)
        return len(removed)

    def delete_all_expired(self, now: datetime | None = None) -> int:
        """Every expired image, a batch at a time."""
        removed = 0
        while (batch := self.delete_expired(now)) > 0:
            removed += batch
            if batch < BATCH:
                break
        return removed
