"""How reminders are paced (pure): nothing goes outside business hours or on a closed day, one missed by more
than PAYBOT_REMINDER_LATE_HOURS is dropped rather than sent late, and a customer gets at most
PAYBOT_REMINDERS_PER_DAY a day, the most urgent first (a monthly statement that loses waits for the next open
day; any other loser is dropped, its customer having just been reminded)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.collections.planner import URGENCY
from bot.vocabulary import ReplyKind

DEFERRED_KINDS = frozenset({ReplyKind.REMINDER_STATEMENT.value})


@dataclass(frozen=True)
class Waiting:
    """A pending reminder whose time has come: its row, customer, kind and when it was due."""

    reminder_id: int
    customer_id: int | None
    kind: str
    due_at: datetime
    days: int = 0
    manual: bool = False


@dataclass
class Pace:
    """What to do with each waiting reminder now."""

    send: list[int] = field(default_factory=list)
    too_late: list[int] = field(default_factory=list)
    over_limit: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)


def urgency(item: Waiting) -> tuple[int, int, int]:
    return (1 if item.manual else 0, URGENCY.get(item.kind, 0), item.days)


def pace(waiting: Sequence[Waiting], *, now: datetime, open_now: bool, sent_today: Mapping[int, int],
         per_day: int, late: timedelta) -> Pace:
    """Decide, for reminders due by `now`, which go, which were missed too long ago, which wait or give way."""
    result = Pace()
    if not open_now:
        return result
    by_customer: dict[int | None, list[Waiting]] = {}
    for item in waiting:
        if now - item.due_at > late and not item.manual:
            result.too_late.append(item.reminder_id)
        else:
            by_customer.setdefault(item.customer_id, []).append(item)
    for customer_id, items in by_customer.items():
        room = per_day - (sent_today.get(customer_id, 0) if customer_id is not None else 0)
        for item in sorted(items, key=urgency, reverse=True):
            if customer_id is None or item.manual or room > 0:
                result.send.append(item.reminder_id)
                room -= 1
            elif item.kind in DEFERRED_KINDS:
                result.deferred.append(item.reminder_id)
            else:
                result.over_limit.append(item.reminder_id)
    return result
