"""Files that were not receipts (the reader refused or could not read them, and no person was asked to
review them) are deleted after PAYBOT_REJECTED_MEDIA_DAYS; receipt files are kept."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, exists, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Exists
from sqlmodel import Session, col, select

from bot.db.models import Intake, OutboxMessage
from bot.db.session import rowcount
from bot.db.types import utcnow
from bot.intake.states import IntakeState, record
from bot.media_store import FolderStore, MediaStore
from bot.vocabulary import ReplyKind, StaffMessage

log = logging.getLogger(__name__)

NOT_RECEIPTS = (ReplyKind.UNREADABLE.value, ReplyKind.FILE_TOO_LARGE.value)
"""Reply kinds of an intake whose file the reader refused or could not read."""
CLOSED = (IntakeState.NEEDS_INFO.value, IntakeState.REJECTED.value)
BATCH = 200


def _reviewed() -> Exists:
    """An intake whose card went to support: a person may still need its file."""
    return exists().where(and_(col(OutboxMessage.intake_id) == col(Intake.id),
                               col(OutboxMessage.kind) == StaffMessage.SUPPORT_CARD.value))


def _expired_not_receipts(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        col(Intake.media_path).is_not(None),
        col(Intake.reply_kind).in_(NOT_RECEIPTS),
        col(Intake.state).in_(CLOSED),
        col(Intake.created_at) < cutoff,
        ~_reviewed(),
    )


class RejectedMediaCleaner:
    """Deletes expired files that were not receipts; each deletion is audited on its intake."""

    def __init__(self, engine: Engine, days: int, media: MediaStore | None = None) -> None:
        self.engine = engine
        self.days = days
        self.media: MediaStore = media or FolderStore(Path())

    def delete_expired(self, now: datetime | None = None) -> int:
        """Delete what expired before `now` (default: now); returns how many intakes lost their file."""
        cutoff = (now or utcnow()) - timedelta(days=self.days)
        condition = _expired_not_receipts(cutoff)
        removed: list[str] = []
        with Session(self.engine, expire_on_commit=False) as session:
            expired = session.exec(select(Intake).where(condition).order_by(col(Intake.id)).limit(BATCH)).all()
            for intake in expired:
                path = intake.media_path
                claimed = session.execute(
                    update(Intake).where(col(Intake.id) == intake.id).where(col(Intake.media_path) == path)
                    .values(media_path=None)
                )
                if rowcount(claimed) != 1 or path is None:
                    continue
                intake.media_path = None
                record(session, intake, actor="bot", changes={"media_path": [path, None]},
                       reason=f"archivo borrado a los {self.days} días: no era un comprobante")
                removed.append(path)
            session.flush()
            still_used = set(session.exec(
                select(Intake.media_path).where(col(Intake.media_path).in_(removed))
            ).all()) if removed else set()
            session.commit()
        for path in removed:
            if path not in still_used:
                self.media.delete(path)
        if removed:
            log.info("deleted %d file(s) that were not receipts, older than %d days", len(removed), self.days)
        return len(removed)

    def delete_all_expired(self, now: datetime | None = None) -> int:
        """Delete every expired file, a batch at a time; how many intakes lost their file."""
        removed = 0
        while (batch := self.delete_expired(now)) > 0:
            removed += batch
            if batch < BATCH:
                break
        return removed
