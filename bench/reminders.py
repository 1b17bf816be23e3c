"""Benchmark: collections' reminder engine on SQLite, on the account benchmark's customers (a monthly charge
each, paid most months, some short, some late, some missing).

Times, each against the same run's `arrears_of` (every owing customer's open charges, one replay: what the
planner must read anyway):
- planning one day's reminders (`plan_reminders`: arrears, graces, rows written; rolled back to repeat);
- sending them: one `send_due` pass (at most its batch of 200 reminders claimed, checked against the account
  again, rendered and queued), per reminder.

Run: `.venv/bin/python bench/reminders.py [--customers N] [--months M] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from account import measure, populate

from bot.collections.arrears import arrears_of
from bot.collections.calendar import BusinessCalendar
from bot.collections.planner import plan_reminders
from bot.collections.reminding import BATCH, PlannedReminders
from bot.config import Settings
from bot.db import migrate
from bot.db.models import OutboxMessage, Reminder
from bot.db.session import make_engine
from bot.intake.replies import Replies
from bot.intake.sending import Messenger

CR = ZoneInfo("America/Costa_Rica")
DAY = date(2026, 11, 2)
"""A Monday: day 1 of November's charges, so every customer who has not paid it is due a reminder."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'reminders.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            entries = populate(session, args.customers, args.months)
        settings = Settings(_env_file=None, database_url=url, data_dir=Path(folder),  # type: ignore[call-arg]
                            statement_day=0)
        calendar = BusinessCalendar.from_settings(settings)
        night = datetime(DAY.year, DAY.month, DAY.day, 0, 15, tzinfo=CR)
        print(f"{args.customers:,} customers, {args.months} months: {entries:,} entries")

        with Session(engine) as session:
            def baseline() -> object:
                return arrears_of(session, DAY)

            def plan() -> object:
                written = plan_reminders(session, settings, calendar, night)
                session.rollback()
                return written

            owing = len(arrears_of(session, DAY))
            read = measure(baseline, args.repeat)
            planning = measure(plan, args.repeat)
        with Session(engine) as session:
            planned = plan_reminders(session, settings, calendar, night)
            session.commit()
        opening = datetime(DAY.year, DAY.month, DAY.day, 8, 0, tzinfo=CR)
        sender = PlannedReminders(engine, Messenger(settings, Replies()), lambda: opening)
        started = time.perf_counter()
        sent = sender.send_due()
        sending = time.perf_counter() - started
        with Session(engine) as session:
            queued = session.exec(select(func.count()).select_from(OutboxMessage)).one()
            left = session.exec(select(func.count()).select_from(Reminder).where(Reminder.state == "pending")).one()

    print(f"owing customers: {owing:,}; reminders planned for {DAY:%d/%m/%Y}: {planned:,}")
    print(f"arrears_of (baseline)           {read * 1000:9.1f} ms")
    print(f"plan_reminders                  {planning * 1000:9.1f} ms  ({planning / read:.2f}x baseline)")
    print(f"send_due, one pass ({sent} of batch {BATCH}) {sending * 1000:9.1f} ms  "
          f"({sending / max(sent, 1) * 1000:.1f} ms per reminder; {sending / read:.2f}x baseline); "
          f"queued {queued}, still pending {left:,}")


if __name__ == "__main__":
    main()
