"""Receipt files deleted when nobody needs them any more, each deletion audited on its intake while what was
read from the file stays. Two rules: files that were not receipts (the reader refused or could not read them,
and no person was asked to review them) after PAYBOT_REJECTED_MEDIA_DAYS; receipt images after
PAYBOT_MEDIA_RETENTION_DAYS (unset: kept for good), except those a person may still need (an open case, a
payment not yet synced to the ERP, a reminder still chasing the difference, a message still to carry it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
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
from bot.vocabulary import ReplyKind, StaffMessage

log = logging.getLogger(__name__)

BATCH = 200
NOT_RECEIPTS = (ReplyKind.UNREADABLE.value, ReplyKind.FILE_TOO_LARGE.value)
"""Reply kinds of an intake whose file the reader refused or could not read."""
FINISHED = (IntakeState.SYNCED.value, IntakeState.REJECTED.value, IntakeState.NEEDS_INFO.value)
"""States in which nobody has to look at the receipt again (applied but not synced is not one of them)."""


@dataclass(frozen=True)
class RetentionRule:
    """Which intakes' files may go once older than the cutoff, and what the audit and the log say."""

    deletable: Callable[[datetime], ColumnElement[bool]]
    reason: str
    """The audit's reason, with `{days}`."""
    deleted: str
    """What the log line counts."""


def _not_receipts(cutoff: datetime) -> ColumnElement[bool]:
    reviewed = exists().where(and_(col(OutboxMessage.intake_id) == col(Intake.id),
                                   col(OutboxMessage.kind) == StaffMessage.SUPPORT_CARD.value))
    return and_(
        col(Intake.media_path).is_not(None),
        col(Intake.reply_kind).in_(NOT_RECEIPTS),
        col(Intake.state).in_((IntakeState.NEEDS_INFO.value, IntakeState.REJECTED.value)),
        col(Intake.created_at) < cutoff,
        ~reviewed,
    )


def _receipts_nobody_needs(cutoff: datetime) -> ColumnElement[bool]:
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


NOT_RECEIPTS_RULE = RetentionRule(_not_receipts, "archivo borrado a los {days} días: no era un comprobante",
                                  "file(s) that were not receipts")
RECEIPTS_RULE = RetentionRule(_receipts_nobody_needs,
                              "imagen del comprobante borrada a los {days} días (retención)", "receipt image(s)")


class MediaRetention:
    """Deletes the files `rule` lets go after `days` (None: none), a batch at a time, each audited."""

    def __init__(self, engine: Engine, days: int | None, rule: RetentionRule, media: MediaStore | None = None) -> None:
        self.engine = engine
        self.days = days
        self.rule = rule
        self.media: MediaStore = media or FolderStore(Path())

    def delete_expired(self, now: datetime | None = None) -> int:
        """Delete one batch of what expired before `now` (default: now); how many intakes lost their file."""
        if self.days is None:
            return 0
        cutoff = (now or utcnow()) - timedelta(days=self.days)
        removed: list[str] = []
        with Session(self.engine, expire_on_commit=False) as session:
            expired = session.exec(
                select(Intake).where(self.rule.deletable(cutoff)).order_by(col(Intake.id)).limit(BATCH)).all()
            for intake in expired:
                path = intake.media_path
                taken = session.execute(
                    update(Intake).where(col(Intake.id) == intake.id).where(col(Intake.media_path) == path)
                    .values(media_path=None))
                if rowcount(taken) != 1 or path is None:
                    continue
                intake.media_path = None
                record(session, intake, actor="bot", changes={"media_path": [path, None]},
                       reason=self.rule.reason.format(days=self.days))
                removed.append(path)
            session.flush()
            still_used = set(session.exec(
                select(Intake.media_path).where(col(Intake.media_path).in_(removed))).all()) if removed else set()
            session.commit()
        for path in removed:
            if path not in still_used:
                self.media.delete(path)
        if removed:
            log.info("deleted %d %s older than %d days", len(removed), self.rule.deleted, self.days)
        return len(removed)

    def delete_all_expired(self, now: datetime | None = None) -> int:
        """Delete every expired file, a batch at a time; how many intakes lost their file."""
        removed = 0
        while (batch := self.delete_expired(now)) > 0:
            removed += batch
            if batch < BATCH:
                break
        return removed


class RejectedMediaCleaner(MediaRetention):
    """Files that were not receipts, after PAYBOT_REJECTED_MEDIA_DAYS."""

    def __init__(self, engine: Engine, days: int, media: MediaStore | None = None) -> None:
        super().__init__(engine, days, NOT_RECEIPTS_RULE, media)


class ReceiptMediaRetention(MediaRetention):
    """Receipt images past PAYBOT_MEDIA_RETENTION_DAYS that nobody still needs."""

    def __init__(self, engine: Engine, days: int | None, media: MediaStore | None = None) -> None:
        super().__init__(engine, days, RECEIPTS_RULE, media)
