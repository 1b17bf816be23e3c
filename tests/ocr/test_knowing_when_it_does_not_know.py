"""Stories for a reader that reads what the page pass drops and is never sure of a guess: dot leaders, table
headers, pale headings, lock screens, and values whose place or kind is open. Real Tesseract on generated
images (pasted text where the story is about a pasted notification)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PIL import Image, ImageDraw

from bot.ocr import read_receipt, read_text
from bot.ocr.loading import load_image
from bot.ocr.preprocess import prepare
from tests.ocr.generator import card_image, notification_image
from tests.ocr.generator.draw import SANS, font
from tests.ocr.generator.photo import encode

SURE = 0.9


def _page(heading: tuple[str, tuple[int, int, int]], cells: list[tuple[int, int, str, bool]],
          size: tuple[int, int] = (1400, 420)) -> bytes:
    """A white page with a heading in its colour and text at (x, y), bold or grey."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    regular, bold = font(SANS["dejavu"][0], 34), font(SANS["dejavu"][1], 40)
    draw.text((60, 40), heading[0], font=bold, fill=heading[1])
    for x, y, text, strong in cells:
        draw.text((x, y), text, font=bold if strong else regular, fill=(0, 0, 0) if strong else (90, 90, 90))
    return encode(image, "PNG")


def test_ticket_lines_with_dot_leaders_are_read_again_and_keep_their_values() -> None:
    image = card_image([("Fecha de pago", "6 ABR. 2026 15:08:01"), ("Monto enviado", "₡994.00"),
                        ("Número de aprobación", "370007695002"), ("Descripción", "Pago ID 4417")],
                       family="ticket-leaders", bank="Davivienda")
    fields = read_receipt(image)
    assert (fields.amount, fields.currency) == (Decimal("994.00"), "CRC")
    assert fields.date == date(2026, 4, 6)
    assert fields.reference == "370007695002"
    assert fields.client_id == "4417"


def test_values_under_a_table_header_and_the_currency_in_its_own_column_are_found_but_never_sure() -> None:
    header = [(60, "Fecha"), (360, "Referencia"), (900, "Moneda"), (1130, "Monto")]
    values = [(60, "27/11/2026"), (360, "815672100039"), (900, "CRC"), (1130, "25.000,00")]
    image = _page(("Banco de Costa Rica", (0, 0, 0)),
                  [(x, 160, text, False) for x, text in header] + [(x, 230, text, True) for x, text in values])
    fields = read_receipt(image)
    assert fields.date == date(2026, 11, 27)
    assert fields.reference == "815672100039"
    assert (fields.amount, fields.currency) == (Decimal("25000.00"), "CRC"), "the currency from its own column"
    assert all(fields.confidence[key] < SURE for key in ("date", "reference", "amount", "currency"))


def test_eight_digits_under_a_guessed_label_are_not_a_sure_reference() -> None:
    image = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Código de operación", "88776655")], seed=2)
    fields = read_receipt(image)
    assert fields.reference == "88776655"
    assert fields.confidence["reference"] < SURE
    assert fields.amount == Decimal("9500.00") and fields.confidence["amount"] >= SURE


def test_a_bank_named_only_inside_a_sentence_is_not_sure_however_narrow_the_bubble() -> None:
    said = "Ha recibido 5.000,00 colones de JUAN PEREZ MORA desde su cuenta en BAC Credomatic. Referencia 12345678901."
    wrapped = ("Ha recibido 5.000,00 colones\nde JUAN PEREZ MORA desde\nsu cuenta\nen BAC Credomatic.\n"
               "Referencia 12345678901.")
    for text in (said, wrapped):
        fields = read_text(text)
        assert fields.bank == "BAC Credomatic"
        assert fields.confidence["bank"] < SURE
    assert read_text(f"BAC Credomatic\n{said}").confidence["bank"] >= SURE, "a heading names the issuer"


def test_a_description_that_is_another_label_is_not_sure() -> None:
    image = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Descripción", "Número de comprobante"),
                        ("Referencia", "815672100039")], seed=4)
    fields = read_receipt(image)
    assert fields.description is None or fields.confidence["description"] < SURE
    assert fields.reference == "815672100039"


def test_a_bank_name_in_a_pale_heading_is_read() -> None:
    rows = [("Fecha", "27/11/2026"), ("Monto", "₡25.000,00"), ("Referencia", "815672100039")]
    cells = [cell for y, (label, value) in zip((150, 220, 290), rows, strict=True)
             for cell in ((60, y, label, False), (600, y, value, True))]
    fields = read_receipt(_page(("Banco Popular", (175, 200, 230)), cells, size=(1000, 400)))
    assert fields.bank == "Banco Popular"
    assert fields.amount == Decimal("25000.00")


def test_a_lock_screen_on_a_gradient_wallpaper_is_not_shrunk_to_unreadable() -> None:
    image = notification_image("Ha recibido 25.000,00 colones de MARIA MORA ROJAS por SINPE Movil. "
                               "Referencia 815672100039.", family="push", seed=1, bank="Banco Popular")
    prepared = prepare(load_image(image, max_bytes=10_000_000))
    assert prepared.scale >= 1.0, "a lock screen (gradient wallpaper) kept at reading size"
    fields = read_receipt(image)
    assert (fields.amount, fields.currency) == (Decimal("25000.00"), "CRC")
    assert fields.reference == "815672100039"
    assert fields.payer_name == "MARIA MORA ROJAS"


def test_a_name_read_from_one_label_is_not_sure_but_two_readings_that_agree_are() -> None:
    card = card_image([("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Ordenante", "Ana Rojas Mora"),
                       ("Motivo", "Pago ID 4417"), ("Referencia", "815672100039")], seed=6)
    fields = read_receipt(card)
    assert (fields.payer_name, fields.description) == ("Ana Rojas Mora", "Pago ID 4417")
    assert fields.confidence["payer_name"] < SURE and fields.confidence["description"] < SURE
    assert fields.client_id == "4417" and fields.confidence["client_id"] >= SURE, "the ID's pattern is its check"
    agreeing = read_text("Ha recibido 5.000,00 colones de ANA ROJAS MORA por SINPE Movil. Referencia 815672100039.\n"
                         "Ordenante: ANA ROJAS MORA")
    assert agreeing.payer_name == "ANA ROJAS MORA" and agreeing.confidence["payer_name"] >= SURE
