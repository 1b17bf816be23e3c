"""The staff records: seeded once from the settings, read for every permission check, and naming who acted."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.db.models import StaffMember, StaffRole
from bot.intake.messages import Audience
from bot.intake.staff import Actor, destinations, identify, reads_text_commands, seed_staff

SUPPORT_CHAT, ACCOUNTING_CHAT = -1001, -1002


def configured(settings: Settings) -> Settings:
    return settings.model_copy(update={
        "telegram_token": SecretStr("123:abc"),
        "telegram_support_chat_id": SUPPORT_CHAT,
        "telegram_accounting_chat_id": ACCOUNTING_CHAT,
        "telegram_support_user_ids": [501],
        "telegram_accounting_user_ids": [502, 501],
        "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": SecretStr("token"),
        "whatsapp_support_numbers": ["8811 2233"],
    })


def members(engine: Engine) -> list[tuple[str, int | None, str | None, bool]]:
    with Session(engine) as session:
        return [(m.role, m.telegram_user_id, m.whatsapp_number, m.active)
                for m in session.exec(select(StaffMember).order_by(StaffMember.id)).all()]  # type: ignore[arg-type]


def test_the_settings_seed_one_record_per_role_and_identity_once(engine: Engine, settings: Settings) -> None:
    staff = configured(settings)
    with Session(engine) as session:
        assert seed_staff(session, staff) == 4
        session.commit()
        assert seed_staff(session, staff) == 0
    assert members(engine) == [
        ("support", 501, None, True), ("accounting", 502, None, True), ("accounting", 501, None, True),
        ("support", None, "+50688112233", True),
    ]


def test_a_member_an_admin_disabled_stays_disabled_after_the_next_start(engine: Engine, settings: Settings) -> None:
    staff = configured(settings)
    with Session(engine) as session:
        seed_staff(session, staff)
        member = session.exec(select(StaffMember).where(StaffMember.telegram_user_id == 502)).one()
        member.active = False
        session.add(member)
        session.commit()
        assert seed_staff(session, staff) == 0
        assert identify(session, staff, "telegram", "502", str(ACCOUNTING_CHAT)) is None


def test_on_telegram_a_member_acts_in_the_group_of_their_role_and_an_admin_in_either(
    engine: Engine, settings: Settings,
) -> None:
    staff = configured(settings)
    with Session(engine) as session:
        seed_staff(session, staff)
        session.add(StaffMember(name="Ana Admin", role="admin", telegram_user_id=700))
        session.commit()
        support = identify(session, staff, "telegram", "501", str(SUPPORT_CHAT))
        assert support is not None and support.role is StaffRole.SUPPORT
        both = identify(session, staff, "telegram", "501", str(ACCOUNTING_CHAT))
        assert both is not None and both.role is StaffRole.ACCOUNTING, "501 is listed for accounting as well"
        assert identify(session, staff, "telegram", "502", str(SUPPORT_CHAT)) is None
        assert identify(session, staff, "telegram", "999", str(SUPPORT_CHAT)) is None
        assert identify(session, staff, "telegram", "501", "-5") is None, "a chat that is no staff group"
        for chat in (SUPPORT_CHAT, ACCOUNTING_CHAT):
            admin = identify(session, staff, "telegram", "700", str(chat))
            assert admin is not None and (admin.role, admin.name) == (StaffRole.ADMIN, "Ana Admin")


def test_on_whatsapp_a_member_acts_from_their_own_number_written_any_way(engine: Engine, settings: Settings) -> None:
    staff = configured(settings)
    with Session(engine) as session:
        seed_staff(session, staff)
        for written in ("+50688112233", "whatsapp:+506 8811-2233", "88112233"):
            actor = identify(session, staff, "whatsapp", written, written)
            assert actor is not None and actor.role is StaffRole.SUPPORT
        assert identify(session, staff, "whatsapp", "+50688112233", "+50670000000") is None
        assert identify(session, staff, "whatsapp", "+50670000000", "+50670000000") is None


def test_a_seeded_member_is_named_by_their_channel_the_first_time_they_act(engine: Engine, settings: Settings) -> None:
    staff = configured(settings)
    with Session(engine) as session:
        seed_staff(session, staff)
        session.commit()
        first = identify(session, staff, "telegram", "501", str(SUPPORT_CHAT), user_name="Laura  Mora")
        later = identify(session, staff, "telegram", "501", str(SUPPORT_CHAT), user_name="L. M.")
        assert first is not None and later is not None
        assert (first.name, later.name) == ("Laura Mora", "Laura Mora")
        assert first.staff_id == later.staff_id is not None
        unnamed = identify(session, staff, "telegram", "502", str(ACCOUNTING_CHAT))
        assert unnamed is not None and unnamed.name == f"Contabilidad #{unnamed.staff_id}"


def test_on_a_local_channel_whoever_plays_a_role_is_that_role(engine: Engine, settings: Settings) -> None:
    with Session(engine) as session:
        assert identify(session, settings, "sandbox", "support", "support") == Actor(StaffRole.SUPPORT,
                                                                                     "Soporte (sandbox)")
        assert identify(session, settings, "cli", "accounting", "accounting") == Actor(StaffRole.ACCOUNTING,
                                                                                       "Contabilidad (terminal)")
        assert identify(session, settings, "sandbox", "customer", "customer") is None


def test_cards_go_to_the_whatsapp_numbers_on_the_staff_list_else_the_group(engine: Engine, settings: Settings) -> None:
    staff = configured(settings).model_copy(update={"whatsapp_support_numbers": []})
    with Session(engine) as session:
        assert destinations(session, staff, Audience.SUPPORT) == [("telegram", str(SUPPORT_CHAT))]
        assert not reads_text_commands(session, staff, Audience.SUPPORT)
        session.add(StaffMember(name="Laura", role="support", whatsapp_number="+50670000001"))
        session.add(StaffMember(name="Ida", role="support", whatsapp_number="+50670000009", active=False))
        session.commit()
        assert destinations(session, staff, Audience.SUPPORT) == [("whatsapp", "+50670000001")]
        assert reads_text_commands(session, staff, Audience.SUPPORT)
        assert destinations(session, staff, Audience.ACCOUNTING) == [("telegram", str(ACCOUNTING_CHAT))]


@pytest.mark.parametrize("configured", ["8811-2233", "00506 8811 2233", "+506 8811 2233", "50688112233"])
def test_a_support_number_written_any_way_in_the_settings_is_recognised(
    engine: Engine, settings: Settings, configured: str
) -> None:
    staff = settings.model_copy(update={"whatsapp_support_numbers": [configured],
                                        "whatsapp_accounting_numbers": ["+506 7000-0001"]})
    with Session(engine) as session:
        seed_staff(session, staff)
        support = identify(session, staff, "whatsapp", "+50688112233", "whatsapp:+50688112233")
        accounting = identify(session, staff, "whatsapp", "+50670000001", "+50670000001")
        assert support is not None and support.role is StaffRole.SUPPORT
        assert accounting is not None and accounting.role is StaffRole.ACCOUNTING
        assert identify(session, staff, "whatsapp", "+50687114455", "+50687114455") is None


def test_something_that_is_no_number_is_nobody(engine: Engine, settings: Settings) -> None:
    staff = settings.model_copy(update={"whatsapp_support_numbers": ["not a number"]})
    with Session(engine) as session:
        seed_staff(session, staff)
        assert identify(session, staff, "whatsapp", "whatsapp:", "whatsapp:") is None
        assert identify(session, staff, "whatsapp", "not a number", "not a number") is None
