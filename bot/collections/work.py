"""The periodic part of collections, woken by APScheduler: block who is late past the line, release who paid,
close grace extensions that ended, and announce every change once. The rows are the truth, so a run that came
late or twice does nothing wrong."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.collections import access
from bot.collections.announce import announce_access, end_graces
from bot.collections.calendar import BusinessCalendar
from bot.intake.sending import Messenger

log = logging.getLogger(__name__)


@dataclass
class CollectionsWork:
    """One pass of collections over the database at the clock's time."""

    engine: Engine
    messenger: Messenger
    clock: Callable[[], datetime]
    local_channel: str = "sandbox"

    def run_once(self) -> int:
        """Block, release, end graces, announce; returns how many things changed or were announced."""
        settings = self.messenger.settings
        now = self.clock()
        today = now.astimezone(settings.tz).date()
        calendar = BusinessCalendar.from_settings(settings)
        with Session(self.engine, expire_on_commit=False) as session:
            changed = len(access.block_overdue(session, today, now, settings.block_after_days))
            changed += len(access.release_paid(session, today, now))
            changed += end_graces(session, self.messenger, today=today, now=now, calendar=calendar,
                                  local_channel=self.local_channel)
            changed += announce_access(session, self.messenger, today=today, now=now,
                                       local_channel=self.local_channel)
            session.commit()
        if changed:
            log.info("collections: %d changes announced or made", changed)
        return changed
