"""Stories for notifications read by the shape of their sentences rather than by their wordings: a role that opens a
sentence or follows the amount, a short first name before the verb, the payee before `recibió`, the payer before
`realizó`, a shorthand SMS in capitals, a description in quotes, a 20-digit SINPE reference that dates the payment,
a greeting over a paragraph, a colón sign misread as a bracket and a letter, and an amount label whose line runs on;
on pasted text and on generated notification screens read by real Tesseract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.ocr import read_receipt, read_text
from tests.ocr.generator import notification_image


def test_a_role_that_opens_a_sentence_names_the_payee_and_a_lower_case_detail_after_a_comma_the_description() -> None:
    fields = read_receipt(notification_image(
        "Transacción aprobada. Beneficiario Constructora Monteverde S.A., monto ₡874,00, detalle Pago de "
        "servicios, referencia 2026090344630134915071119.", bank="Scotiabank", family="push"))
    assert fields.payee_name == "Constructora Monteverde S.A."
    assert fields.description == "Pago de servicios"
    assert (fields.amount, fields.currency) == (Decimal("874.00"), "CRC")


def test_a_shorthand_sms_in_capitals_gives_the_origin_and_the_description_between_its_keywords() -> None:
    fields = read_text("BN CREDITO SINPE ₡699.50 ORIGEN José Alberto Calderón Vega DESC Alquiler apto. 4 ID 31532 "
                       "REF 70361583606941")
    assert fields.payer_name == "José Alberto Calderón Vega"
    assert fields.description == "Alquiler apto. 4 ID 31532"
    assert fields.reference == "70361583606941"
    sent = read_text("BAC: Debito SINPE Movil CRC989.00 destino Wolk Software Ltda. tel 64172132. 26/5/2026 8:48 AM. "
                     "Aut 2026052612435417720692452")
    assert sent.payee_name == "Wolk Software Ltda."
    assert sent.payer_name is None


def test_a_short_first_name_before_the_verb_stays_in_the_payers_name() -> None:
    fields = read_receipt(notification_image(
        "COOCIQUE R.L. informa: Ana Lucía Montero Núñez le transfirio USD848.00 el 22 de diciembre de 2026. "
        "Motivo PAGO ID 99309. Comprobante 20261222034367609292", family="push"))
    assert fields.payer_name == "Ana Lucía Montero Núñez"
    assert fields.description == "PAGO ID 99309"


def test_the_payee_comes_before_recibio_and_the_payer_before_realizo() -> None:
    paid = read_text("José Pablo Segura Calderón recibió su pago de CRC94796.50 el 27 de marzo de 2026. Detalle: "
                     "Cliente ID-38965 marzo. Comprobante 97433330818850")
    assert (paid.payee_name, paid.payer_name) == ("José Pablo Segura Calderón", None)
    sent = read_text("El cliente Agrícola Los Santos S.A. realizó una transferencia a su favor por 521,50 colones el "
                     "jueves 5 de noviembre de 2026. Motivo de la transferencia: Mensualidad noviembre ID 37473.")
    assert (sent.payer_name, sent.payee_name) == ("Agrícola Los Santos S.A.", None)


def test_a_description_in_quotes_or_guillemets_is_what_they_hold() -> None:
    quoted = read_text("SINPE Móvil: Hazel Céspedes Quesada le envió CRC561221,00 con el mensaje \"Suscripción ID "
                       "#94826\". Referencia 20260214301929233470.")
    assert quoted.description == "Suscripción ID #94826"
    assert quoted.client_id == "94826"
    guillemets = read_text("KARLA MORA te envió $5,00 por SINPE Móvil con la descripción «Pago ID 5». Comprobante: "
                           "2026021430192923347")
    assert guillemets.description == "Pago ID 5"


def test_a_twenty_digit_sinpe_reference_dates_a_payment_whose_text_gives_no_year() -> None:
    fields = read_text("Has recibido CRC164.00 de IGNACIO MONTERO SIBAJA por SINPE Móvil. Motivo: cuota mensual. "
                       "Referencia: 20260707872776963114")
    assert fields.date == date(2026, 7, 7)
    assert fields.confidence["date"] < 0.9


def test_a_greeting_over_a_paragraph_leaves_its_holders_to_the_sentence() -> None:
    fields = read_receipt(notification_image(
        "Estimado asociado:\nConfirmamos el pago de $525.00 realizado por JOSÉ\nALBERTO\nNÚÑEZ HIDALGO a favor de "
        "SERVICIOS MÉDICOS AURORA\nS.A. el 9-mar-2026. Descripción del pago: Pago. Número\nde referencia "
        "83935504987568.", bank="BAC Credomatic", family="email"))
    assert fields.payer_name == "JOSÉ ALBERTO NÚÑEZ HIDALGO"
    assert fields.payee_name == "SERVICIOS MÉDICOS AURORA S.A."


def test_a_colon_sign_misread_as_a_bracket_and_a_letter_still_gives_the_amount_never_surely() -> None:
    fields = read_text("Promerica le informa: SINPE Movil enviado a WOLK SOFTWARE SOCIEDAD ANONIMA por (í 65.223,50 el "
                       "19/2/2026 a las 11:13:38. Detalle: Alquiler apto. 4 ID 1937. Referencia 20260219396555713292.")
    assert fields.amount == Decimal("65223.50")
    assert fields.confidence["amount"] < 0.9
    after = read_text("BAC: ( 5,622.00 transferidos a Wolk Software Ltda. desde su cuenta CR29..5439 el 6/11/2026. "
                      "Detalle: ID:16950. Autorizacion No. 15343187016247")
    assert after.amount == Decimal("5622.00")
    assert after.confidence["amount"] < 0.9


def test_an_amount_label_whose_line_runs_on_into_the_next_sentence_is_read_from_its_own_line() -> None:
    fields = read_receipt(notification_image(
        "CoopeAnde: SINPE Móvil enviado. Beneficiario: Wolk\nSoftware S.A. Monto: $6.397,00. Motivo: Factura 1075 - "
        "ID\n95075. Ref: 81016701322482", family="push"))
    assert (fields.amount, fields.currency) == (Decimal("6397.00"), "USD")
    assert fields.payee_name == "Wolk Software S.A."
    assert fields.reference == "81016701322482"
