"""Stories for holders' names that sit in a section or under their account rather than beside a label of their own,
and dates in words that follow a reference number: on story images and tuned generated receipts, real Tesseract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.ocr import read_receipt, read_text
from bot.ocr.values import is_account, parse_date
from tests.ocr.generator import generate
from tests.ocr.sketch import Text, sketch


def test_the_name_after_the_phone_in_a_destination_section_is_the_payee() -> None:
    image = sketch([
        Text(300, 40, "Comprobante de transferencia", 36, bold=True),
        Text(60, 130, "Desde", 30, bold=True),
        Text(90, 180, "CR19 0152 0200 1026 2840 66", 26, grey=True),
        Text(90, 225, "Ana Lucía Rojas Mora", 34),
        Text(60, 300, "Hacia", 30, bold=True),
        Text(90, 350, "Celular destino: 8231-8387", 26, grey=True),
        Text(90, 395, "Wolk Software", 34),
        Text(60, 480, "Fecha", 30, grey=True), Text(1020, 480, "30/07/2026", 34, anchor="ra"),
        Text(60, 550, "Monto", 30, grey=True), Text(1020, 550, "₡587,35", 34, anchor="ra"),
        Text(60, 620, "Detalle", 30, grey=True), Text(1020, 620, "Pago factura", 34, anchor="ra"),
    ])
    fields = read_receipt(image)
    assert (fields.payer_name, fields.payee_name) == ("Ana Lucía Rojas Mora", "Wolk Software")
    assert fields.confidence["payee_name"] < 0.9


def test_the_name_on_the_row_under_a_masked_account_is_its_holder() -> None:
    image = sketch([
        Text(60, 40, "Transferencia exitosa", 36, bold=True),
        Text(60, 130, "Fecha", 28, grey=True), Text(1020, 130, "09/11/2026", 32, anchor="ra"),
        Text(60, 190, "Monto", 28, grey=True), Text(1020, 190, "229,288.50 CRC", 32, anchor="ra"),
        Text(60, 250, "Cuenta de retiro", 28, grey=True), Text(1020, 252, "CR73 **** **** 7739", 24, anchor="ra"),
        Text(1020, 310, "Natalia María Ulate Ulate", 32, anchor="ra"),
        Text(60, 370, "Detalle", 28, grey=True), Text(1020, 370, "Mensualidad", 32, anchor="ra"),
        Text(60, 430, "Referencia", 28, grey=True), Text(1020, 430, "2026110941529180705910508", 32, anchor="ra"),
    ])
    fields = read_receipt(image)
    assert fields.payer_name == "Natalia María Ulate Ulate"
    assert fields.payee_name is None
    assert fields.confidence["payer_name"] < 0.9


def test_an_account_whose_hiding_stars_were_misread_is_still_an_account() -> None:
    assert is_account("CR28 eek er* 0317") and is_account("CR73 eek er 7739")
    assert not is_account("CR05 Wolk Software 2026")


@pytest.mark.parametrize(("seed", "field", "truth"), [
    (10041, "payee_name", "Wolk Software"),  # sections: `Hacia`, the phone, then the name
    (10078, "payer_name", "Hazel Segura Calderón"),  # sections: `CUENTA DE ORIGEN`, phone, IBAN, name
    (10106, "payer_name", "Natalia María Ulate Ulate"),  # dense rows: the name on the row under the account
    (10123, "payer_name", "VICTOR PORRAS PORRAS"),  # captions: the account line between went unread
    (10075, "date", "2026-04-27"),  # push: `Ref 123072140672. 27 de abril de 2026`
])
def test_tuned_receipts_where_a_holder_or_a_date_was_missed(seed: int, field: str, truth: str) -> None:
    receipt = generate(seed, part="tuned")
    assert receipt.truth.as_json()[field] == truth
    assert read_receipt(receipt.data).to_json()[field] == truth


def test_a_date_in_words_after_a_reference_number_is_found() -> None:
    assert parse_date("mensualidad. Ref 123072140672. 27 de abril de 2026 a las 14:27") == date(2026, 4, 27)
    assert parse_date("Ref 160791176938. viernes, 17 de julio de 2026") == date(2026, 7, 17)


def test_a_date_whose_year_was_misread_out_of_this_century_is_no_date() -> None:
    assert parse_date("Fecha 01/02/2403") is None
    assert parse_date("01/02/2026") == date(2026, 2, 1)


@pytest.mark.parametrize(("seed", "field", "truth"), [
    (10101, "payer_name", "GEOVANNY VARGAS ZAMORA"),  # `Remitentes` (plural) names its own side
    (10101, "description", "Pago ID 16483"),  # `Detalle de la Transac.`: an abbreviation, not a sentence's end
    (10034, "payer_name", "Rebeca Mora Cordero"),  # `ASOCIADO`: a cooperative's member is its holder
])
def test_wider_tuned_receipts_whose_labels_were_missed(seed: int, field: str, truth: str) -> None:
    receipt = generate(seed, part="tuned")
    assert receipt.truth.as_json()[field] == truth
    assert read_receipt(receipt.data).to_json()[field] == truth


def test_a_balance_under_an_unreadable_amount_is_never_taken_for_it_with_confidence() -> None:
    fields = read_text("Transferencia exitosa\nMonto debitado\nDescripción: pago\nSaldo actual CRC 2.642,50")
    assert fields.amount is None
    fields = read_text("Transferencia exitosa\nSaldo disponible: ₡ 150.000,00\nEnviaste ₡ 5.000,00 a JUAN MORA")
    assert fields.amount == Decimal("5000.00")
    receipt = generate(10116, part="tuned")  # a header table whose amount cell reads as garbage, a balance below
    read = read_receipt(receipt.data)
    assert read.amount is None or read.confidence["amount"] < 0.9
