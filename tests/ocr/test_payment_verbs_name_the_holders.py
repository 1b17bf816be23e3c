"""Stories for wordings the vocabulary does not list but whose grammar says who is who: a label built on a payment
verb (`Pagado a`, `Recibido por`, `Quién paga`), and a letter or notification that says it in a sentence
(`el cliente X transfirió ...`, `a nombre de X`, `por concepto de ...`, `Pagaste ₡...`). Story images invented for
these stories, read by real Tesseract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.ocr import read_receipt, read_text
from bot.ocr.labels import side_of_verb, vocabulary
from tests.ocr.generator import notification_image
from tests.ocr.sketch import Text, label_above, sketch


def test_labels_on_payment_verbs_say_which_holder_they_name() -> None:
    vocab = vocabulary(None)
    kinds = {text: vocab.is_label_text(text) for text in
             ("Quién paga", "Pagado a", "Recibido por", "Recibido de", "Transferido a", "Cobrado por", "Pagaste",
              "Forma de pago", "Transferencias", "Pagos", "Cuenta a acreditar")}
    assert {text: match.kind if match else None for text, match in kinds.items()} == {
        "Quién paga": "payer_name", "Pagado a": "payee_name", "Recibido por": "payee_name",
        "Recibido de": "payer_name", "Transferido a": "payee_name", "Cobrado por": "payee_name", "Pagaste": None,
        "Forma de pago": None, "Transferencias": None, "Pagos": None, "Cuenta a acreditar": "payee_account",
    }
    assert side_of_verb(["pago"]) is None and side_of_verb(["envio"]) is None


def test_names_under_labels_the_vocabulary_lacks_are_read_and_never_sure() -> None:
    image = sketch(label_above([
        ("Quién paga", "Rodrigo Salas Vindas"), ("Pagado a", "Wolk Software S.A."),
        ("Suma transferida", "₡48.250,00"), ("Día de la operación", "14/10/2026"),
        ("Concepto del pago", "Mensualidad ID 5521"),
    ], title="Pago realizado"))
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("Rodrigo Salas Vindas", "Wolk Software S.A.")
    assert (fields.amount, fields.date) == (Decimal("48250.00"), date(2026, 10, 14))
    assert max(fields.confidence["payer_name"], fields.confidence["payee_name"]) < 0.9


def test_received_by_is_the_payee_beside_a_right_aligned_value() -> None:
    rows = [("Importe", "₡3.500,00"), ("Enviado por", "Gabriela Mora Castro"), ("Recibido por", "Taller El Buen Amigo"),
            ("Fecha valor", "10/09/2026")]
    image = sketch([Text(60, 40, "Comprobante SINPE", 36, bold=True)] + [
        piece for y, (label, value) in zip(range(130, 900, 64), rows, strict=False)
        for piece in (Text(60, y, label, 28, grey=True), Text(1020, y, value, 30, anchor="ra"))
    ])
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("Gabriela Mora Castro", "Taller El Buen Amigo")


def test_a_letter_says_who_paid_whom_and_why_in_sentences() -> None:
    image = sketch([
        Text(60, 40, "Constancia de transferencia", 36, bold=True),
        Text(60, 130, "Por este medio hacemos constar que el cliente", 28),
        Text(60, 170, "JUAN CARLOS PÉREZ MORA transfirió la suma de", 28),
        Text(60, 210, "₡25.000,00 a la cuenta CR05 0151 0001 2345 6789 01", 28),
        Text(60, 250, "a nombre de WOLK SOFTWARE S.A., el día 27 de", 28),
        Text(60, 290, "noviembre de 2026, por concepto de Pago ID 1234.", 28),
        Text(60, 330, "Número de referencia: 77412098551.", 28),
    ])
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("JUAN CARLOS PÉREZ MORA", "WOLK SOFTWARE S.A.")
    assert (fields.description, fields.client_id) == ("Pago ID 1234", "1234")
    assert (fields.amount, fields.date, fields.reference) == (Decimal("25000.00"), date(2026, 11, 27), "77412098551")


def test_a_name_after_a_nombre_de_is_the_origins_holder_after_desde() -> None:
    fields = read_text("Se debitaron ₡9.000,00 desde la cuenta CR19 0152 0200 1026 2840 66 a nombre de ANA MORA "
                       "SOLIS hacia la cuenta de WOLK SOFTWARE.")
    assert fields.payer_name == "ANA MORA SOLIS"


def test_an_amount_whose_sign_was_misread_after_pagaste_is_read() -> None:
    image = notification_image(
        "Pagaste ₡18.900,00 a Soda La Esquina mediante SINPE Móvil (8888-1234). Motivo: almuerzo. Comprobante: "
        "2026030412345678901234567", bank="Banco Popular", family="push",
    )
    fields = read_receipt(image)
    assert (fields.amount, fields.payee_name, fields.description) == (Decimal("18900.00"), "Soda La Esquina",
                                                                      "almuerzo")
    assert fields.confidence["amount"] < 0.9


def test_a_titular_label_belongs_to_the_account_on_the_row_above() -> None:
    rows = [("Depositante:", "Andrea Zúñiga Calvo"), ("Cuenta a acreditar:", "CR05 0151 0001 2345 6789 01"),
            ("Nombre del titular:", "WOLK SOFTWARE S.A."), ("Total:", "₡ 30.000,00"), ("Fecha:", "20-11-2026"),
            ("Concepto:", "Mensualidad ID 2718")]
    image = sketch([Text(300, 40, "BOLETA DE DEPÓSITO", 34, bold=True)] + [
        piece for y, (label, value) in zip(range(120, 900, 50), rows, strict=False)
        for piece in (Text(60, y, label, 26), Text(330, y, value, 28))
    ])
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("Andrea Zúñiga Calvo", "WOLK SOFTWARE S.A.")
    assert fields.amount == Decimal("30000.00")


def test_a_menu_beside_the_receipt_names_nobody() -> None:
    menu = ["Inicio", "Cuentas", "Transferencias", "Pagos", "Tarjetas", "Salir"]
    rows = [("Cuenta de origen", "CR** **** **** 1234"), ("Titular", "Mauricio Araya León"),
            ("Cuenta destino", "CR05 0151 0001 2345 6789 01"), ("Nombre del destinatario", "Wolk Software S.A."),
            ("Monto", "₡ 44.800,00"), ("Fecha", "18/11/2026 09:12")]
    image = sketch([Text(40, 40, "Mi Banco en Línea", 30, bold=True),
                    Text(400, 120, "Transferencia realizada con éxito", 32, bold=True)]
                   + [Text(40, 130 + 50 * k, item, 26) for k, item in enumerate(menu)]
                   + [piece for y, (label, value) in zip(range(190, 900, 50), rows, strict=False)
                      for piece in (Text(400, y, label, 24, grey=True), Text(1400, y, value, 26, anchor="ra"))],
                   width=1480)
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("Mauricio Araya León", "Wolk Software S.A.")
    assert fields.confidence["payer_name"] < 0.9


@pytest.mark.parametrize(("text", "expected"), [
    ("Transferencia enviada: $ 120.50 a favor de WOLK SOFTWARE S.A. Concepto: licencia ID 42. Fecha 3/12/2026. "
     "Autorización 554433",
     {"payee_name": "WOLK SOFTWARE S.A.", "reference": "554433", "description": "licencia ID 42"}),
    ("Popular: Se realizó una transferencia de su cuenta a la cuenta de ANDRES VEGA CRUZ por ₡ 45.000,00 el "
     "10/10/2026. Detalle: alquiler octubre. Ref 44556677", {"payee_name": "ANDRES VEGA CRUZ", "amount": "45000.00"}),
    ("Scotiabank informa: transferencia por USD 75.00 desde la cuenta de ROBERTO CASTRO a WOLK SOFTWARE. Nota: "
     "soporte ID 9.", {"payer_name": "ROBERTO CASTRO", "payee_name": "WOLK SOFTWARE", "description": "soporte ID 9"}),
    ("Transferencia recibida por un monto de ₡ 1 250 000,00 desde la cuenta de KAREN ARAYA LOPEZ",
     {"payer_name": "KAREN ARAYA LOPEZ", "amount": "1250000.00"}),
    ("MARIA SOLANO ROJAS le ha transferido ₡7.500,00 por SINPE Movil. Concepto: uñas ID 99",
     {"payer_name": "MARIA SOLANO ROJAS", "description": "uñas ID 99"}),
])
def test_pasted_notifications_say_who_paid_whom_in_their_own_words(text: str, expected: dict[str, str]) -> None:
    fields = read_text(text).to_json()
    assert {key: fields[key] for key in expected} == expected
    assert all(fields["confidence"][key] < 0.9 for key in expected if key.endswith("_name"))


@pytest.mark.parametrize(("text", "description"), [
    ('Recibiste ¢ 2.500,00 de parte de ANA LUCIA MORA. Mensaje: "gracias ID 12". 12 de enero de 2026', "gracias ID 12"),
    ('Transferiste ₡5.000,00 a JUAN SOTO con la descripción "pago almuerzo". Ref 12345678', "pago almuerzo"),
    ("Transferencia de ₡5.000,00 a JUAN SOTO MORA, detalle: pago ID 55, ref 99887766", "pago ID 55"),
    ("Envío exitoso de CRC 4,500.00 a Wolk Software. Descripción: Pago ID 4321 Comprobante: 123456789", "Pago ID 4321"),
])
def test_a_description_in_a_sentence_stops_where_its_field_ends(text: str, description: str) -> None:
    assert read_text(text).description == description
