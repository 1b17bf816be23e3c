"""When paybot may remind a customer and when support answers: business hours, days closed (Sundays by
default) and public holidays from the maintained `holidays` library (Costa Rica by default)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays

if TYPE_CHECKING:
    from bot.config import Settings

SEARCH_DAYS = 60
"""How far ahead the next open day is looked for (a calendar closed longer than this is a mistake)."""


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening and closing time each open day, in the installation's time zone."""

    opens: time = time(8, 0)
    closes: time = time(19, 0)
    closed_weekdays: frozenset[int] = frozenset({6})
    country: str = "CR"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Costa_Rica"))

    @classmethod
    def from_settings(cls, settings: Settings) -> BusinessCalendar:
        start, end = settings.business_hours.split("-")
        return cls(opens=_clock(start), closes=_clock(end), closed_weekdays=frozenset(settings.closed_weekdays),
                   country=settings.holidays_country.strip().upper(), zone=settings.tz)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase | None:
        if not self.country:
            return None
        return holidays.country_holidays(self.country, language="es")

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on `day`, None on an ordinary day."""
        if self._holidays is None:
            return None
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_open_day(self, day: date) -> bool:
        return day.weekday() not in self.closed_weekdays and self.holiday(day) is None

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("moment must be time-zone aware")
        return moment.astimezone(self.zone)

    def opening(self, day: date) -> datetime:
        return datetime.combine(day, self.opens, tzinfo=self.zone)

    def closing(self, day: date) -> datetime:
        return datetime.combine(day, self.closes, tzinfo=self.zone)

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` falls inside business hours of an open day."""
        local = self.local(moment)
        return self.is_open_day(local.date()) and self.opens <= local.time() < self.closes

    def open_day_from(self, day: date) -> date:
        """`day` itself when it is open, else the next open day."""
        for offset in range(SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_open_day(candidate):
                return candidate
        raise ValueError(f"no open day within {SEARCH_DAYS} days of {day}: check PAYBOT_CLOSED_WEEKDAYS")

    def next_open(self, moment: datetime) -> datetime:
        """`moment` when business hours are on, else when they next start."""
        local = self.local(moment)
        if self.is_open(local):
            return local
        day = local.date()
        if not self.is_open_day(day) or local.time() >= self.closes:
            day = self.open_day_from(day + timedelta(days=1))
        return self.opening(day)
