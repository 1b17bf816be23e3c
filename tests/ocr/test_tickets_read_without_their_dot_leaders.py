"""Stories for till tickets whose labels run into their values over dot leaders (`REF.....: 2026...`): on a
screenshot the dots are cut out of the page before Tesseract reads it, so they are neither read as letters nor
swallow the label, and an `ID` that Tesseract reads as `10:` or glues to the number before it still gives the
client ID; on generated tuned receipts, clean and photographed, read by real Tesseract."""

from __future__ import annotations

from decimal import Decimal

from bot.ocr import read_receipt
from bot.ocr.parsing import find_client_id, fix_id_word
from bot.ocr.reader import DEFAULT_CLIENT_ID_PATTERN
from tests.ocr.generator import generate


def test_a_ticket_whose_reference_label_trails_dots_still_gives_its_reference_not_the_terminal_number() -> None:
    generated = generate(10033, part="tuned")
    assert (generated.family, generated.photographed) == ("w-thermal", False)
    fields = read_receipt(generated.data)
    assert fields.reference == "20260916633598631009"
    assert fields.payer_name == "MARCO ANTONIO PEREZ NAVARRO"


def test_a_ticket_with_dotted_labels_gives_its_amount_and_whom_it_was_paid_to() -> None:
    generated = generate(10202, part="tuned")
    assert (generated.family, generated.photographed) == ("ticket-leaders", False)
    fields = read_receipt(generated.data)
    assert (fields.amount, fields.currency) == (Decimal("573286.71"), "CRC")
    assert fields.payee_name == "FERRETERIA EL ROBLE"


def test_a_ticket_whose_subject_and_voucher_labels_trail_dots_gives_both() -> None:
    generated = generate(10268, part="tuned")
    assert generated.family == "w-thermal"
    fields = read_receipt(generated.data)
    assert fields.description == "Pago de servicios"
    assert fields.reference == "2026013024474960807574418"


def test_a_photographed_ticket_whose_id_reads_as_ten_still_gives_the_client_id() -> None:
    generated = generate(42001, part="tuned", family="w-thermal", photographed=True)
    fields = read_receipt(generated.data)
    assert fields.description == "ID:39113"
    assert fields.client_id == "39113"


def test_an_id_glued_to_the_number_before_it_still_gives_the_client_id() -> None:
    generated = generate(10143, part="tuned")
    assert (generated.family, generated.photographed) == ("w-email", False)
    fields = read_receipt(generated.data)
    assert fields.description == "Cuota No. 4 ID 15844"
    assert fields.client_id == "15844"


def test_a_time_of_day_or_a_plain_ten_is_never_taken_for_an_id() -> None:
    assert fix_id_word("Pago a las 10:39") == "Pago a las 10:39"
    assert fix_id_word("Cuota 10 26088") == "Cuota 10 26088"
    assert find_client_id("Pago 10:45:12 factura", DEFAULT_CLIENT_ID_PATTERN) is None
    assert find_client_id("DETALLE 10:39113", DEFAULT_CLIENT_ID_PATTERN) == "39113"


def test_a_bordered_table_keeps_its_small_letters_which_are_no_leader() -> None:
    generated = generate(70000, part="tuned")
    assert (generated.family, generated.photographed) == ("table", False)
    fields = read_receipt(generated.data)
    assert fields.description == "Pago mensual"
    assert fields.payee_name == "Academia Musical Allegro"


def test_a_dotted_label_s_value_keeps_the_tails_of_its_letters_when_it_moves() -> None:
    generated = generate(80035, part="tuned", family="ticket-leaders")
    assert not generated.photographed
    fields = read_receipt(generated.data)
    assert fields.description == "Pago factura"
