"""Stories for photographed receipts: a dark phone screen on a lighter table, a shadow over a paper's label column,
pale grey type beside bold black text, a weekday that gives a misread digit away, and a bank named under the label
of the other account's entity; on story images invented for them, read by real Tesseract."""

from __future__ import annotations

import io
import random
from datetime import date
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFilter

from bot.ocr import read_receipt, read_text
from tests.ocr.generator import encode
from tests.ocr.generator.draw import SANS, font, put
from tests.ocr.sketch import Text, sketch


def _photographed(screen: Image.Image, *, table: tuple[int, int, int], angle: float, seed: int,
                  shadow: float = 0.0) -> bytes:
    """The image lying on a table, turned a little, lit unevenly, softly focused, with grain; `shadow` darkens that
    share of the photo's width from the left (a hand over the paper's label column)."""
    rng = random.Random(seed)
    margin = 120
    canvas = Image.new("RGB", (screen.width + 2 * margin, screen.height + 2 * margin), table)
    canvas.paste(screen, (margin, margin))
    w, h = canvas.width // 3, canvas.height // 3
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(canvas.size, Image.Resampling.NEAREST)
    canvas = Image.blend(canvas, grain.convert("RGB"), 0.1)
    canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=table)
    light = Image.linear_gradient("L").rotate(90).resize(canvas.size).point(lambda v: 255 - int(v * 0.3))
    canvas = Image.composite(canvas, Image.new("RGB", canvas.size, (0, 0, 0)), light)
    if shadow:
        mask = Image.new("L", canvas.size, 0)
        ImageDraw.Draw(mask).rectangle((0, 0, int(canvas.width * shadow), canvas.height), fill=150)
        mask = mask.filter(ImageFilter.GaussianBlur(25))
        canvas = Image.composite(Image.new("RGB", canvas.size, (0, 0, 0)), canvas, mask)
    canvas = canvas.filter(ImageFilter.GaussianBlur(0.8))
    return encode(canvas, "JPEG", 85)


def _dark_lock_screen(app: str, lines: list[str], *, app_grey: int = 120, icon: bool = True) -> Image.Image:
    image = Image.new("RGB", (1080, 1300), (38, 22, 70))
    draw = ImageDraw.Draw(image)
    regular, bold = SANS["dejavu"]
    put(draw, (330, 140), "viernes, 4 de setiembre", font(regular, 40), (235, 235, 240), "la")
    put(draw, (390, 210), "02:46", font(bold, 120), (235, 235, 240), "la")
    draw.rounded_rectangle((50, 520, 1030, 640 + 56 * len(lines)), 30, fill=(236, 236, 238))
    if icon:
        draw.ellipse((90, 550, 140, 600), fill=(20, 90, 160))
    put(draw, (165, 558), app, font(regular, 30), (app_grey, app_grey, app_grey + 4), "la")
    y = 630
    for line in lines:
        put(draw, (90, y), line, font(regular, 36), (20, 20, 20), "la")
        y += 56
    return image


def test_a_dark_phone_screen_photographed_on_a_lighter_table_is_read_whole() -> None:
    screen = _dark_lock_screen("Banco Nacional", [
        "Se debitaron 908,374.50 colones de su cuenta", "***571 por transferencia a Gabriela Montero",
        "Bonilla. Detalle: Pago de mensualidad ID", "20188. Doc. 4420627611972"])
    fields = read_receipt(_photographed(screen, table=(178, 170, 160), angle=4.0, seed=7))
    assert (fields.amount, fields.currency) == (Decimal("908374.50"), "CRC")
    assert fields.reference == "4420627611972"
    assert fields.payee_name == "Gabriela Montero Bonilla"


def test_a_shadow_over_the_label_column_keeps_the_labels_in_the_photo() -> None:
    rows = [("Fecha", "14/10/2026"), ("Monto", "₡45.880,00"), ("Remitente", "Marcela Rojas Quesada"),
            ("Beneficiario", "Ferretería El Roble"), ("Motivo", "Pago ID 20537"), ("Referencia", "20261014882211")]
    pieces = [Text(60, 40, "Comprobante de transferencia", 40, bold=True)]
    for i, (label, value) in enumerate(rows):
        pieces += [Text(60, 150 + 80 * i, label, 32, grey=True), Text(420, 150 + 80 * i, value, 34)]
    paper = Image.open(io.BytesIO(sketch(pieces, width=1100))).convert("RGB")
    fields = read_receipt(_photographed(paper, table=(96, 88, 74), angle=-2.5, seed=3, shadow=0.33))
    assert (fields.amount, fields.currency) == (Decimal("45880.00"), "CRC")
    assert fields.payer_name == "Marcela Rojas Quesada"
    assert fields.reference == "20261014882211"
    assert fields.description == "Pago ID 20537"


def test_pale_grey_type_of_an_app_name_beside_bold_text_is_read_in_a_photo() -> None:
    screen = _dark_lock_screen("Coope Ande", [
        "Has recibido 896.50 COLONES de Daniel Segura", "Barquero por SINPE Móvil. Motivo: Pago de",
        "servicios. Referencia: 96912822505389"], app_grey=150, icon=False)
    fields = read_receipt(_photographed(screen, table=(120, 112, 100), angle=6.0, seed=11))
    assert fields.bank == "CoopeAnde"
    assert fields.payer_name == "Daniel Segura Barquero"
    assert (fields.amount, fields.currency) == (Decimal("896.50"), "CRC")


def test_a_weekday_written_with_a_date_that_is_another_days_makes_the_date_unsure() -> None:
    right = read_text("Fecha de pago: vie. 23 ene. 2026\nMonto: ₡5.192,00\nReferencia: 401017639346")
    misread = read_text("Fecha de pago: mié. 23 ene. 2026\nMonto: ₡5.192,00\nReferencia: 401017639346")
    assert right.date == misread.date == date(2026, 1, 23)
    assert right.confidence["date"] >= 0.8
    assert misread.confidence["date"] < 0.9


def test_a_bank_named_under_the_label_of_the_other_accounts_entity_is_not_surely_the_issuer() -> None:
    pieces = [Text(60, 40, "Constancia de pago", 40, bold=True),
              Text(60, 140, "Monto SINPE Móvil", 26, grey=True), Text(60, 176, "12.093,11 COLONES", 34),
              Text(620, 140, "Destinatario", 26, grey=True), Text(620, 176, "Comercializadora del Valle", 34),
              Text(60, 260, "Referencia", 26, grey=True), Text(60, 296, "20260803882211", 34),
              Text(620, 260, "Notas", 26, grey=True), Text(620, 296, "ID WOLK 74680", 34),
              Text(620, 380, "Entidad receptora", 26, grey=True), Text(620, 416, "Banco de Costa Rica", 34)]
    fields = read_receipt(sketch(pieces, width=1200))
    assert fields.reference == "20260803882211"
    assert fields.bank is None or fields.confidence["bank"] < 0.9
