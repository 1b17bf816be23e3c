"""Business hours: 08:00-19:00 in Costa Rica, closed on Sundays and on Costa Rica's public holidays (from the
holidays library), and when the next opening is from any moment."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.collections.calendar import BusinessCalendar
from bot.config import Settings

CAL = BusinessCalendar()


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CAL.zone)


@pytest.mark.parametrize(("moment", "opens"), [
    (at(14, 7, 59), at(14, 8)),
    (at(14, 8), at(14, 8)),
    (at(14, 18, 59), at(14, 18, 59)),
    (at(14, 19), at(16, 8)),
    (at(12, 21), at(14, 8)),
    (at(13, 10), at(14, 8)),
])
def test_the_next_opening_skips_nights_sundays_and_independence_day(moment: datetime, opens: datetime) -> None:
    assert CAL.next_open(moment) == opens


def test_costa_rican_holidays_come_from_the_holidays_library_in_spanish() -> None:
    assert CAL.holiday(date(2026, 9, 15)) == "Día de la Independencia"
    assert CAL.holiday(date(2026, 7, 25)) is not None and CAL.holiday(date(2026, 7, 24)) is None
    assert not CAL.is_open_day(date(2026, 12, 25)) and CAL.is_open_day(date(2026, 12, 24))


def test_business_hours_and_closed_days_are_settings(settings: Settings) -> None:
    custom = BusinessCalendar.from_settings(settings.model_copy(update={
        "business_hours": "07:30-17:00", "closed_weekdays": [5, 6], "holidays_country": ""}))
    assert custom.next_open(at(12, 9)) == at(14, 7, 30), "Saturday closed too"
    assert custom.is_open_day(date(2026, 9, 15)), "no holidays without a country"
    assert not custom.is_open(at(14, 17))
