"""Stories for the layout of vouchers and till tickets: a voucher printed in two columns is read one column at a time
(Tesseract puts a line of each column into one row), a ticket's colon printed far from its label and read as a stray
letter is the colon, an IBAN cut by the line's end is no part of the holder's name, a blot read as a word does not
join two lines; on story images and generated tuned receipts, read by real Tesseract."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from bot.ocr import read_receipt
from bot.ocr.amounts import Value, reading_without_sign
from bot.ocr.columns import split_columns
from bot.ocr.labels import vocabulary
from bot.ocr.rows import Row, Token
from bot.ocr.values import strip_accounts
from tests.ocr.generator import generate
from tests.ocr.sketch import Text, sketch


def _voucher(left: list[tuple[str, list[str]]], right: list[tuple[str, list[str]]], *, shift: int = 0) -> bytes:
    """Two columns of bold labels, each with its value after it on its line or under it (indented), the right
    column starting `shift` pixels lower."""
    pieces = [Text(70, 40, "Banco Lafise", 44, bold=True), Text(520, 150, "Constancia de pago", 40, bold=True)]
    for x, column, y in ((70, left, 260), (760, right, 260 + shift)):
        for label, values in column:
            pieces.append(Text(x, y, label, 28, bold=True))
            if len(values) == 1 and len(label) + len(values[0]) < 34:
                pieces.append(Text(x + 18 * len(label) + 24, y, values[0], 29))
                y += 70
                continue
            for value in values:
                y += 48
                pieces.append(Text(x + 36, y, value, 29))
            y += 70
    pieces.append(Text(70, 900, "Conserve este documento para cualquier consulta o reclamo.", 22))
    return sketch(pieces, width=1400)


def test_a_voucher_in_two_columns_gives_each_name_the_label_of_its_own_column() -> None:
    left = [("Monto de la transacción", ["37 962 CRC"]), ("Nombre del cliente destino", ["ACADEMIA MUSICAL ALLEGRO",
             "CR27 0817 4129 2412 1724 06"]), ("Voucher", ["2026060149639555918286033"])]
    right = [("Fecha", ["01/06/2026"]), ("Nombre del cliente origen", ["RODOLFO RAMIREZ ARAYA", "CR** **** **** 4657"]),
             ("Descripción del pago:", ["ID WOLK 43713"])]
    fields = read_receipt(_voucher(left, right, shift=-20))
    assert fields.payee_name == "ACADEMIA MUSICAL ALLEGRO"
    assert fields.payer_name == "RODOLFO RAMIREZ ARAYA"
    assert (fields.amount, fields.date) == (Decimal("37962.00"), date(2026, 6, 1))
    assert fields.reference == "2026060149639555918286033"
    assert fields.description == "ID WOLK 43713"


def test_a_stacked_voucher_keeps_each_value_under_its_own_label_not_beside_the_other_columns_label() -> None:
    generated = generate(40331, part="tuned")
    assert generated.family == "w-voucher"
    fields = read_receipt(generated.data)
    assert fields.payee_name == "Servicios Médicos Aurora S.A."
    assert fields.payer_name == "JOHNNY CUBERO ALFARO"
    assert fields.description == "Transferencia"


def test_a_stacked_voucher_whose_columns_drift_apart_keeps_each_value_under_its_own_label() -> None:
    generated = generate(40077, part="tuned")
    assert generated.family == "w-voucher"
    fields = read_receipt(generated.data)
    assert (fields.amount, fields.currency) == (Decimal("809040.00"), "CRC")
    # A photo: its pale grey `Asociado` label may be misread (the payer then goes unread), but no column's value is
    # ever taken for the other column's label.
    assert fields.payer_name in (None, "María Fernanda Murillo Castro")
    assert fields.payee_name == "Comercializadora del Valle S.R.L."


def _table(lines: list[tuple[str, str]]) -> list[Row]:
    """Rows of a label at the left and its value at x=600, as words with boxes."""
    return [Row((Token(label, 0.95, (60, 100 + 60 * k, 60 + 18 * len(label), 130 + 60 * k)),
                 Token(value, 0.95, (600, 100 + 60 * k, 600 + 18 * len(value), 130 + 60 * k))))
            for k, (label, value) in enumerate(lines)]


def test_a_table_of_labels_and_values_is_not_cut_into_columns_however_its_values_read() -> None:
    rows = _table([("Detalle", "Transferencia SINPE"), ("Tipo de cuenta", "Cuenta corriente"), ("Canal", "SINPE Móvil"),
                   ("Concepto", "Descripción del servicio"), ("Monto", "₡12.500,00")])
    assert split_columns(rows, vocabulary(None)) == rows


def test_a_ticket_whose_colon_stands_far_from_its_label_and_reads_as_a_letter_still_gives_the_holder() -> None:
    generated = generate(40495, part="tuned")
    assert generated.family == "w-thermal"
    assert read_receipt(generated.data).payer_name == "JOSE MARIA CESPEDES MONTERO"


def test_a_ticket_whose_underscore_leader_ends_in_a_colon_gives_the_payee_after_it() -> None:
    generated = generate(40781, part="tuned")
    assert generated.family == "w-thermal"
    assert read_receipt(generated.data).payee_name == "NATALIA PICADO"


def test_a_ticket_whose_dot_leader_reads_as_a_tall_blot_gives_the_description_after_it_and_the_cut_iban_is_no_name(
) -> None:
    generated = generate(40668, part="tuned")
    assert generated.family == "w-thermal"
    fields = read_receipt(generated.data)
    assert fields.description == "cuota mensual"
    assert fields.payer_name == "LUIS DIEGO SANCHEZ RAMIREZ"


def test_a_currency_sign_printed_after_the_digits_it_belongs_to_is_never_cropped_backwards() -> None:
    sign = Token("₡", 0.9, (400, 100, 420, 130))
    digits = Token("85.103,50", 0.9, (60, 140, 220, 170))
    asked: list[int | None] = []

    def recheck(tokens: Sequence[Token], left: int | None = None) -> list[Token] | None:
        asked.append(left)
        return None

    assert reading_without_sign(Value("₡ 85.103,50", 0.9, (sign, digits)), recheck) is None
    assert asked == []


def test_an_iban_cut_at_the_end_of_the_line_leaves_only_the_name_before_it() -> None:
    assert strip_accounts("LUIS DIEGO SANCHEZ RAMIREZ - CR24 0152 3440") == "LUIS DIEGO SANCHEZ RAMIREZ -"
    assert strip_accounts("CR24 Ana Mora") == "CR24 Ana Mora"


def test_a_blot_beside_a_paragraph_does_not_join_its_lines_into_one_and_the_description_ends_where_it_does() -> None:
    generated = generate(40018, part="tuned")
    assert generated.family == "w-voucher"
    assert read_receipt(generated.data).description == "Mensualidad marzo ID 42783"


def _inline_card(rows: list[tuple[str, str]]) -> bytes:
    """Bold labels, each with its value after it on its line, a little apart, no colon."""
    pieces = [Text(60, 40, "Comprobante de transferencia", 40, bold=True)]
    for k, (label, value) in enumerate(rows):
        y = 150 + 70 * k
        pieces += [Text(60, y, label, 30, bold=True), Text(80 + 18 * len(label), y, value, 30)]
    return sketch(pieces, width=1100)


def test_holder_labels_without_a_colon_or_in_the_plural_followed_by_the_name_on_their_line_give_the_holders() -> None:
    fields = read_receipt(_inline_card([("Fecha", "03/02/2026"), ("Remitentes", "Sofía Montero Gamboa"),
                                        ("Monto", "₡2 706,00"), ("Beneficiarios", "Luis Diego Vega Leiva"),
                                        ("Documento", "57414011390618")]))
    assert (fields.payer_name, fields.payee_name) == ("Sofía Montero Gamboa", "Luis Diego Vega Leiva")
    assert fields.confidence["payer_name"] < 0.9 and fields.confidence["payee_name"] < 0.9


def test_a_name_that_wraps_to_the_next_line_after_its_account_is_read_whole() -> None:
    pieces = [Text(60, 40, "Constancia de pago", 40, bold=True),
              Text(60, 150, "Nombre del cliente origen:", 26, bold=True),
              Text(60, 196, "CR41 0152 7647 5756 8781 75 José", 30), Text(60, 242, "Segura Mora", 30),
              Text(60, 320, "Nombre del cliente destino:", 26, bold=True), Text(60, 366, "Wolk Software S.A.", 30),
              Text(60, 444, "Monto:", 26, bold=True), Text(60, 490, "$ 4,753.00", 30)]
    fields = read_receipt(sketch(pieces, width=900))
    assert fields.payer_name == "José Segura Mora"
    assert fields.payee_name == "Wolk Software S.A."
