"""Stories for photographed paper: a thermal ticket lying beside a shadow, a ticket whose text runs to the paper's
edge, a dark phone on a dark table, and a voucher naming only the other account's bank; on generated tuned receipts
forced photographed, read by real Tesseract."""

from __future__ import annotations

from decimal import Decimal

from bot.ocr import read_receipt
from tests.ocr.generator import generate


def test_a_thermal_ticket_photographed_beside_a_shadow_is_read_whole_not_lost_to_the_table() -> None:
    generated = generate(42019, part="tuned", family="w-thermal", photographed=True)
    fields = read_receipt(generated.data)
    # The table and the shadow beside the paper used to be kept with it: Tesseract then found no text in the body.
    assert (fields.amount, fields.currency) == (Decimal("1241.21"), "USD")
    assert fields.payer_name == generated.truth.payer_name == "JUAN JOSE NAVARRO"
    assert fields.payee_name == generated.truth.payee_name


def test_a_ticket_whose_values_run_to_the_paper_edge_keeps_its_last_letters() -> None:
    generated = generate(42008, part="tuned", family="w-thermal", photographed=True)
    fields = read_receipt(generated.data)
    # The table's colour beside the paper darkened the background estimated for the values at its right edge.
    assert (fields.amount, fields.currency) == (Decimal("819.00"), "CRC")
    assert fields.date == generated.truth.date


def test_a_dark_phone_on_a_dark_table_is_read_uncropped_rather_than_cut_through_its_text() -> None:
    generated = generate(40088, part="tuned", photographed=True)
    assert generated.dark
    fields = read_receipt(generated.data)
    # Only the lighter message bubble differs from the table: a mask that follows it would cut the reference short.
    assert fields.reference == "20261007078837654792"
    assert (fields.amount, fields.currency) == (Decimal("135.00"), "USD")


def test_a_voucher_naming_only_the_beneficiary_bank_has_no_sure_issuer() -> None:
    generated = generate(41007, part="tuned", family="w-voucher", photographed=True)
    assert generated.truth.bank is None
    fields = read_receipt(generated.data)
    # `Banco beneficiario Coopenae` names the other account's bank.
    assert fields.bank is None or fields.confidence["bank"] < 0.9
