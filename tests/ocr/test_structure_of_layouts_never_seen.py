"""Stories for rules of structure that hold on layouts the reader was never tuned on: a label's head noun names its
field, a label runs on past a wording it knows, a leader printed between a label and its value is no value, the
colón sign read as a digit is left out when the digit groups prove it, a company's `Ltda.` keeps its full stop;
on story images invented for them, read by real Tesseract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PIL import Image, ImageDraw

from bot.ocr import read_receipt, read_text
from bot.ocr.amounts import lenient_amount
from bot.ocr.engine import Word
from bot.ocr.gaps import without_leaders
from bot.ocr.labels import label_words, vocabulary
from bot.ocr.loading import load_image
from bot.ocr.pairs import Segment
from bot.ocr.preprocess import prepare
from bot.ocr.rows import Token
from bot.ocr.values import parse_date
from tests.ocr.generator import encode, generate
from tests.ocr.generator.draw import SANS, font, put
from tests.ocr.sketch import Text, label_above, sketch


def test_a_two_column_voucher_whose_labels_open_with_their_head_noun_gives_amount_reference_and_payee() -> None:
    left, right = 60, 700
    pieces = [Text(60, 40, "Constancia de transferencia", 38, bold=True)]
    rows = [(("Fecha de transferencia:", "27.11.2026, 18:19 hrs"), ("MONTO SINPE MÓVIL:", "₡281,50")),
            (("Ordenante:", "Carlos Chaves Rodríguez"), ("Cuenta debitada:", "CR** **** **** 1002")),
            (("Nombre destino:", "Servicios Técnicos Herrera Ltda."), ("Comp.:", "20261127437527618319")),
            (("Detalle de la transacción:", "Alquiler de bodega"), ("Entidad de destino:", "Coocique"))]
    y = 140
    for pair in rows:
        for x, (label, value) in zip((left, right), pair, strict=True):
            pieces += [Text(x, y, label, 24, grey=True), Text(x, y + 34, value, 32)]
        y += 100
    fields = read_receipt(sketch(pieces, width=1400))
    assert (fields.amount, fields.currency) == (Decimal("281.50"), "CRC")
    assert fields.reference == "20261127437527618319"
    assert fields.payee_name == "Servicios Técnicos Herrera Ltda."
    assert fields.payer_name == "Carlos Chaves Rodríguez"
    assert fields.description == "Alquiler de bodega"
    assert fields.date == date(2026, 11, 27)


def test_a_label_whose_head_noun_names_another_field_than_a_wording_it_resembles_follows_its_head() -> None:
    vocab = vocabulary(None)
    named = {text: vocab.match(label_words(text)) for text in (
        "Monto del pago", "Monto SINPE Móvil", "Número de cuenta destino", "Teléfono del remitente",
        "Hora de aplicación", "Fecha y hora")}
    assert {text: match.kind if match else None for text, match in named.items()} == {
        "Monto del pago": "amount", "Monto SINPE Móvil": "amount", "Número de cuenta destino": "payee_account",
        "Teléfono del remitente": "payer_phone", "Hora de aplicación": "ignore", "Fecha y hora": "date"}


def test_a_table_whose_labels_run_on_past_a_known_wording_gives_the_holders_beside_them() -> None:
    rows = [("Fecha", "02.07.2026, 09:18 h"), ("Monto", "56.656,00 CRC"),
            ("Nombre del cliente origen", "Lucía Acuña Segura"), ("Ref. SINPE Móvil", "28957058576545"),
            ("Nombre del originador", "Inversiones Pura Vida S.A."), ("Cuentahabiente destino", "Wendy Soto Chacón")]
    pieces = [Text(60, 40, "Información de la transacción", 36, bold=True)]
    for k, (label, value) in enumerate(rows):
        pieces += [Text(60, 130 + 70 * k, label, 28), Text(560, 130 + 70 * k, value, 28)]
    fields = read_receipt(sketch(pieces, width=1200))
    assert fields.payer_name in ("Lucía Acuña Segura", "Inversiones Pura Vida S.A.")
    assert fields.payee_name == "Wendy Soto Chacón"
    assert fields.reference == "28957058576545"
    assert fields.amount == Decimal("56656.00")


def test_a_holder_label_alone_on_its_line_with_its_side_after_a_known_wording_names_the_value_under_it() -> None:
    image = sketch(label_above([("Monto", "₡12.500,00"), ("Nombre del cliente destino", "Wolk Software Ltda."),
                                ("Nombre del cliente origen", "Juan Carlos Núñez Arias")], title="Popular en Línea"))
    fields = read_receipt(image)
    assert fields.payee_name == "Wolk Software Ltda."
    assert fields.payer_name == "Juan Carlos Núñez Arias"


def test_a_ticket_whose_underlined_leader_leaves_a_lone_colon_keeps_label_and_value_together() -> None:
    image = sketch([Text(40, 40, "BANCO POPULAR", 30),
                    Text(40, 120, "MONTO TRANSFERIDO______________:  ₡11309,00", 30),
                    Text(40, 180, "DE PARTE DE___________:  VETERINARIA SAN FRANCISCO LTDA.", 30),
                    Text(40, 240, "NUMERO DE DOCUMENTO___________:  18004168411582", 30),
                    Text(40, 300, "RECEPTOR DEL PAGO_____:  WOLK SOFTWARE SOCIEDAD ANONIMA", 30)], width=1200)
    fields = read_receipt(image)
    assert (fields.amount, fields.reference) == (Decimal("11309.00"), "18004168411582")
    assert fields.payer_name == "VETERINARIA SAN FRANCISCO LTDA."
    assert fields.payee_name == "WOLK SOFTWARE SOCIEDAD ANONIMA"
    assert fields.description is None


def _word(text: str, left: int, conf: float = 96, top: int = 100, height: int = 30) -> Word:
    return Word(text, conf, left, top, 10 * len(text), height, (1, 1, 1))


def test_a_leader_printed_as_blobs_taller_or_lower_than_the_text_is_dropped_between_label_and_value() -> None:
    blobs = [("«050", 19, 49), ("1", 45, 6), ("050", 53, 49), ("soso", 32, 49), ("eroze", 0, 49), ("seme", 0, 49),
             ("aos", 24, 6), ("Pone", 26, 49), ("soe", 11, 6), ("sena", 8, 49), ("a", 38, 6)]
    words = [_word("MONTO.", 0, 42),
             *(_word(text, 80 + 60 * k, conf, top=96 if height > 30 else 124, height=height)
               for k, (text, conf, height) in enumerate(blobs)),
             _word("CRC14.", 800, 64), _word("188,", 870, 91, height=36), _word("13", 920, 91)]
    assert [w.text for w in without_leaders(words)] == ["MONTO:", "CRC14.", "188,", "13"]


def test_a_label_stretched_by_its_underline_and_a_masked_account_stay() -> None:
    words = [_word("NUMERO", 0), _word("DOCUMENTO.", 80, 59, height=44), _word(":", 300, 67, height=20),
             _word("1800416", 340, 67), _word("CR48", 500, 68, height=36), _word("****", 560, 68, height=19),
             _word(">+xkxk", 620, 0, height=19), _word("2581", 700, 95, height=36)]
    assert [w.text for w in without_leaders(words)] == ["NUMERO", "DOCUMENTO.:", "1800416", "CR48", "****",
                                                        ">+xkxk", "2581"]


def test_the_colon_sign_read_as_a_digit_is_left_out_only_when_the_digit_groups_prove_it() -> None:
    repaired = lenient_amount("4 65 213,00")
    assert repaired is not None
    assert (repaired.value, repaired.currency, repaired.doubtful) == (Decimal("65213.00"), "CRC", True)
    kept = lenient_amount("1 234,00")
    assert kept is not None and kept.value == Decimal("1234.00")
    assert lenient_amount("3 45") is None


def test_dates_written_year_first_or_with_a_comma_before_the_year() -> None:
    assert parse_date("2026/10/14") == date(2026, 10, 14)
    assert parse_date("2 de marzo, 2026 a las 07:53") == date(2026, 3, 2)
    assert parse_date("Ref 20261014, 2026") is None


def test_a_company_name_keeps_the_full_stop_of_its_legal_form() -> None:
    image = sketch(label_above([("Monto", "₡9.900,00"), ("Beneficiario", "Servicios Técnicos Herrera Ltda."),
                                ("Ordenante", "Transportes Zúñiga e Hijos Cía.")], title="BCR"))
    fields = read_receipt(image)
    assert fields.payee_name == "Servicios Técnicos Herrera Ltda."
    assert fields.payer_name == "Transportes Zúñiga e Hijos Cía."


def test_a_receipt_of_coopeservidores_names_its_issuer() -> None:
    image = sketch(label_above([("Monto", "₡5.000,00"), ("Asociado", "Ana Vega Soto")], title="Coopeservidores"))
    assert read_receipt(image).bank == "Coopeservidores"


def test_a_table_whose_labels_are_in_lower_case_gives_the_values_beside_them() -> None:
    rows = [("fecha", "10 de julio, 2026"), ("monto transferido", "754,35 USD"),
            ("cliente", "DISTRIBUIDORA TICA LTDA."), ("receptor del pago", "ACADEMIA MUSICAL ALLEGRO"),
            ("motivo", "Pago Wolk")]
    pieces = [Text(60, 40, "¡Listo!", 36, bold=True)]
    for k, (label, value) in enumerate(rows):
        pieces += [Text(60, 130 + 70 * k, label, 28, grey=True), Text(560, 130 + 70 * k, value, 28)]
    fields = read_receipt(sketch(pieces, width=1200))
    assert fields.payee_name == "ACADEMIA MUSICAL ALLEGRO"
    assert fields.payer_name == "DISTRIBUIDORA TICA LTDA."
    assert (fields.amount, fields.currency, fields.date) == (Decimal("754.35"), "USD", date(2026, 7, 10))


def test_the_holders_name_under_an_account_written_after_its_label_is_the_holders() -> None:
    pieces = [Text(60, 40, "Constancia de pago", 38, bold=True),
              Text(60, 140, "Valor", 28, bold=True), Text(200, 140, "₡416,50", 28),
              Text(60, 210, "De parte de", 28, bold=True), Text(280, 210, "***625", 28),
              Text(280, 256, "Hazel Zúñiga Campos", 28),
              Text(60, 340, "Beneficiario", 28, bold=True), Text(60, 386, "Adriana Vargas Sibaja", 28)]
    fields = read_receipt(sketch(pieces))
    assert fields.payer_name == "Hazel Zúñiga Campos"
    assert fields.payee_name == "Adriana Vargas Sibaja"


def test_a_masked_account_whose_stars_are_read_as_small_letters_keeps_the_height_of_its_digits() -> None:
    tokens = (Token("CR75", 0.89, (23, 908, 100, 931)), Token("KK", 0.0, (115, 908, 160, 919)),
              Token("KKKK", 0.32, (174, 908, 225, 919)), Token("1162", 0.97, (294, 908, 370, 931)))
    assert Segment(tokens, 0).height == 23


def _lock_screen() -> bytes:
    image = Image.new("RGB", (1080, 1400))
    draw = ImageDraw.Draw(image)
    for y in range(image.height):
        draw.line([(0, y), (image.width, y)], fill=(60 + y // 20, 30 + y // 40, 90 + y // 25))
    draw.rounded_rectangle((50, 500, 1030, 920), 30, fill=(244, 244, 246))
    regular, bold = SANS["dejavu"]
    put(draw, (330, 160), "martes, 8 de setiembre", font(regular, 40), (255, 255, 255), "la")
    put(draw, (170, 560), "GRUPO MUTUAL", font(regular, 30), (110, 110, 110), "la")
    put(draw, (90, 640), "Notificación de transacción", font(bold, 38), (20, 20, 20), "la")
    put(draw, (90, 700), "Mutual Alajuela informa que se debitó 806,50", font(regular, 36), (20, 20, 20), "la")
    put(draw, (90, 752), "COLONES por transferencia a INVERSIONES", font(regular, 36), (20, 20, 20), "la")
    put(draw, (90, 804), "PURA VIDA S.A. Ref: 2026090828165665455374426.", font(regular, 36), (20, 20, 20), "la")
    return encode(image, "PNG")


def test_a_lock_screen_on_a_shaded_wallpaper_is_read_as_a_screenshot_and_keeps_its_first_letters() -> None:
    assert not prepare(load_image(_lock_screen(), max_bytes=10_000_000)).photo
    fields = read_receipt(_lock_screen())
    assert fields.bank == "Mutual"
    assert (fields.amount, fields.currency) == (Decimal("806.50"), "CRC")
    assert fields.reference == "2026090828165665455374426"


def test_photographed_receipts_stay_photos() -> None:
    for seed in (10029, 10086, 10154):
        receipt = generate(seed, part="tuned")
        assert receipt.photographed
        assert prepare(load_image(receipt.data, max_bytes=50_000_000)).photo


def test_a_label_in_lower_case_alone_on_its_line_names_the_value_under_it_and_a_holders_account_is_no_reference(
) -> None:
    image = sketch(label_above([("montos", "7,511.00 DÓLARES"),
                                ("De parte de", "11467322729111001 Hazel Torres Sibaja"),
                                ("Quien recibe", "WOLK SOFTWARE S.A."), ("notas", "ID 36570 cuota"),
                                ("num. de recibo", "19196491665665")], title="Lafise Móvil"))
    fields = read_receipt(image)
    assert fields.reference == "19196491665665"
    assert fields.payer_name == "Hazel Torres Sibaja"
    assert fields.payee_name == "WOLK SOFTWARE S.A."


def test_a_company_whose_legal_form_is_printed_apart_keeps_it() -> None:
    pieces = [Text(60, 40, "Transferencia exitosa", 38, bold=True), Text(60, 130, "Destino", 26, grey=True),
              Text(60, 166, "CONSTRUCTORA MONTEVERDE", 32), Text(610, 166, "S.A.", 32),
              Text(60, 250, "Monto", 26, grey=True), Text(60, 286, "₡65.970,00", 32)]
    fields = read_receipt(sketch(pieces))
    assert fields.payee_name == "CONSTRUCTORA MONTEVERDE S.A."


def test_in_a_table_of_labels_and_values_a_label_nobody_knows_still_holds_its_value_apart() -> None:
    rows = [("Fecha de transferencia", "12 de diciembre, 2026"), ("Monto enviado", "₡248,00"),
            ("Quien envía", "Alonso Navarro Gamboa"), ("Finalidad", "Cuota de marzo"),
            ("Código de rastreo", "2026121206842569857330970")]
    pieces = [Text(60, 40, "Transferencia exitosa", 36, bold=True)]
    for k, (label, value) in enumerate(rows):
        pieces += [Text(60, 130 + 70 * k, label, 28, grey=True), Text(600, 130 + 70 * k, value, 28)]
    fields = read_receipt(sketch(pieces, width=1200))
    assert fields.description == "Cuota de marzo"
    assert fields.confidence["description"] < 0.9
    assert fields.payer_name == "Alonso Navarro Gamboa"
    assert fields.reference == "2026121206842569857330970"


def test_a_name_beside_its_account_in_such_a_table_stays_the_holders() -> None:
    rows = [("Fecha", "12/12/2026"), ("Monto", "₡248,00"), ("Beneficiario", "Soda La Esquina")]
    pieces = [Text(60, 40, "Transferencia exitosa", 36, bold=True)]
    for k, (label, value) in enumerate(rows):
        pieces += [Text(60, 130 + 70 * k, label, 28, grey=True), Text(600, 130 + 70 * k, value, 28)]
    pieces += [Text(60, 340, "Ordenante", 28, grey=True), Text(60, 390, "Ana Vega Soto", 28),
               Text(600, 390, "CR** **** **** 1002", 28)]
    fields = read_receipt(sketch(pieces, width=1200))
    assert fields.payer_name == "Ana Vega Soto"


def test_a_colon_sign_drawn_taller_than_its_digits_and_read_unsurely_stays_with_them() -> None:
    words = [_word("TOTAL", 16, 92), _word("DEBITADO:", 182, 87), _word("([89", 690, 43, top=390, height=69),
             _word(".433,", 740, 43, height=37), _word("00", 800, 97)]
    assert [w.text for w in without_leaders(words)] == ["TOTAL", "DEBITADO:", "([89", ".433,", "00"]


def test_a_payment_of_nothing_is_no_amount() -> None:
    fields = read_text("Monto: 0,00 colones\nComisión: 0,00 colones\nReferencia: 88776655443")
    assert fields.amount is None
