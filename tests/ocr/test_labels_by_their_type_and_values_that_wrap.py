"""Stories for structure before vocabulary: a line printed in the page's label type is a label even when only a
keyword of it is known; a value wrapped over two lines is one value; an amount split by a line break keeps its
thousands; on story images invented for them, read by real Tesseract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.ocr import read_receipt, read_text
from tests.ocr.generator import notification_image
from tests.ocr.sketch import Text, label_above, sketch


def test_a_caption_in_the_labels_small_type_names_its_value_though_half_its_words_are_unknown() -> None:
    rows = [("Monto debitado", "₡ 61.000,00"), ("Persona que envía", "Ignacio Brenes Rojas"),
            ("Persona que recibe", "Soda La Esquina"), ("Fecha de aplicación", "5 de junio de 2026"),
            ("Descripción", "Almuerzos ID 1200")]
    image = sketch([piece for y, (label, value) in zip(range(120, 1200, 120), rows, strict=False)
                    for piece in (Text(60, y, value, 36), Text(60, y + 46, label, 24, grey=True))])
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("Ignacio Brenes Rojas", "Soda La Esquina")
    assert (fields.amount, fields.date, fields.client_id) == (Decimal("61000.00"), date(2026, 6, 5), "1200")
    assert max(fields.confidence["payer_name"], fields.confidence["payee_name"]) < 0.9


def test_a_payee_name_wrapped_under_its_label_is_read_whole() -> None:
    top = 140 + 3 * 110
    rows = label_above([("Monto", "₡150.000,00"), ("Cliente origen", "Hernán Gutiérrez Alvarado"),
                        ("Beneficiario", "SERVICIOS DENTALES")])
    image = sketch([*rows, Text(60, top - 30, "AURORA DEL ESTE S.A.", 36),
                    Text(60, top + 40, "Fecha", 26, grey=True), Text(60, top + 76, "27/11/2026", 36)])
    fields = read_receipt(image)
    assert fields.payee_name == "SERVICIOS DENTALES AURORA DEL ESTE S.A."
    assert fields.payer_name == "Hernán Gutiérrez Alvarado"


def test_an_amount_split_after_its_thousands_mark_keeps_its_thousands_and_is_never_sure() -> None:
    image = notification_image(
        "Davivienda: Se acreditaron 1.245\n000,00 colones en su cuenta de parte de RAFAEL SOTO MENA. Detalle: pago "
        "ID 3003. Ref 55667788990.", bank="Davivienda", family="chat-forward",
    )
    fields = read_receipt(image)
    assert (fields.amount, fields.currency) == (Decimal("1245000.00"), "CRC")
    assert fields.confidence["amount"] < 0.9
    assert fields.payer_name == "RAFAEL SOTO MENA"
    assert (fields.description, fields.reference) == ("pago ID 3003", "55667788990")


def test_pasted_text_with_the_amount_split_the_same_way() -> None:
    fields = read_text("Recibiste 2.350\n500,00 colones por parte de ANA VEGA SOTO. Motivo: cuota.")
    assert fields.amount == Decimal("2350500.00")
    assert fields.payer_name == "ANA VEGA SOTO"


def test_in_two_columns_a_wrapped_name_never_takes_the_line_of_the_other_column() -> None:
    image = sketch([
        Text(60, 40, "Comprobante de pago", 38, bold=True),
        Text(60, 130, "Ordenante", 26, grey=True), Text(60, 166, "Esteban Quirós Mora", 32),
        Text(580, 130, "Beneficiario", 26, grey=True), Text(580, 166, "SERVICIOS DENTALES", 32),
        Text(580, 206, "AURORA S.A.", 32),
        Text(60, 240, "Monto", 26, grey=True), Text(60, 276, "₡ 12 500,00", 32),
        Text(580, 280, "Fecha", 26, grey=True), Text(580, 316, "05/06/2026", 32),
    ])
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("Esteban Quirós Mora", "SERVICIOS DENTALES AURORA S.A.")
    assert (fields.amount, fields.date) == (Decimal("12500.00"), date(2026, 6, 5))


def test_free_words_under_a_label_nobody_knows_are_the_description_never_sure() -> None:
    image = sketch(label_above([("Monto", "₡ 5.000,00"), ("Destinatario", "Wolk Software"),
                                ("Información adicional", "Pago de mensualidad ID 3434"), ("Fecha", "02/02/2026")]))
    fields = read_receipt(image)
    assert (fields.description, fields.client_id) == ("Pago de mensualidad ID 3434", "3434")
    assert fields.confidence["description"] < 0.7
    assert fields.payee_name == "Wolk Software"


def test_a_name_under_a_label_nobody_knows_is_no_description() -> None:
    fields = read_text("Monto: ₡5.000,00\nTitular receptor del pago xyz: Laura Mora Rojas\nFecha: 02/02/2026")
    assert fields.description is None


def test_a_centred_name_wrapped_in_a_slightly_smaller_line_is_not_taken_for_a_label() -> None:
    image = sketch([
        Text(540, 40, "Pago exitoso", 40, bold=True, anchor="ma"),
        Text(540, 140, "Monto", 26, grey=True, anchor="ma"), Text(540, 176, "₡ 9.000,00", 36, anchor="ma"),
        Text(540, 250, "Enviado a", 26, grey=True, anchor="ma"),
        Text(540, 286, "Asociación Deportiva", 36, anchor="ma"),
        Text(540, 330, "Los Angeles de Heredia", 36, anchor="ma"),
        Text(540, 410, "Fecha", 26, grey=True, anchor="ma"), Text(540, 446, "02/11/2026", 36, anchor="ma"),
    ])
    fields = read_receipt(image)
    assert fields.payee_name == "Asociación Deportiva Los Angeles de Heredia"
    assert fields.description is None
