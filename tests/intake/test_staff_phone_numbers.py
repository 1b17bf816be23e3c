"""Staff numbers are one number however the operator wrote them in the settings and WhatsApp sends them."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.db.models import StaffRole
from bot.intake.staff import role_of


@pytest.mark.parametrize("configured", ["8811-2233", "00506 8811 2233", "+506 8811 2233", "50688112233"])
def test_a_support_number_written_any_way_is_recognised(settings: Settings, configured: str) -> None:
    staff = settings.model_copy(update={"whatsapp_support_numbers": [configured],
                                        "whatsapp_accounting_numbers": ["+506 7000-0001"]})
    assert role_of(staff, "whatsapp", "+50688112233", "whatsapp:+50688112233") is StaffRole.SUPPORT
    assert role_of(staff, "whatsapp", "+50670000001", "+50670000001") is StaffRole.ACCOUNTING
    assert role_of(staff, "whatsapp", "+50687114455", "+50687114455") is None


def test_something_that_is_no_number_is_nobody(settings: Settings) -> None:
    staff = settings.model_copy(update={"whatsapp_support_numbers": ["not a number"]})
    assert role_of(staff, "whatsapp", "whatsapp:", "whatsapp:") is None
    assert role_of(staff, "whatsapp", "not a number", "not a number") is None
