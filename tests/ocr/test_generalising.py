"""Stories for a reader that holds up on layouts and wordings it was never tuned on, and knows when it does not
know: each one a misreading issue 12 saw, on a generated image read by real Tesseract."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from bot.ocr import read_receipt, read_text
from tests.ocr.generator import card_image, notification_image

SINPE_REFERENCE = "2026112715183010967758882"


def test_holder_name_beside_its_iban_is_the_payer_never_the_account() -> None:
    image = card_image([
        ("Fecha", "27/11/2026"),
        ("Monto", "₡25.000,00"),
        ("Cuenta origen", "CR19 0152 0200 1026 2840 66", "María José Vargas Solano"),
        ("Cuenta destino", "CR05 0151 0001 2345 6789 01 Wolk Software S.A."),
        ("Motivo", "Pago ID 1001"),
        ("Referencia", SINPE_REFERENCE),
    ])
    fields = read_receipt(image)
    assert fields.payer_name == "María José Vargas Solano"
    assert fields.payee_name == "Wolk Software S.A."
    assert fields.reference == SINPE_REFERENCE


def test_an_account_alone_under_a_holder_label_gives_no_name() -> None:
    image = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Ordenante", "CR19 0152 0200 1026 2840 66"),
                        ("Referencia", SINPE_REFERENCE)], seed=3)
    fields = read_receipt(image)
    assert fields.payer_name is None
    assert fields.amount == Decimal("9500.00")


def test_notification_amount_split_across_lines_is_one_amount_when_its_groups_fit() -> None:
    image = notification_image(
        f"Ha recibido 244\n570,00 colones por BN SINPE MOVIL de MARIA MORA ROJAS. ID 4417. "
        f"Referencia {SINPE_REFERENCE}."
    )
    fields = read_receipt(image)
    assert (fields.amount, fields.currency) == (Decimal("244570.00"), "CRC")
    assert fields.payer_name == "MARIA MORA ROJAS"
    assert fields.description == "ID 4417" and fields.client_id == "4417"


def test_notification_amount_whose_pieces_do_not_group_is_never_sure() -> None:
    image = notification_image(
        "COOPENAE informa: pago SINPE Movil de 2.139\n533,00 colones a WOLK SOFTWARE S.A., 6 feb 2026. "
        "Motivo: Pago factura. Referencia 815672100039.",
        bank="Coopenae", family="chat-forward",
    )
    fields = read_receipt(image)
    assert fields.confidence["amount"] < 0.9
    assert fields.payee_name == "WOLK SOFTWARE S.A."


def test_description_stops_at_the_end_of_its_sentence() -> None:
    image = notification_image(
        f"Transferencia SINPE Movil a WOLK SOFTWARE S.A. por 15,000.00 CRC. Motivo: ID 44221. Referencia: "
        f"{SINPE_REFERENCE}.",
        bank="BCR", family="email",
    )
    fields = read_receipt(image)
    assert fields.description == "ID 44221"
    assert fields.client_id == "44221"
    assert fields.payee_name == "WOLK SOFTWARE S.A."
    assert fields.reference == SINPE_REFERENCE


def test_value_under_an_unknown_label_is_read_but_trusted_less() -> None:
    known = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Nombre del ordenante", "Ana Rojas Mora"),
                        ("Número de referencia", "748392016452")], family="stacked", seed=5)
    unknown = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Nombre del pagador", "Ana Rojas Mora"),
                          ("Número de seguimiento", "748392016452")], family="stacked", seed=5)
    sure, guessed = read_receipt(known), read_receipt(unknown)
    assert (guessed.payer_name, guessed.reference) == (sure.payer_name, sure.reference) == ("Ana Rojas Mora",
                                                                                              "748392016452")
    assert guessed.confidence["payer_name"] < sure.confidence["payer_name"]
    assert guessed.confidence["reference"] < sure.confidence["reference"]


def test_reference_found_by_its_shape_when_no_label_names_it() -> None:
    image = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Clave", "748392016452")], seed=7)
    fields = read_receipt(image)
    assert fields.reference == "748392016452"
    assert fields.confidence["reference"] < 0.9


def test_destination_bank_row_does_not_name_the_issuer() -> None:
    image = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Entidad destino", "Banco Nacional"),
                        ("Referencia", SINPE_REFERENCE)], bank="Scotiabank", seed=2)
    assert read_receipt(image).bank != "Banco Nacional"


def test_a_title_above_the_first_value_is_not_a_label() -> None:
    image = card_image([("Fecha de la operación", "27/11/2026"), ("Monto", "₡9.500,00"), ("Motivo", "Pago ID 77"),
                        ("Referencia", SINPE_REFERENCE)], family="caption-below", seed=11)
    fields = read_receipt(image)
    assert fields.description == "Pago ID 77"
    assert fields.date == date(2026, 11, 27)


def test_pasted_notification_names_payee_phone_motive_and_date_in_words() -> None:
    fields = read_text(
        "Estimado cliente, se realizó una transferencia SINPE Móvil por ₡15.000,00 a WOLK SOFTWARE S.A. (8888-7777) "
        "el jueves 26 de noviembre de 2026. Motivo: ID 1001. Referencia 2026112615183010967758882."
    )
    assert (fields.amount, fields.currency) == (Decimal("15000.00"), "CRC")
    assert (fields.payee_name, fields.payee_phone) == ("WOLK SOFTWARE S.A.", "88887777")
    assert (fields.description, fields.client_id) == ("ID 1001", "1001")
    assert fields.date == date(2026, 11, 26)
    assert fields.payer_name is None


def test_pasted_sms_with_the_payer_after_de_and_the_motive_as_its_own_sentence() -> None:
    fields = read_text(
        "Ha recibido 6.000,00 colones por BN SINPE MOVIL de CAMACHO MORA NAOMI.\nPago ID 3321.\nReferencia "
        "2026031315183010967758882."
    )
    assert fields.payer_name == "CAMACHO MORA NAOMI"
    assert fields.description == "Pago ID 3321"
    assert fields.bank == "Banco Nacional"


def test_text_full_of_labels_is_read_without_freezing() -> None:
    """A generous bound (the worst of these takes about 0.4 s) that proves no quadratic blow-up."""
    for text in ("De\n" * 60_000, "Monto: 1\n" * 20_000, "de MARIA " * 20_000, "Ref: " * 40_000):
        start = time.perf_counter()
        read_text(text)
        assert time.perf_counter() - start < 5.0
