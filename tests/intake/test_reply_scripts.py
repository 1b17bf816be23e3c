"""Every reply script renders in Spanish with its values filled in, and operators can override any of them."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2 import UndefinedError

from bot.config import Settings
from bot.intake.cards import id_label
from bot.intake.replies import CUSTOMER_TEMPLATES, STAFF_TEMPLATES, Replies
from currency.money import Money

SAMPLE: dict[str, Any] = {
    "customer_name": "María",
    "agent_name": "Andrea",
    "company_name": "Wolk Software",
    "payee_name": "Wolk Software S.A.",
    "payee_phone": "88887777",
    "client_id": "1001",
    "amount_paid": Money(Decimal("20000.00"), "CRC"),
    "amount_due": Money(Decimal("28250.00"), "CRC"),
    "difference": Money(Decimal("8250.00"), "CRC"),
    "credit": None,
    "rate_text": "tipo de cambio de venta ₡509,85 del 27/11/2026",
    "receipt_date": "2026-09-01",
    "reference": "2026112715183010967758882",
    "payee_seen": "Ferretería El Roble",
    "reason": "el monto no coincide con la factura",
    "detail": "",
    "grace_days": 3,
    "new_end_date": date(2026, 11, 30),
    "old_end_date": date(2026, 11, 27),
    "intake_id": 42,
    "channel_label": "WhatsApp",
    "sender": "+50688112233",
    "sender_name": "María José",
    "note": "Devuelto por contabilidad: falta la factura",
    "customer_text": "Ha recibido 28.250,00 colones por BN SINPE MOVIL",
    "customer_label": "María José Vargas Solano · ID 1001",
    "contract_label": "WOLK-1001 · ₡25 000,00 mensual",
    "fields": [{"label": "Monto", "value": "₡20 000,00", "confidence": 97}],
    "checks": [{"icon": "❌", "label": "Monto", "reason": "Pago incompleto"}],
    "due_lines": [("Monto del contrato", "US$45,00"), ("Total a pagar", "₡25 920,77")],
    "proposed_reply": "¡Hola María! ...",
    "text_commands": True,
    "commands": ["APROBAR 42", "CORREGIR 42 monto 25000"],
    "approved_by": "Laura Mora",
    "bank": "BCR",
    "expired": True,
    "actor": "Laura Mora",
    "text": "¿Me confirman cuando lo apliquen?",
    "what": "la tarjeta de revisión",
    "recipient": "+50670000001",
    "attempts": 3,
    "error": "Twilio 400 (21211): invalid number",
    "rerouted": "Telegram",
    "customer": False,
    "waiting_on": "soporte",
    "amount": Money(Decimal("28250.00"), "CRC"),
    "days_late": 7,
    "oldest_due": date(2026, 11, 20),
    "until": date(2026, 11, 30),
    "blocked": True,
    "automatic": False,
    "webhook": True,
    "event": "customer.blocked",
    "charge_label": "Cuota 1 · WOLK-1001 (vence 01/12/2026)",
    "granted_by": "Laura Mora",
    "starts_on": date(2026, 11, 27),
    "count": 1,
    "grace_max": 1,
    "task_id": 7,
    "assignee": "Carlos Cobros",
    "phones": "+50688112233",
    "created_by": "Laura Mora",
    "close_hint": "TAREA 7 <resultado>",
    "new_due": date(2027, 1, 1),
    "opens": "08:00",
    "closes": "19:00",
    "next_open": datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("America/Costa_Rica")),
    "in_days": 2,
    "closed_weekdays": [6],
    "holidays": True,
    "case_id": 7,
    "case_url": "https://pagos.example.com/portal/casos/7",
    "decision": "se mantiene la prórroga hasta aplicar el pago",
    "result": "Comprobante #42 aprobado y enviado a contabilidad.",
    "id_label": "ID WOLK 1001",
    "settled": ["Cuota 1 · WOLK-1012", "Cuota 2 · WOLK-1012"],
    "remaining": Money(Decimal("19550.00"), "CRC"),
    "refund": False,
    "refunded": None,
    "today": date(2026, 11, 27),
    "charges": [{"description": "Mensualidad dic. 2026 · WOLK-1002", "amount": Money(Decimal("50.85"), "USD"),
                 "told": Money(Decimal("25925.87"), "CRC"), "due_date": date(2026, 12, 15), "overdue": False}],
    "owed": [Money(Decimal("50.85"), "USD")],
    "total": Money(Decimal("25925.87"), "CRC"),
    "credits": [],
    "balances": [Money(Decimal("50.85"), "USD")],
    "answered": "Respondido por el bot: se le dio su saldo: US$50,85.",
    "account_lines": ["Saldo anterior: ₡39 550,00", "Este pago: ₡20 000,00", "Saldo nuevo: ₡19 550,00"],
    "invoice_number": "FE-00100001-0042",
    "invoice_url": "https://erp.example.cr/facturas/42.pdf",
    "invoice_attached": False,
    "bank_seen": "🏦 Visto en el banco: ₡20 000,00 el 27/11/2026 (BCR)",
    "payment_id": 17,
    "day": date(2026, 11, 27),
    "more": 0,
    "rows": [{"payment_id": 17, "client_id": "1001", "customer_name": "María José Vargas Solano",
              "amount": Money(Decimal("20000.00"), "CRC"), "applied_on": date(2026, 11, 27),
              "state": "pagado sin sincronizar", "error": "el ERP respondió 503"}],
    "totals": [{"currency": "CRC", "count": 1, "amount": Decimal("20000.00")}],
}


@pytest.mark.parametrize("name", CUSTOMER_TEMPLATES + STAFF_TEMPLATES)
def test_every_script_renders_with_no_empty_placeholder(name: str) -> None:
    text = Replies().render(name, SAMPLE)
    assert text.strip()
    assert "None" not in text and "{{" not in text and "{%" not in text
    assert not re.search(r"\s[,.:]\s*$", text, re.MULTILINE), text
    assert "  " not in text.replace("\n  ", "\n"), text


def test_amounts_are_written_the_costa_rican_way() -> None:
    text = Replies().render("short_payment", SAMPLE).replace("\u00a0", " ")
    assert "₡20 000,00" in text and "₡8 250,00" in text
    usd = Replies().render("applied", {**SAMPLE, "amount_paid": Money(Decimal("45"), "USD")})
    assert "US$45,00" in usd


def test_a_missing_value_is_an_error_not_a_blank() -> None:
    context = dict(SAMPLE)
    del context["difference"]
    with pytest.raises(UndefinedError):
        Replies().render("short_payment", context)


def test_operator_folder_overrides_one_script_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "applied.j2").write_text("¡Pago aplicado, {{ customer_name }}! Gracias.", encoding="utf-8")
    replies = Replies(tmp_path)
    assert replies.render("applied", SAMPLE) == "¡Pago aplicado, María! Gracias."
    assert "Te confirmamos el recibido del pago" in replies.render("received", SAMPLE)


def test_seed_scripts_keep_their_meaning() -> None:
    replies = Replies()
    assert "agregar en el MOTIVO del pago: *ID WOLK 1001*" in replies.render("received_missing_id", SAMPLE)
    paid_up = {**SAMPLE, "remaining": None}
    assert "En el detalle indica siempre tu *ID WOLK 1001*" in replies.render("applied_missing_id", paid_up)
    assert "espera de la activación" in replies.render("contract_expired", SAMPLE)


def test_script_3_says_the_system_is_active_only_when_nothing_is_left_to_pay() -> None:
    replies = Replies()
    paid_up = replies.render("applied", {**SAMPLE, "remaining": None})
    assert "por ende, el sistema está activo" in paid_up and "falta" not in paid_up
    for name in ("applied", "applied_missing_id"):
        short = replies.render(name, SAMPLE).replace("\u00a0", " ")
        assert "sistema está activo" not in short
        assert "ya se encuentra aplicado" in short and "falta cancelar *₡19 550,00*" in short


def test_an_expired_contract_paid_short_is_told_both() -> None:
    text = Replies().render("contract_expired", SAMPLE).replace("\u00a0", " ")
    assert "espera de la activación" in text and "diferencia pendiente de *₡8 250,00*" in text
    assert "diferencia" not in Replies().render("contract_expired", {**SAMPLE, "difference": None})


def test_a_payment_of_several_cuotas_names_each_one_and_a_credit_is_told() -> None:
    text = Replies().render("received", {**SAMPLE, "credit": Money(Decimal("500.00"), "CRC")})
    assert "Cuota 1 · WOLK-1012, Cuota 2 · WOLK-1012" in text
    assert "saldo a favor de ₡500,00, que usaremos en tu próximo cobro" in text.replace("\u00a0", " ")
    refund = Replies().render("received", {**SAMPLE, "credit": Money(Decimal("500.00"), "CRC"), "refund": True})
    assert "te lo devolveremos" in refund and "próximo cobro" not in refund


def test_the_company_word_in_the_id_label_comes_from_the_settings(settings: Settings) -> None:
    assert id_label(settings, "1001") == "ID WOLK 1001"
    assert id_label(settings.model_copy(update={"company_name": "Acme Corp"}), "7") == "ID ACME 7"
