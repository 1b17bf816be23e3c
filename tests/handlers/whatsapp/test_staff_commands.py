"""Staff type short Spanish commands; the grammar reads them however they are capitalised or accented."""

from __future__ import annotations

import pytest

from bot.handlers.staff_commands import (
    CommandError,
    HelpRequest,
    StaffCommand,
    command_for_button,
    parse_staff_command,
)
from bot.intake.messages import StaffActionKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("APLICADO 123", StaffCommand(StaffActionKind.APPLY, 123)),
        ("aplicado #123", StaffCommand(StaffActionKind.APPLY, 123)),
        ("  Aprobar 7 ", StaffCommand(StaffActionKind.APPROVE, 7)),
        ("PRORROGA 9", StaffCommand(StaffActionKind.GRACE, 9)),
        ("Prórroga 9", StaffCommand(StaffActionKind.GRACE, 9)),
        ("RECHAZAR 5 fuera de plazo", StaffCommand(StaffActionKind.REJECT, 5, reason="too_old")),
        ("rechazar 5 No es a la Empresa", StaffCommand(StaffActionKind.REJECT, 5, reason="not_company")),
        ("RECHAZAR 5 duplicado.", StaffCommand(StaffActionKind.REJECT, 5, reason="duplicate")),
        ("RECHAZAR 5 ILEGIBLE", StaffCommand(StaffActionKind.REJECT, 5, reason="unreadable")),
        (
            "RECHAZAR 5 el cliente mandó la foto de otra persona",
            StaffCommand(StaffActionKind.REJECT, 5, reason="el cliente mandó la foto de otra persona"),
        ),
        (
            "CORREGIR 123 monto 25000",
            StaffCommand(StaffActionKind.CORRECT, 123, field="amount", value="25000"),
        ),
        (
            "corregir 123 Fecha 03/02/2025",
            StaffCommand(StaffActionKind.CORRECT, 123, field="date", value="03/02/2025"),
        ),
        ("CORREGIR 4 id 1187", StaffCommand(StaffActionKind.CORRECT, 4, field="client_id", value="1187")),
        (
            "CORREGIR 4 pagador Ana María Solís",
            StaffCommand(StaffActionKind.CORRECT, 4, field="payer_name", value="Ana María Solís"),
        ),
        (
            "CORREGIR 4 beneficiario Wolk Software S.A.",
            StaffCommand(StaffActionKind.CORRECT, 4, field="payee_name", value="Wolk Software S.A."),
        ),
        ("CORREGIR 4 banco BCR", StaffCommand(StaffActionKind.CORRECT, 4, field="bank", value="BCR")),
        (
            "CORREGIR 4 referencia 2025020312345",
            StaffCommand(StaffActionKind.CORRECT, 4, field="reference", value="2025020312345"),
        ),
        (
            "DEVOLVER 88 el monto no calza con el estado de cuenta",
            StaffCommand(StaffActionKind.FLAG, 88, reason="el monto no calza con el estado de cuenta"),
        ),
        ("CONTRATO 12 WOLK-1012", StaffCommand(StaffActionKind.CONTRACT, 12, value="WOLK-1012")),
        ("contrato #12 wolk-1012 2", StaffCommand(StaffActionKind.CONTRACT, 12, value="wolk-1012 2")),
        ("ESTADO 1001", StaffCommand(StaffActionKind.STATEMENT, 0, value="1001")),
        ("estado ID WOLK 1001", StaffCommand(StaffActionKind.STATEMENT, 0, value="1001")),
        ("AFAVOR 31", StaffCommand(StaffActionKind.KEEP_CREDIT, 31)),
        ("Crédito 31", StaffCommand(StaffActionKind.KEEP_CREDIT, 31)),
        ("REEMBOLSAR 31", StaffCommand(StaffActionKind.REFUND, 31)),
        ("RECORDAR 1001", StaffCommand(StaffActionKind.REMIND, 0, value="1001")),
        ("Recordar #1001 estado", StaffCommand(StaffActionKind.REMIND, 0, value="1001", reason="estado")),
        ("ETIQUETA 1001 llamar lunes", StaffCommand(StaffActionKind.TAG, 0, value="1001", reason="llamar lunes")),
        ("quitar-etiqueta 1001 llamar", StaffCommand(StaffActionKind.UNTAG, 0, value="1001", reason="llamar")),
        ("BLOQUEAR 1001 no paga desde agosto",
         StaffCommand(StaffActionKind.BLOCK, 0, value="1001", reason="no paga desde agosto")),
        ("Desbloquear 1001 pagó en efectivo",
         StaffCommand(StaffActionKind.UNBLOCK, 0, value="1001", reason="pagó en efectivo")),
        ("DEVUELTO 57 transferencia rebotada",
         StaffCommand(StaffActionKind.RETURNED, 57, reason="transferencia rebotada")),
        ("TAREA 4 promete pagar el viernes",
         StaffCommand(StaffActionKind.TASK_DONE, 4, reason="promete pagar el viernes")),
    ],
)
def test_staff_commands_are_read_whatever_the_case_or_accents(text: str, expected: StaffCommand) -> None:
    assert parse_staff_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hola, buenas tardes, adjunto el comprobante",
        "Ya pagué, ID 1187",
        "",
        None,
        "   ",
        "Ayuda con mi factura por favor",
        "aprobado por el banco, adjunto comprobante",
    ],
)
def test_a_customers_ordinary_message_is_not_a_command(text: str | None) -> None:
    result = parse_staff_command(text)
    assert result is None or isinstance(result, CommandError)
    if text and text.startswith("Hola"):
        assert result is None


def test_help_lists_every_command_in_spanish_by_topic_each_in_one_whatsapp_message() -> None:
    index = parse_staff_command("AYUDA")
    assert isinstance(index, HelpRequest)
    assert "APROBAR 123" in index.text and "AYUDA PAGOS" in index.text and "AYUDA COBRO" in index.text
    topics = [parse_staff_command(f"ayuda {topic}") for topic in ("comprobantes", "Pagos", "COBRO")]
    assert all(isinstance(topic, HelpRequest) for topic in topics)
    texts = [topic.text for topic in topics if isinstance(topic, HelpRequest)]
    everything = "\n".join(texts)
    for word in ("APROBAR", "RECHAZAR", "CORREGIR", "PRÓRROGA", "APLICADO", "DEVOLVER", "CONTRATO 123",
                 "ESTADO 1001", "AFAVOR 123", "REEMBOLSAR 123", "RECORDAR 1001", "ETIQUETA 1001 etiqueta",
                 "QUITAR-ETIQUETA 1001", "BLOQUEAR 1001 motivo", "DESBLOQUEAR 1001", "DEVUELTO 123 motivo",
                 "TAREA 123 resultado", "SINCRONIZAR 123", "CERRAR 123"):
        assert sum(word in text for text in texts) == 1, word
    for kind in StaffActionKind:
        assert kind.command in everything
    assert all(len(text) <= 1600 for text in [index.text, *texts])


def test_help_for_an_unknown_topic_gives_the_index_and_a_sentence_is_not_a_command() -> None:
    index = parse_staff_command("AYUDA")
    assert isinstance(index, HelpRequest)
    unknown = parse_staff_command("ayuda facturas")
    assert isinstance(unknown, HelpRequest) and unknown.text == index.text
    assert parse_staff_command("Ayuda por favor con mi pago") is None


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("APLICADO", "APLICADO <número>"),
        ("APLICADO abc", "APLICADO <número>"),
        ("APROBAR 12 ya", "APROBAR <número>"),
        ("RECHAZAR 12", "RECHAZAR <número> <motivo>"),
        ("DEVOLVER 12", "DEVOLVER <número> <motivo>"),
        ("CORREGIR 12 monto", "CORREGIR <número> <campo> <valor>"),
        ("CORREGIR 12 color azul", "Campos: monto, fecha, referencia"),
        ("CONTRATO 12", "CONTRATO <número> <código de pago> [cuota]"),
        ("ESTADO", "ESTADO <ID cliente>"),
        ("ESTADO de cuenta", "ESTADO <ID cliente>"),
        ("AFAVOR 12 ya", "AFAVOR <número>"),
        ("RECORDAR", "RECORDAR <ID cliente> [vencido|por-vencer|estado]"),
        ("ETIQUETA 1001", "ETIQUETA <ID cliente> <etiqueta>"),
        ("BLOQUEAR maría", "BLOQUEAR <ID cliente> <motivo>"),
        ("DEVUELTO 57", "DEVUELTO <pago> <motivo>"),
        ("TAREA 4", "TAREA <tarea> <resultado>"),
    ],
)
def test_a_malformed_command_gets_a_spanish_usage_line(text: str, usage: str) -> None:
    result = parse_staff_command(text)
    assert isinstance(result, CommandError)
    assert usage in result.usage


@pytest.mark.parametrize(
    ("data", "command"),
    [
        ("pay:approve:42", "APROBAR 42"),
        ("pay:apply:42", "APLICADO 42"),
        ("pay:grace:42", "PRÓRROGA 42"),
        ("pay:reject:42:too_old", "RECHAZAR 42 fuera de plazo"),
        ("pay:reject:42", "RECHAZAR 42 <motivo>"),
        ("pay:correct:42", "CORREGIR 42 <campo> <valor>"),
        ("pay:flag:42", "DEVOLVER 42 <motivo>"),
        ("pay:contract:42:17", "CONTRATO 42 #17"),
        ("pay:statement:42:1001", "ESTADO 1001"),
        ("pay:statement:42", None),
        ("pay:keep_credit:42", "AFAVOR 42"),
        ("pay:refund:42", "REEMBOLSAR 42"),
        ("pay:remind:42:1001", "RECORDAR 1001"),
        ("pay:remind:0:1001", "RECORDAR 1001"),
        ("pay:block:0:1001", "BLOQUEAR 1001 <motivo>"),
        ("pay:tag:0:1001", "ETIQUETA 1001 <etiqueta>"),
        ("pay:task_done:5", "TAREA 5 <resultado>"),
        ("pay:returned:0:57", "DEVUELTO 57 <motivo>"),
        ("other:approve:42", None),
        ("pay:approve:x", None),
    ],
)
def test_each_card_button_has_a_text_command_that_does_the_same(data: str, command: str | None) -> None:
    assert command_for_button(data) == command


@pytest.mark.parametrize("data", ["pay:reject:42:too_old", "pay:reject:42:duplicate", "pay:apply:42",
                                  "pay:refund:42", "pay:keep_credit:42"])
def test_a_button_hint_parses_back_to_the_same_action(data: str) -> None:
    hint = command_for_button(data)
    parsed = parse_staff_command(hint)
    assert isinstance(parsed, StaffCommand)
    assert parsed.intake_id == 42
    assert parsed.kind.value == data.split(":")[1]
    if len(data.split(":")) > 3:
        assert parsed.reason == data.split(":")[3]
