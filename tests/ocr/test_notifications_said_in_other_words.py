"""Stories for notifications (SMS, push, e-mail, or text a customer pastes into the chat) worded in ways the
first prose rules did not know: the payer before the verb with the phone between, a payer before `acreditó`, a
company's own dot, `a favor de` after the account paid from, a role inside the sentence; a description that
stops at the date the sentence goes on with but not at an abbreviation's dot; `Detalle` without its colon.
Pasted text is read by `read_text`; screenshots drawn by the generator are read by real Tesseract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.ocr import read_receipt, read_text
from bot.ocr.prose import description_end, first_sentence, phrase, read_notification, sentence_piece
from tests.ocr.generator import notification_image


def test_payer_named_before_the_verb_with_the_phone_between_is_read_from_the_screenshot() -> None:
    fields = read_receipt(notification_image(
        "Aviso BCR: Mariana Picado Céspedes (6000-5227) le transfirió ₡40.388,00 por SINPE Móvil.\n"
        "Detalle: Pago de servicios\nComprobante N.º 20260222320471205762", bank="BCR", family="push"))
    assert fields.payer_name == "Mariana Picado Céspedes"
    assert fields.payer_phone == "60005227"
    assert (fields.amount, fields.description) == (Decimal("40388.00"), "Pago de servicios")
    assert fields.confidence["payer_name"] < 0.9


def test_payer_before_acredito_and_a_shop_name_with_la_inside() -> None:
    fields = read_text("SINPE Móvil: Panadería La Espiga le acreditó ₡12.178,00 con el mensaje \"Mensualidad "
                       "marzo ID 34063\". Referencia 61501576492040.")
    assert (fields.payer_name, fields.description, fields.client_id) == (
        "Panadería La Espiga", "Mensualidad marzo ID 34063", "34063")
    other = read_text("Scotiabank le informa que Hazel Alfaro Segura acreditó 82.946,00 colones en su cuenta "
                      "CR77..0513 el 16-may-2026.")
    assert other.payer_name == "Hazel Alfaro Segura"


def test_a_favor_de_names_the_payee_even_right_after_the_account_paid_from() -> None:
    fields = read_text("Le informamos que el 1/11/2026 se aplicó una transferencia desde su cuenta CR27..8289 a "
                       "favor de ACADEMIA MUSICAL ALLEGRO por un monto de CRC42,904.00, por concepto de "
                       "Mensualidad noviembre ID 15844. Número de comprobante: 20261101873290094867.")
    assert (fields.payer_name, fields.payee_name) == (None, "ACADEMIA MUSICAL ALLEGRO")
    assert fields.description == "Mensualidad noviembre ID 15844"


def test_a_company_keeps_its_dot_and_a_wrapped_sentence_is_not_a_label() -> None:
    fields = read_receipt(notification_image(
        "Transferencia enviada a WOLK\nSOFTWARE LTDA. por ₡28.001,00 el 11/1/2026 a las 03:09. Detalle: Pago de "
        "servicios. Comprobante: 2026011111205485823105558.", family="push"))
    assert fields.payee_name == "WOLK SOFTWARE LTDA."
    assert (fields.amount, fields.date) == (Decimal("28001.00"), date(2026, 1, 11))
    company = read_text("Usted recibio 809,72 Dolares de Transportes Zuñiga e Hijos S.A. por SINPE Movil.")
    assert company.payer_name == "Transportes Zuñiga e Hijos S.A."
    assert sentence_piece("Transferencia enviada a WOLK") and not sentence_piece("Cuenta de destino")


def test_a_description_stops_at_the_date_or_time_the_sentence_goes_on_with() -> None:
    said = read_text("Usted recibio 809,72 Dolares de REBECA RAMÍREZ GAMBOA por concepto de cuota mensual el "
                     "martes, 30 de junio de 2026. Ref 90913246261193.")
    assert (said.description, said.date) == ("cuota mensual", date(2026, 6, 30))
    other = read_text("Coopeservidores le informa que recibió ₡196,89 de Daniel Céspedes Torres por concepto de "
                      "Factura 1059 - ID 159, el 15 de octubre del 2026. Comprobante N.º 2026101549225616228797496.")
    assert (other.description, other.client_id, other.payer_name) == (
        "Factura 1059 - ID 159", "159", "Daniel Céspedes Torres")
    assert description_end("Alquiler 1 de marzo") == "Alquiler 1 de marzo"
    assert description_end("Pago ID 5 el 3/9/2026 a las 10:00") == "Pago ID 5"


def test_a_description_keeps_the_dots_of_its_abbreviations() -> None:
    fields = read_text("BAC: ₡15.000,00 transferidos a Wolk Software S.A. desde su cuenta ****4471. Detalle: "
                       "Pago Cta. 4471 cuota No. 3. Autorizacion No. 88213344.")
    assert fields.description == "Pago Cta. 4471 cuota No. 3"
    assert fields.reference == "88213344"
    assert first_sentence("Alquiler apto. 4 ID 77. Ref 1") == "Alquiler apto. 4 ID 77"
    assert phrase("Fact. No. 1077 ID 77. Comprobante 123") == "Fact. No. 1077 ID 77"


def test_roles_and_a_detalle_written_inside_the_sentence_without_colons() -> None:
    fields = read_text("Banco Nacional: credito SINPE MOVIL a su cuenta CR36..2188 por 1.781.626,21 colones, "
                       "remitente Luis Fernando Obando Salazar, Sábado 7 de Febrero de 2026. Concepto pago id 35093 "
                       "febrero. Doc 39757525563901")
    assert (fields.payer_name, fields.description, fields.client_id) == (
        "Luis Fernando Obando Salazar", "pago id 35093 febrero", "35093")
    assert fields.reference == "39757525563901"
    bare = read_text("Transferencia a Wolk Software S.A. por 78 050,81 Colones aplicada. Detalle ID WOLK 4154. "
                     "Ref 12168605471746")
    assert (bare.payee_name, bare.description, bare.client_id) == ("Wolk Software S.A.", "ID WOLK 4154", "4154")
    unlabelled = read_notification("Pago aplicado. Detalle de la transacción en su app. Ref 1216860547")
    assert not unlabelled.description_labelled


def test_a_payment_sentence_after_an_unknown_label_is_not_the_description() -> None:
    fields = read_text("BAC\nCredomatic: Envio exitoso de 947 114,00 colones a FERRETERIA EL ROBLE por SINPE\n"
                       "Movil. Comprobante 253416047186")
    assert fields.description is None
    assert (fields.payee_name, fields.reference) == ("FERRETERIA EL ROBLE", "253416047186")


def test_a_one_time_code_earlier_in_the_thread_is_not_the_reference() -> None:
    fields = read_text("Clave dinamica: 915519. Vence en 5\nminutos.\nHoy\nUsted recibio USD 108,11 de REBECA "
                       "RAMÍREZ GAMBOA por concepto de ID:92835 el 3 de setiembre del 2026. Ref\n25733492694747.")
    assert fields.reference == "25733492694747"
    assert (fields.description, fields.client_id) == ("ID:92835", "92835")
    assert (fields.amount, fields.currency) == (Decimal("108.11"), "USD")


def test_a_description_before_the_payee_stops_at_a_favor_de() -> None:
    fields = read_text("Se ha debitado de su cuenta ****4471 la suma de 25.000 colones por concepto de Cuota No. 4 ID "
                       "15844, a favor de ACADEMIA MUSICAL ALLEGRO, el 3 de marzo de 2026. Comprobante: 88213344.")
    assert (fields.description, fields.client_id) == ("Cuota No. 4 ID 15844", "15844")
    assert (fields.payer_name, fields.payee_name) == (None, "ACADEMIA MUSICAL ALLEGRO")


def test_an_abbreviated_motivo_and_a_phone_after_tel() -> None:
    fields = read_text("MUCAP: Recibio SINPE MOVIL ₡5.000,00 de José María Camacho Tel. 8830-4631. Mot: SINPE ID "
                       "56882. Ref: 2026031500012345678")
    assert (fields.payer_name, fields.payer_phone) == ("José María Camacho", "88304631")
    assert (fields.description, fields.client_id) == ("SINPE ID 56882", "56882")


def test_a_time_later_in_the_message_is_not_taken_for_a_label() -> None:
    fields = read_text("COOPESERVIDORES informa: transferencia SINPE Movil de CRC2,471,906.45 a WOLK SOFTWARE "
                       "SOCIEDAD ANONIMA (506-8304-6316) realizada el 27 de mayo de 2026. Motivo: Servicios mayo Wolk "
                       "S.A. ID 68745. Comprobante 20260527507785298188 06:16:31 am")
    assert (fields.description, fields.client_id) == ("Servicios mayo Wolk S.A. ID 68745", "68745")
    assert fields.payee_name == "WOLK SOFTWARE SOCIEDAD ANONIMA"


def test_the_sender_after_enviados_por_and_a_name_on_the_line_of_the_next_label() -> None:
    fields = read_text("Estimado cliente: BAC Credomatic le notifica la acreditación de 2579895 colones enviados por "
                       "Carlos Ureña el 9 de abril de 2026. Detalle: PAGO ID 57206. Número de autorización: "
                       "89408353370048.")
    assert (fields.payer_name, fields.description, fields.client_id) == ("Carlos Ureña", "PAGO ID 57206", "57206")
    paid = read_text("Mutual Alajuela informa que se debitó ₡779 de la cuenta terminada en 1244 por transferencia a\n"
                     "Servicios Médicos Aurora S.A. Ref:\n65148323841600.")
    assert (paid.payee_name, paid.reference) == ("Servicios Médicos Aurora S.A.", "65148323841600")


def test_a_motivo_alone_on_its_line_takes_the_words_after_it_not_the_sentence_before() -> None:
    fields = read_receipt(notification_image(
        "COOPENAE informa: pago SINPE Movil de\nCRC 365,00 a FERRETERIA EL ROBLE,\njueves 26 de febrero de 2026 a las "
        "15:45.\nMotivo:\nID WOLK 6968\nmensualidad. Referencia 113020829479.", bank="Coopenae", family="email"))
    assert (fields.description, fields.client_id) == ("ID WOLK 6968 mensualidad", "6968")
    assert (fields.payer_name, fields.payee_name) == (None, "FERRETERIA EL ROBLE")
    assert fields.confidence["description"] < 0.9


def test_a_concepto_that_starts_a_line_of_the_paragraph_is_read_to_its_sentence_end() -> None:
    fields = read_receipt(notification_image(
        "Banco Nacional: credito SINPE MOVIL a\nsu cuenta ***740 por 330,53 colones,\nremitente Maria de los Angeles "
        "Mendez\nNuñez, 17 de agosto del 2026.\nConcepto Pago de mensualidad de\nservicios profesionales de agosto ID"
        "\n67014. Doc 24391792180793", family="push"))
    assert fields.description == "Pago de mensualidad de servicios profesionales de agosto ID 67014"
    assert (fields.client_id, fields.payer_name) == ("67014", "Maria de los Angeles Mendez Nuñez")


def test_payee_after_para_or_al_beneficiario_and_payer_after_realizada_por() -> None:
    para = read_text("SINPE Móvil para WOLK SOFTWARE S.A. por ₡5.000,00 realizado con éxito. Ref 2026101400012")
    assert para.payee_name == "WOLK SOFTWARE S.A."
    role = read_text("Su transferencia al beneficiario Juan Pérez Mora por $45.00 fue aplicada. Comprobante 99887766")
    assert (role.payer_name, role.payee_name) == (None, "Juan Pérez Mora")
    by = read_text("Transferencia realizada por Ana Lucía Solís Vega a su cuenta por ₡15.000,00. Ref 123456789")
    assert (by.payer_name, by.payee_name) == ("Ana Lucía Solís Vega", None)
    by_means = read_text("Transferencia realizada por medio de SINPE Móvil a Juan Mora Vega por ₡1.000,00.")
    assert (by_means.payer_name, by_means.payee_name) == (None, "Juan Mora Vega")


def test_a_holder_named_in_parentheses_after_the_phone() -> None:
    fields = read_text("Transferencia SINPE Móvil a 8888-7777 (WOLK SOFTWARE) por ₡5.000,00. Motivo del pago: ID 99. "
                       "Ref 2026101455")
    assert (fields.payee_name, fields.payee_phone) == ("WOLK SOFTWARE", "88887777")
    assert (fields.description, fields.client_id) == ("ID 99", "99")


def test_a_description_label_of_several_words_inside_the_paragraph() -> None:
    fields = read_receipt(notification_image(
        "Se acreditó una transferencia con destino a Inversiones Pura Vida S.A. por ₡9.000,00 originada por Carlos "
        "Mora Solís. Descripción del pago: ID 321 pago de marzo. Referencia 55554444333", family="email"))
    assert (fields.payer_name, fields.payee_name) == ("Carlos Mora Solís", "Inversiones Pura Vida S.A.")
    assert (fields.description, fields.client_id) == ("ID 321 pago de marzo", "321")


def test_con_el_concepto_introduces_the_description_and_a_bank_name_ends_the_payer() -> None:
    fields = read_text("Recibiste ₡5.000,00 de MARIA MORA VEGA BAC Credomatic con el concepto Pago de servicios ID 55. "
                       "Ref 20261014000")
    assert (fields.payer_name, fields.description, fields.client_id) == ("MARIA MORA VEGA", "Pago de servicios ID 55",
                                                                         "55")
    assert read_notification("Se recibió SINPE Móvil con el detalle de la cuenta. Ref 123456789").description is None
