"""Stories for holders and descriptions found by the structure of a receipt before its wording: a label in lower case
or in capitals with its tail on the same line, a label that only says whose account (`Titular de la cuenta
acreditada`), a label ending with its colon whose value is never the line above it, a line under a label that
starts with a word labels are made of, a salutation that is no label, a sentence's end that is no label, and
notification sentences with roles after a colon (`De:`, `Enviado por:`), shorthand capitals (`A NAME CONCEPTO`),
description cues without a colon (`Asunto`, `Glosa`), and a reference's number after a comma; on story images,
generated tuned receipts and pasted text, read by real Tesseract."""

from __future__ import annotations

from decimal import Decimal

from bot.ocr import read_receipt, read_text
from bot.ocr.labels import LabelMatch, vocabulary
from tests.ocr.generator import card_image, generate, notification_image
from tests.ocr.sketch import Text, sketch


def _stacked(rows: list[tuple[str, list[str]]], *, colon: bool = False) -> bytes:
    """A result screen: each label in small grey type, its value's lines under it in larger black type."""
    pieces = [Text(60, 40, "Scotiabank", 44, bold=True), Text(60, 120, "Comprobante de transferencia", 36)]
    y = 230
    for label, values in rows:
        pieces.append(Text(60, y, f"{label}:" if colon else label, 26, grey=True))
        y += 44
        for value in values:
            pieces.append(Text(60, y, value, 36))
            y += 52
        y += 40
    pieces.append(Text(60, y + 20, "Este comprobante es válido sin firma ni sello", 22))
    return sketch(pieces)


def _ticket(rows: list[tuple[str, list[str]]]) -> bytes:
    """A till ticket in capitals: each `LABEL:` alone on its line and the value's lines under it."""
    pieces = [Text(60, 40, "BANCO LAFISE", 36, bold=True), Text(60, 100, "SUCURSAL SAN PEDRO", 28)]
    y = 190
    for label, values in rows:
        pieces.append(Text(60, y, f"{label}:", 28))
        y += 46
        for value in values:
            pieces.append(Text(60, y, value, 28))
            y += 46
        y += 18
    pieces.append(Text(60, y + 20, "CONSERVE SU COMPROBANTE", 24))
    return sketch(pieces, width=900, face="liberation")


def test_a_label_that_names_only_whose_account_gives_the_payee_under_it() -> None:
    fields = read_receipt(_stacked([
        ("Monto debitado", ["₡483,30"]),
        ("Quien paga", ["Priscilla Gamboa Madrigal"]),
        ("TITULAR DE LA CUENTA ACREDITADA", ["WOLK SOFTWARE SOCIEDAD ANONIMA"]),
        ("Asunto", ["Factura 1045 - ID 62045"]),
        ("Número de trámite", ["2026012445944744146772921"]),
    ]))
    assert fields.payer_name == "Priscilla Gamboa Madrigal"
    assert fields.payee_name == "WOLK SOFTWARE SOCIEDAD ANONIMA"
    assert fields.confidence["payee_name"] < 0.9
    assert fields.description == "Factura 1045 - ID 62045"


def test_the_favoured_one_and_the_owner_of_the_origin_account_are_told_apart() -> None:
    fields = read_receipt(card_image([
        ("Fecha", "27/11/2026"), ("Monto", "₡9.500,00"), ("Propietario de la cuenta origen", "Lucía Brenes Chaves"),
        ("Nombre del favorecido", "Ferretería El Roble"), ("Propósito del pago", "Pago ID 48228"),
        ("Referencia", "2026112715052050840"),
    ], family="rows-colon"))
    assert fields.payer_name == "Lucía Brenes Chaves"
    assert fields.payee_name == "Ferretería El Roble"
    assert fields.description == "Pago ID 48228"
    assert all(fields.confidence[key] < 0.9 for key in ("payer_name", "payee_name", "description"))


def test_a_label_in_lower_case_alone_on_its_line_heads_the_value_under_it() -> None:
    fields = read_receipt(_stacked([
        ("Valor", ["CRC 711,00"]),
        ("persona que envía", ["Fiorella Porras Ramírez"]),
        ("Enviado para", ["***193", "INVERSIONES PURA VIDA S.A."]),
        ("mensaje", ["SINPE ID 73921"]),
        ("Número de aprobación", ["16708366692475"]),
    ]))
    assert fields.payer_name == "Fiorella Porras Ramírez"
    assert fields.payee_name == "INVERSIONES PURA VIDA S.A."
    assert fields.description == "SINPE ID 73921"
    assert fields.client_id == "73921"


def test_a_line_under_a_label_is_its_value_though_it_starts_with_a_word_labels_use() -> None:
    fields = read_receipt(_stacked([
        ("Monto", ["₡111,00"]),
        ("Titular origen", ["María Fernanda Picado Obando"]),
        ("Comentario", ["Cliente ID-52132 enero"]),
        ("Nombre del favorecido", ["Servicios Técnicos Herrera Ltda."]),
    ], colon=True))
    assert fields.description == "Cliente ID-52132 enero"
    assert fields.client_id == "52132"
    assert fields.payer_name == "María Fernanda Picado Obando"
    assert fields.payee_name == "Servicios Técnicos Herrera Ltda."


def test_a_label_ending_with_its_colon_takes_the_value_under_it_never_the_line_above() -> None:
    fields = read_receipt(_ticket([
        ("FECHA DE EMISION", ["MAR 12 MAY 2026"]),
        ("MONTO DE LA TRANSACCION", ["478.69 COLONES"]),
        ("PERSONA QUE ENVIA", ["VETERINARIA SAN FRANCISCO"]),
        ("ENVIADO PARA", ["SODA LA ESQUINA"]),
        ("GLOSA", ["Abono préstamo Núm. 86"]),
        ("REFERENCIA SINPE MOVIL", ["29550969047430"]),
    ]))
    assert fields.payer_name == "VETERINARIA SAN FRANCISCO"
    assert fields.payee_name == "SODA LA ESQUINA"
    assert fields.description == "Abono préstamo Núm. 86"
    assert (fields.amount, fields.currency) == (Decimal("478.69"), "CRC")
    assert fields.reference == "29550969047430"


def test_a_wording_whose_tail_is_joined_by_de_is_one_label_over_its_value() -> None:
    fields = read_receipt(_stacked([
        ("Total pagado", ["₡47.773,00"]),
        ("ACREDITAR A", ["Inversiones Pura Vida S.A."]),
        ("CONCEPTO DE PAGO", ["pago id 30844 octubre"]),
        ("Referencia", ["2026102948157118214186388"]),
    ]))
    assert fields.description == "pago id 30844 octubre"
    assert fields.payee_name == "Inversiones Pura Vida S.A."


def test_a_salutation_and_the_end_of_a_sentence_are_no_labels() -> None:
    vocab = vocabulary(None)
    assert vocab.is_label_text("Estimado(a) cliente:") is None
    assert vocab.is_label_text("Señor asociado:") is None
    assert vocab.is_label_text("El Roble con SINPE Móvil.") is None
    assert vocab.is_label_text("INVERSIONES PURA VIDA S.A. Mensaje:") is None
    assert vocab.is_label_text("Propósito del pago:") is not None
    fields = read_receipt(notification_image(
        "Pagaste CRC 31 372,00 a Ferretería\nEl Roble con SINPE Móvil.\nDescripción: Mensualidad\nnoviembre ID 48228. "
        "Comprobante\n20261129150520508408.", family="chat-forward"))
    assert fields.payee_name == "Ferretería El Roble"
    assert fields.description == "Mensualidad noviembre ID 48228"


def test_a_greeting_over_a_shorthand_sms_leaves_the_payee_to_its_capital_a() -> None:
    fields = read_receipt(notification_image(
        "Estimado(a) cliente:\nBN SINPE MOVIL DEBITO ₡32.988,00 A Academia\nMusical Allegro CONCEPTO Cuota No. 7 ID "
        "16287 DOC\n20260606639049078311", family="email"))
    assert fields.payee_name == "Academia Musical Allegro"
    assert fields.payer_name is None
    assert fields.description == "Cuota No. 7 ID 16287"


def test_roles_written_with_a_colon_inside_a_message_name_the_holders() -> None:
    sent = read_text("Recibiste un SINPE Movil. De: Ana Mora Solis. Monto: ₡5 000,00. Motivo: Pago ID 55. Ref: "
                     "2026110576379165681589396")
    assert (sent.payer_name, sent.payee_name) == ("Ana Mora Solis", None)
    bars = read_text("Destinatario: Wolk Software | Monto: ₡5 000,00 | Motivo: Pago ID 55 | Ref: 2026110576379")
    assert (bars.payee_name, bars.description) == ("Wolk Software", "Pago ID 55")
    credited = read_text("COOPENAE: Se acreditaron 36 174,33 Colones a su cuenta de ahorro. Enviado por: María "
                         "Fernanda Leiva Solano. Concepto: Servicios marzo. Ref: 2026031588053650355605886")
    assert credited.payer_name == "María Fernanda Leiva Solano"
    assert credited.confidence["payer_name"] < 0.9


def test_a_paragraph_label_that_ends_a_line_with_de_leaves_the_payer_to_the_sentence() -> None:
    fields = read_receipt(notification_image(
        "MUTUAL: Transferencia recibida de\nRebeca Leiva, tel 8450-6561, 2.297.065\ncolones. Asunto SINPE ID 73689. "
        "Ref 3275820045263", bank="Mutual", family="chat-forward"))
    assert fields.payer_name == "Rebeca Leiva"
    assert fields.description == "SINPE ID 73689"
    assert fields.amount == Decimal("2297065.00")


def test_description_cues_without_a_colon_and_a_reference_after_a_comma_end_the_description() -> None:
    glosa = read_text("Promerica: Recibio transferencia de ¢80 759,00 desde la cuenta de CARLOS ANDRES ROJAS ARAYA. "
                      "Glosa: Transferencia. Ref 2026090582014846532636574")
    assert (glosa.payer_name, glosa.description) == ("CARLOS ANDRES ROJAS ARAYA", "Transferencia")
    comma = read_text("Scotia: Pago enviado. Destinatario: WOLK SOFTWARE. Monto: 4045,63 Dólares. Comentario: Factura "
                      "1089 - ID 89189, No. operación 49115664138291")
    assert comma.description == "Factura 1089 - ID 89189"
    assert comma.payee_name == "WOLK SOFTWARE"


def test_an_amount_label_inside_a_paragraph_reads_its_value_up_to_the_sentence_end() -> None:
    fields = read_receipt(notification_image(
        "Transferencia SINPE Móvil recibida. Remitente Agrícola Los Santos S.A. (5503-1426).\nMonto ₡ 65 409,73. "
        "Descripción Suscripción ID #87468. Ref.\n20260620186896742054", bank="Mutual", family="email"))
    assert (fields.amount, fields.currency) == (Decimal("65409.73"), "CRC")
    assert fields.payer_name == "Agrícola Los Santos S.A."


def test_an_amount_whose_label_line_ends_after_its_first_digits_is_read_whole() -> None:
    fields = read_receipt(notification_image(
        "Destinatario: Adriana Ramírez Madrigal | Monto: 3\n419 DÓLARES | Motivo: Cliente ID-65692 mayo | Ref: "
        "2026051070855888234338892", bank="Scotiabank", family="push"))
    assert (fields.amount, fields.currency) == (Decimal("3419.00"), "USD")
    assert fields.payee_name == "Adriana Ramírez Madrigal"
    pasted = read_text("Destinatario: Adriana Ramírez Madrigal | Monto: 3\n419 DÓLARES | Motivo: Cliente ID-65692 mayo")
    assert (pasted.amount, pasted.currency) == (Decimal("3419.00"), "USD")


def test_a_value_cut_where_the_next_label_starts_does_not_run_on_at_the_next_line() -> None:
    fields = read_receipt(notification_image(
        "Se ha registrado un débito en su cuenta ****5891 por ₡ 2,261,691.00 a favor de COMERCIALIZADORA DEL VALLE "
        "S.R.L.\nDescripción de la transferencia: Cuota No. 9 ID 38619. Fecha: 19 de marzo\ndel 2026. Referencia: "
        "40590523060256.", bank="Coocique", family="email"))
    assert fields.description == "Cuota No. 9 ID 38619"
    assert fields.payee_name == "COMERCIALIZADORA DEL VALLE S.R.L."


def test_a_sentence_broken_after_con_is_no_label_and_its_payee_is_read_on() -> None:
    fields = read_receipt(notification_image(
        "Transferencia enviada con\néxito a\nHazel Obando Madrigal. Monto transferido $1.255,00.\nNota: Pago de "
        "servicios. Comprobante N.º 28368255744378", bank="Promerica", family="push"))
    assert (fields.payee_name, fields.payer_name) == ("Hazel Obando Madrigal", None)
    assert fields.description == "Pago de servicios"


def test_a_reference_word_ending_the_description_line_is_no_part_of_it() -> None:
    fields = read_receipt(notification_image(
        "BN SINPE MOVIL DEBITO $ 7 053 A Academia Musical Allegro CONCEPTO Pago Cta. 27404 DOC\n"
        "2026081150037567132903772", family="chat-forward"))
    assert fields.description == "Pago Cta. 27404"
    assert fields.payee_name == "Academia Musical Allegro"


def test_a_name_label_takes_its_side_from_its_sections_heading() -> None:
    fields = read_receipt(sketch([
        Text(60, 40, "Davivienda", 40, bold=True), Text(60, 140, "Comprobante", 36),
        Text(60, 230, "Datos del ordenante", 30, bold=True), Text(60, 285, "Nombre:", 28, grey=True),
        Text(320, 285, "Carlos Rojas Vega", 30), Text(60, 335, "Cuenta:", 28, grey=True),
        Text(320, 335, "CR33 0104 0000 1111 2222 33", 30),
        Text(60, 430, "Datos del beneficiario", 30, bold=True), Text(60, 485, "Nombre:", 28, grey=True),
        Text(320, 485, "Soda La Esquina", 30), Text(60, 535, "Cuenta:", 28, grey=True),
        Text(320, 535, "CR44 0151 0000 3333 4444 55", 30),
        Text(60, 630, "Monto:", 28, grey=True), Text(320, 630, "$ 120,00", 30),
        Text(60, 680, "Concepto:", 28, grey=True), Text(320, 680, "Factura 778", 30),
    ]))
    assert fields.payer_name == "Carlos Rojas Vega"
    assert fields.payee_name == "Soda La Esquina"
    assert fields.confidence["payee_name"] < 0.9
    assert fields.description == "Factura 778"


def test_the_bank_under_a_holders_name_is_no_part_of_the_name() -> None:
    fields = read_receipt(sketch([
        Text(60, 40, "Banco Popular", 40, bold=True), Text(60, 140, "Transferencia realizada", 36),
        Text(60, 240, "De", 26, grey=True), Text(60, 285, "Ana Lucía Mora Rojas", 34),
        Text(60, 330, "Cuenta ****1234", 28, grey=True),
        Text(60, 410, "Para", 26, grey=True), Text(60, 455, "Wolk Software S.A.", 34),
        Text(60, 500, "BAC Credomatic ****5678", 28, grey=True),
        Text(60, 580, "Monto", 26, grey=True), Text(60, 625, "₡18.500,00", 34),
        Text(60, 705, "Descripción", 26, grey=True), Text(60, 750, "Mensualidad ID 3321", 34),
    ]))
    assert fields.payee_name == "Wolk Software S.A."
    assert fields.payer_name == "Ana Lucía Mora Rojas"
    assert fields.amount == Decimal("18500.00")


def test_who_paid_whom_is_read_from_the_phrase_around_each_name() -> None:
    said = {
        "Ha recibido una transferencia del cliente Ana Solís Vega por ₡2.500. Asunto: Pago ID 12":
            ("Ana Solís Vega", None),
        "Ud. envió $25.00 al 8888-7777 de Wolk Software S.A. Motivo: Pago ID 12.": (None, "Wolk Software S.A."),
        "Se realizó una transferencia de ₡2.500,00 desde la cuenta de Ana Solís Vega hacia la cuenta de Wolk Software "
        "S.A. Descripción: Pago ID 12": ("Ana Solís Vega", "Wolk Software S.A."),
        "Recibiste dinero de Ana Solís Vega: ₡2.500,00. Descripción: Pago ID 12": ("Ana Solís Vega", None),
        "SINPE MOVIL RECIBIDO DE ANA SOLIS VEGA POR 2.500,00 CRC MOTIVO PAGO ID 12": ("ANA SOLIS VEGA", None),
        "SINPE MOVIL ENVIADO A WOLK SOFTWARE SA POR 2.500,00 CRC DETALLE PAGO ID 12": (None, "WOLK SOFTWARE SA"),
    }
    for text, holders in said.items():
        fields = read_text(text)
        assert (fields.payer_name, fields.payee_name) == holders, text
        assert fields.description in ("Pago ID 12", "PAGO ID 12"), text
        assert max(fields.confidence["payer_name"], fields.confidence["payee_name"]) < 0.9, text
    fields = read_receipt(notification_image(
        "Ud. envió $25.00 al 8888-7777 de Wolk Software S.A.\nMotivo: Pago ID 12. Comprobante 2026112712345678",
        bank="BAC Credomatic", family="push"))
    assert (fields.payer_name, fields.payee_name) == (None, "Wolk Software S.A.")


def test_label_words_between_a_known_wording_and_its_number_belong_to_the_label() -> None:
    fields = read_receipt(card_image([
        ("Fecha", "07/07/2026"), ("CANTIDAD ENVIADA", "₡40 769"), ("Referencia", "12915227442412"),
        ("TITULAR DE LA CUENTA ACREDITADA", "Constructora Monteverde S.A."), ("Detalle", "Fact. No. 1009 ID 6609"),
    ], family="table"))
    assert (fields.amount, fields.currency) == (Decimal("40769.00"), "CRC")
    assert fields.payee_name == "Constructora Monteverde S.A."
    assert fields.payer_name is None


def test_an_account_in_parentheses_and_an_exclamation_are_no_part_of_a_holder() -> None:
    fields = read_receipt(_stacked([
        ("Origen", ["¡Listo!"]),
        ("Beneficiario", ["SERVICIOS MEDICOS AURORA S.A. (CR** **** 1851)"]),
        ("Cantidad enviada", ["330.00 Colones"]),
        ("Observación", ["Pago de servicios"]),
    ]))
    assert fields.payee_name == "SERVICIOS MEDICOS AURORA S.A."
    assert fields.payer_name is None


def test_a_name_under_the_payees_phone_is_the_payee() -> None:
    fields = read_receipt(_stacked([
        ("Monto", ["$ 3911,96"]),
        ("Teléfono del beneficiario", ["7782 8373", "Ferretería El Roble"]),
        ("Detalle del movimiento", ["Cliente ID-34798 febrero"]),
    ]))
    assert fields.payee_name == "Ferretería El Roble"
    assert fields.confidence["payee_name"] < 0.9
    assert fields.payer_name is None
    generated = generate(20058, part="tuned")  # a push titled `SINPE Móvil` over the payer's sentence
    assert generated.family == "push" and generated.truth.payee_name is None
    pushed = read_receipt(generated.data)
    assert (pushed.payer_name, pushed.payee_name) == ("ANA MARIA MONTERO JIMENEZ", None)


def test_a_banks_name_over_the_rows_is_no_section_heading_for_a_holder() -> None:
    generated = generate(50009, part="tuned")  # `CS Ahorro y Crédito` heads the card, `ASOCIADO` names the payer
    assert generated.family == "w-rows"
    fields = read_receipt(generated.data)
    assert fields.payer_name == "JOSE ALBERTO ROJAS"
    assert fields.payee_name == "Comercializadora del Valle S.R.L."


def test_a_photographed_reference_read_less_than_surely_is_never_sure() -> None:
    generated = generate(10191, part="tuned")  # a photo whose reference reads `2792...` for `3792...` at 0.90
    assert generated.photographed
    fields = read_receipt(generated.data)
    assert fields.reference == generated.truth.reference or fields.confidence["reference"] < 0.9


def test_a_letters_closing_is_no_name_and_abbreviated_labels_name_their_holders() -> None:
    letter = read_receipt(sketch([
        Text(60, 40, "Banco Nacional de Costa Rica", 36, bold=True),
        Text(60, 120, "San José, 27 de noviembre de 2026", 26), Text(60, 200, "Estimado(a) cliente:", 26),
        Text(60, 260, "Por este medio le confirmamos la transferencia realizada por Ana Lucía Mora Rojas a favor "
                      "de", 26),
        Text(60, 300, "Wolk Software S.A., por un monto de ₡18.500,00, con el detalle Mensualidad ID 3321.", 26),
        Text(60, 360, "Número de referencia: 2026112712345678901", 26), Text(60, 440, "Atentamente,", 26),
        Text(60, 480, "Servicio al Cliente", 26),
    ], width=1500))
    assert (letter.payer_name, letter.payee_name) == ("Ana Lucía Mora Rojas", "Wolk Software S.A.")
    assert letter.description == "Mensualidad ID 3321"
    vocab = vocabulary(None)
    assert (vocab.is_label_text("Nombre del benef.") or LabelMatch("?", "?")).kind == "payee_name"
    assert (vocab.is_label_text("Remit.:") or LabelMatch("?", "?")).kind == "payer_name"


def test_an_origin_after_the_currency_word_and_a_payer_after_proveniente_de() -> None:
    short = read_text("BN CREDITO SINPE 18.915,00 colones ORIGEN LUIS FERNANDO CAMACHO CHAVES DESC Pago Cta. 30925 REF "
                      "2026050569802460708880278")
    assert (short.payer_name, short.description) == ("LUIS FERNANDO CAMACHO CHAVES", "Pago Cta. 30925")
    credited = read_text("Promerica le informa que se ha realizado un crédito a su cuenta ***425 por 2.897.783,00 "
                         "Colones proveniente de MINOR VALVERDE. Concepto: Mensualidad octubre ID 31591.")
    assert (credited.payer_name, credited.payee_name) == ("MINOR VALVERDE", None)
