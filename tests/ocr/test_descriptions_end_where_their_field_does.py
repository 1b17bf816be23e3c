"""Stories for how far a labelled description runs on a card or ticket: over its wrapped lines, up to the next
field's label (`CODIGO DE RASTREO:`, `REF. :`) or a printed border, never into them; a thermal ticket's leader
read as odd words between the label and its value; and the other account's bank on its own row. Story images
invented for these stories (tests/ocr/sketch.py), read by real Tesseract."""

from __future__ import annotations

from bot.ocr import read_receipt
from bot.ocr.engine import Word
from bot.ocr.gaps import without_leaders
from bot.ocr.prose import read_notification
from tests.ocr.sketch import Text, label_above, sketch


def test_a_description_never_takes_the_other_columns_label_and_a_company_keeps_its_dot() -> None:
    rows = [("Fecha de transferencia:", "27.11.2026, 18:19 hrs", "MONTO SINPE MOVIL:", "₡281,50"),
            ("Ordenante:", "Carlos Chaves Rodríguez", "CUENTA DEBITADA:", "CR** **** **** 1002"),
            ("Nombre destino:", "Servicios Técnicos Herrera Ltda.", "Celular destino:", "7886-7534"),
            ("Detalle de la transacción:", "Transferencia", "Comp.:", "20261127437527618319")]
    pieces = [Text(40, 30, "Transferencia exitosa", 36, bold=True)]
    for k, (left, left_value, right, right_value) in enumerate(rows):
        y = 120 + 100 * k
        pieces += [Text(40, y, left, 26, grey=True), Text(560, y, right, 26, grey=True),
                   Text(40, y + 36, left_value, 30), Text(560, y + 36, right_value, 30)]
    fields = read_receipt(sketch(pieces))
    assert fields.description != "Comp."
    assert fields.payee_name == "Servicios Técnicos Herrera Ltda."
    assert fields.payer_name == "Carlos Chaves Rodríguez"


def test_a_description_in_running_text_stops_at_the_next_label_even_one_the_vocabulary_half_knows() -> None:
    said = read_notification("MOTIVO : Mensualidad abril ID 99783 CODIGO DE RASTREO: 2026040723751158632572039 "
                             "*** COPIA CLIENTE ***")
    assert said.description == "Mensualidad abril ID 99783"
    assert read_notification("MOTIVO : Abono ID 17059 REF. : 20260916633598631009").description == "Abono ID 17059"


def test_a_wrapped_description_is_read_whole_up_to_the_next_label() -> None:
    cards = label_above([("Monto", "₡15.500,00"), ("Concepto", "Pago de mensualidad de servicios")],
                        title="Transferencia exitosa")
    fields = read_receipt(sketch([
        *cards,
        Text(60, 140 + 110 + 36 + 46, "profesionales de marzo ID 4471", 36),
        Text(60, 140 + 110 + 36 + 120, "Referencia", 26, grey=True),
        Text(60, 140 + 110 + 36 + 156, "20260312000123456789", 36),
    ]))
    assert fields.description == "Pago de mensualidad de servicios profesionales de marzo ID 4471"
    assert (fields.client_id, fields.reference) == ("4471", "20260312000123456789")


def _word(text: str, left: int, conf: float, height: int = 30, top: int = 300) -> Word:
    return Word(text, conf, left, top, 12 * len(text), height, (2, 1, 1))


def test_a_leader_read_as_odd_words_between_label_and_value_goes() -> None:
    # As Tesseract read a thermal ticket's row `MONTO......... CRC14.188,13`: boxes two lines tall or as low as
    # dots, letters without ascenders, little confidence.
    words = [_word("MONTO.", 24, 42), _word("«050", 179, 18.7, 49, 296), _word("1", 255, 44.7, 6, 324),
             _word("050", 281, 53.1, 49, 296), _word("soso", 330, 32.2, 49, 296), _word("eroze", 405, 0.0, 49, 296),
             _word("aos", 553, 24.1, 6, 324), _word("sena", 779, 7.7, 49, 296), _word("a", 865, 38.0, 6, 324),
             _word("CRC14.", 965, 64.1), _word("188,", 1117, 90.5, 36), _word("13", 1216, 90.5)]
    assert [w.text for w in without_leaders(words)] == ["MONTO:", "CRC14.", "188,", "13"]


def test_odd_looking_words_of_a_real_value_stay() -> None:
    words = [_word("Motivo:", 24, 95), _word("Pago", 150, 96), _word("casa", 260, 40), _word("mes", 360, 41),
             _word("abril", 460, 95)]
    assert [w.text for w in without_leaders(words)] == ["Motivo:", "Pago", "casa", "mes", "abril"]


def test_the_other_accounts_bank_on_its_own_row_is_not_the_issuer() -> None:
    rows = [("Monto", "₡3.893,00"), ("Beneficiario", "Servicios Médicos Aurora S.A."),
            ("ENTIDAD RECEPTORA", "Coopenae"), ("Voucher", "21191072101323")]
    fields = read_receipt(sketch(label_above(rows, title="Coopeservidores")))
    assert fields.bank == "Coopeservidores"
    unnamed = read_receipt(sketch(label_above(rows, title="Comprobante de transferencia")))
    assert unnamed.bank is None or unnamed.confidence["bank"] < 0.9


def test_a_labelled_description_keeps_its_abbreviations() -> None:
    fields = read_receipt(sketch(label_above([
        ("Monto", "₡12.500,00"), ("Concepto", "Fact. No. 1070 ID 77470"), ("Fecha", "14/10/2026"),
    ], title="Pago realizado")))
    assert (fields.description, fields.client_id) == ("Fact. No. 1070 ID 77470", "77470")


def test_a_company_name_wrapped_before_its_legal_form_keeps_it() -> None:
    rows = [(160, "Monto: ₡575,50"), (241, "Nombre destino: Comercializadora del Valle"), (301, "S.R.L."),
            (382, "Notas: SINPE ID 21920"), (463, "Referencias: 67396017152824")]
    fields = read_receipt(sketch([Text(22, 40, "¡Listo!", 40, bold=True)] + [Text(22, y, row, 30) for y, row in rows]))
    assert fields.payee_name == "Comercializadora del Valle S.R.L."
    assert (fields.description, fields.client_id) == ("SINPE ID 21920", "21920")


def test_a_running_description_stops_before_a_label_that_swallows_no_value() -> None:
    assert read_notification("MOTIVO Pago NUMERO DE COMPROBANTE : 2026053022043789864650451").description is None
    assert read_notification("Motivo: Pago NUMERO DE COMPROBANTE : 2026053022043789864650451").description == "Pago"
    said = read_notification("Motivo: Fact. No. 1000 ID 27500 IDENTIFICADOR DE LA TRANSACCION: 2026101400011")
    assert said.description == "Fact. No. 1000 ID 27500"
