"""Support and accounting act from their groups with buttons and short replies; the real core decides."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.config import Settings
from bot.db.models import AuditEvent, StaffMember
from bot.handlers.telegram import TelegramApp, build_telegram_application
from bot.handlers.telegram_prompts import PromptBook
from bot.intake.messages import StaffAction
from bot.vocabulary import StaffActionKind
from tests.handlers.tapped_core import TappedCore
from tests.handlers.telegram import updates
from tests.handlers.telegram.conftest import ACCOUNTANT, ACCOUNTING_CHAT, AGENT, SUPPORT_CHAT, deliver
from tests.handlers.telegram.fake_bot_api import FakeBotApi

AGENT_USER = updates.user(AGENT, "Laura", "Soporte")
ACCOUNTANT_USER = updates.user(ACCOUNTANT, "Mario", "Contable")
STRANGER = updates.user(666, "Curioso", "Ajeno")


def support_card(intake_id: int = 42, message_id: int = 700) -> dict[str, Any]:
    return updates.bot_message(
        SUPPORT_CHAT,
        message_id,
        f"Comprobante #{intake_id} de Ana Mora: ₡25 000,00",
        [("✅ Aprobar", f"pay:approve:{intake_id}"), ("✏️ Corregir", f"pay:correct:{intake_id}"),
         ("❌ Rechazar", f"pay:reject:{intake_id}"), ("⏳ Prórroga", f"pay:grace:{intake_id}")],
    )


def accounting_card(intake_id: int = 42, message_id: int = 800) -> dict[str, Any]:
    return updates.bot_message(
        ACCOUNTING_CHAT,
        message_id,
        f"Pago #{intake_id} aprobado por soporte",
        [("💰 Aplicado", f"pay:apply:{intake_id}"), ("↩️ Devolver a soporte", f"pay:flag:{intake_id}")],
    )


def as_returned(fake_api: FakeBotApi, chat_id: int) -> dict[str, Any]:
    """The bot's latest message to `chat_id`, as it comes back when staff reply to it or press on it."""
    call = fake_api.sent_to(chat_id)[-1]
    text = call.params.get("text") or call.params.get("caption") or ""
    return updates.bot_message(chat_id, call.result["message_id"], text, call.buttons)


async def test_support_approves_from_the_card(app: TelegramApp, fake_api: FakeBotApi, core: TappedCore) -> None:
    intake_id = await core.receipt_in_review()
    card = support_card(intake_id)

    await deliver(app, updates.button_press(AGENT_USER, card, f"pay:approve:{intake_id}"))

    assert core.actions == [
        StaffAction("telegram", str(AGENT), str(SUPPORT_CHAT), StaffActionKind.APPROVE, intake_id)
    ]
    assert fake_api.methods()[-2:] == ["answerCallbackQuery", "sendMessage"], "the query is answered first"
    [shown] = fake_api.sent_to(SUPPORT_CHAT)
    assert shown.params["text"] == f"✅ Comprobante #{intake_id} aprobado y enviado a contabilidad."
    assert shown.params["reply_parameters"]["message_id"] == card["message_id"]
    assert core.intake(intake_id).state == "forwarded"


async def test_an_unlisted_user_pressing_a_button_changes_nothing(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()

    await deliver(app, updates.button_press(STRANGER, support_card(intake_id), f"pay:approve:{intake_id}"))

    assert core.applied == []
    assert [a.user for a in core.actions] == ["666"], "the core, not the channel, refused the press"
    assert fake_api.count("answerCallbackQuery") == 1
    assert fake_api.texts_to(SUPPORT_CHAT) == ["⛔ No tiene permiso para esta acción."]
    assert fake_api.count("editMessageReplyMarkup") == 0
    assert core.intake(intake_id).state == "in_review"
    with Session(core.engine) as session:
        [refusal] = session.exec(select(AuditEvent)).all()
    assert (refusal.user, refusal.reason, refusal.intake_id) == ("666", "not_staff", intake_id)


async def test_support_corrects_the_amount_by_answering_the_question(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()
    await deliver(app, updates.button_press(AGENT_USER, support_card(intake_id), f"pay:correct:{intake_id}"))

    [question] = fake_api.sent_to(SUPPORT_CHAT)
    assert question.params["text"].startswith(f"Corregir solicitud #{intake_id}\n")
    assert question.params["reply_markup"]["force_reply"] is True
    assert core.actions == []

    answer = updates.staff_reply(SUPPORT_CHAT, AGENT_USER, as_returned(fake_api, SUPPORT_CHAT), "Monto 25.000,50")
    await deliver(app, answer)

    assert core.actions == [
        StaffAction("telegram", str(AGENT), str(SUPPORT_CHAT), StaffActionKind.CORRECT, intake_id,
                    field="amount", value="25.000,50")
    ]
    assert fake_api.texts_to(SUPPORT_CHAT)[-1] == f"✅ #{intake_id}: Monto = 25000.50. Revisiones actualizadas."
    assert core.intake(intake_id).fields["amount"] == "25000.50"


async def test_a_correction_without_a_known_field_is_asked_again(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    await deliver(app, updates.button_press(AGENT_USER, support_card(), "pay:correct:42"))
    question = as_returned(fake_api, SUPPORT_CHAT)

    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, question, "25000"))

    assert core.actions == []
    hint, again = fake_api.texts_to(SUPPORT_CHAT)[-2:]
    assert hint.startswith("Campos: monto, fecha")
    assert again.startswith("Corregir solicitud #42\n")


async def test_support_rejects_with_a_listed_reason(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()
    await deliver(app, updates.button_press(AGENT_USER, support_card(intake_id), f"pay:reject:{intake_id}"))

    choices = fake_api.sent_to(SUPPORT_CHAT)[-1]
    assert [data for _, data in choices.buttons] == [
        f"pay:reject:{intake_id}:{code}" for code in ("not_company", "too_old", "duplicate", "unreadable", "other")
    ]
    assert core.actions == []

    returned = as_returned(fake_api, SUPPORT_CHAT)
    await deliver(app, updates.button_press(AGENT_USER, returned, f"pay:reject:{intake_id}:too_old"))

    assert core.applied == [
        StaffAction("telegram", str(AGENT), str(SUPPORT_CHAT), StaffActionKind.REJECT, intake_id, reason="too_old")
    ]
    [dropped] = fake_api.calls_to("editMessageReplyMarkup")
    assert dropped.params["message_id"] == choices.result["message_id"], "the reason choices are spent"
    assert core.intake(intake_id).state == "rejected"


async def test_support_rejects_with_a_reason_of_their_own(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()
    await deliver(app, updates.button_press(AGENT_USER, support_card(intake_id), f"pay:reject:{intake_id}"))
    returned = as_returned(fake_api, SUPPORT_CHAT)
    await deliver(app, updates.button_press(AGENT_USER, returned, f"pay:reject:{intake_id}:other"))
    assert fake_api.texts_to(SUPPORT_CHAT)[-1].startswith(f"Rechazar solicitud #{intake_id}\n")

    question = as_returned(fake_api, SUPPORT_CHAT)
    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, question, "Pagó otro servicio"))

    assert core.applied == [
        StaffAction("telegram", str(AGENT), str(SUPPORT_CHAT), StaffActionKind.REJECT, intake_id,
                    reason="Pagó otro servicio")
    ]


async def test_accounting_marks_applied_and_flags_back_with_a_reason(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    paid, doubtful = await core.receipt_forwarded(1), await core.receipt_forwarded(2)
    await deliver(app, updates.button_press(ACCOUNTANT_USER, accounting_card(paid), f"pay:apply:{paid}"))
    await deliver(app, updates.button_press(ACCOUNTANT_USER, accounting_card(doubtful, 801), f"pay:flag:{doubtful}"))
    question = as_returned(fake_api, ACCOUNTING_CHAT)
    assert question["text"].startswith(f"Devolver a soporte la solicitud #{doubtful}\n")
    await deliver(app, updates.staff_reply(ACCOUNTING_CHAT, ACCOUNTANT_USER, question, "No entró al banco"))

    chat = str(ACCOUNTING_CHAT)
    assert core.applied == [
        StaffAction("telegram", str(ACCOUNTANT), chat, StaffActionKind.APPLY, paid),
        StaffAction("telegram", str(ACCOUNTANT), chat, StaffActionKind.FLAG, doubtful, reason="No entró al banco"),
    ]
    assert (core.intake(paid).state, core.intake(doubtful).state) == ("applied", "in_review")


async def test_replies_to_anything_but_the_bots_questions_are_chatter(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    card = support_card()
    lookalike = updates.message(updates.group_chat(SUPPORT_CHAT), STRANGER, text="Corregir solicitud #42\n")

    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, card, "monto 1"))
    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, lookalike, "monto 1"))

    assert core.actions == []
    assert fake_api.sent_to(SUPPORT_CHAT) == []


async def test_a_button_with_unknown_data_is_answered_and_ignored(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    await deliver(app, updates.button_press(AGENT_USER, support_card(), "pay:explode:42"))

    assert core.actions == []
    assert fake_api.methods()[-1] == "answerCallbackQuery"


async def test_an_answer_is_matched_to_its_question_however_the_question_was_worded(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()
    await deliver(app, updates.button_press(AGENT_USER, support_card(intake_id), f"pay:correct:{intake_id}"))
    asked = fake_api.sent_to(SUPPORT_CHAT)[-1]
    reworded = updates.bot_message(SUPPORT_CHAT, asked.result["message_id"], "¿Qué dato cambiamos?")

    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, reworded, "fecha 26/11/26"))

    assert core.applied == [StaffAction("telegram", str(AGENT), str(SUPPORT_CHAT), StaffActionKind.CORRECT,
                                        intake_id, field="date", value="26/11/26")]
    assert core.intake(intake_id).fields["date"] == "2026-11-26"


async def test_a_question_asked_before_a_restart_is_answered_after_it(
    tg_settings: Settings, app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()
    await deliver(app, updates.button_press(AGENT_USER, support_card(intake_id), f"pay:reject:{intake_id}"))
    await deliver(app, updates.button_press(AGENT_USER, as_returned(fake_api, SUPPORT_CHAT),
                                            f"pay:reject:{intake_id}:other"))
    question = as_returned(fake_api, SUPPORT_CHAT)

    restarted = build_telegram_application(tg_settings, core, PromptBook(core.engine))
    await restarted.initialize()
    try:
        await deliver(restarted, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, question, "Pagó otro servicio"))
    finally:
        await restarted.shutdown()

    assert core.applied == [StaffAction("telegram", str(AGENT), str(SUPPORT_CHAT), StaffActionKind.REJECT,
                                        intake_id, reason="Pagó otro servicio")]


async def test_a_reply_to_a_bot_message_that_asked_nothing_is_chatter_whatever_it_says(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()
    lookalike = updates.bot_message(SUPPORT_CHAT, 4242, f"Corregir solicitud #{intake_id}\nResponda a este mensaje")

    await deliver(app, updates.staff_reply(SUPPORT_CHAT, AGENT_USER, lookalike, "monto 1"))

    assert core.actions == []
    assert fake_api.sent_to(SUPPORT_CHAT) == []
    assert core.intake(intake_id).fields["amount"] == "20000.00"


async def test_a_staff_member_disabled_on_the_list_can_no_longer_act(
    app: TelegramApp, fake_api: FakeBotApi, core: TappedCore
) -> None:
    intake_id = await core.receipt_in_review()
    with Session(core.engine) as session:
        member = session.exec(select(StaffMember).where(StaffMember.telegram_user_id == AGENT)).one()
        member.active = False
        session.add(member)
        session.commit()

    await deliver(app, updates.button_press(AGENT_USER, support_card(intake_id), f"pay:approve:{intake_id}"))

    assert core.applied == []
    assert fake_api.texts_to(SUPPORT_CHAT) == ["⛔ No tiene permiso para esta acción."]
    assert core.intake(intake_id).state == "in_review"


async def test_the_order_statement_and_overpayment_buttons_become_the_actions_they_name(
    app: TelegramApp, core: TappedCore,
) -> None:
    intake_id = await core.receipt_in_review()
    card = updates.bot_message(SUPPORT_CHAT, 701, f"Comprobante #{intake_id}", [
        ("📑 Paga WOLK-1012 cuota 2", f"pay:contract:{intake_id}:17"),
        ("📄 Enviar estado de cuenta", f"pay:statement:{intake_id}:1001"),
        ("💳 Dejar a favor", f"pay:keep_credit:{intake_id}")])
    for data in (f"pay:contract:{intake_id}:17", f"pay:statement:{intake_id}:1001", f"pay:keep_credit:{intake_id}"):
        await deliver(app, updates.button_press(AGENT_USER, card, data))

    assert [(a.kind, a.intake_id, a.value, a.reason) for a in core.actions] == [
        (StaffActionKind.CONTRACT, intake_id, "#17", None),
        (StaffActionKind.STATEMENT, intake_id, None, None),
        (StaffActionKind.KEEP_CREDIT, intake_id, None, None),
    ]
