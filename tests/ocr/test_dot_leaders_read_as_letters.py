"""Stories for till tickets whose dot leaders Tesseract reads as letters (`ccococcooooo`, `rl`, `coco`) between a
label and its value: the leader goes, the label keeps its value; on generated tickets read by real Tesseract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.ocr import read_receipt
from bot.ocr.engine import Word
from bot.ocr.gaps import without_leaders
from bot.ocr.parsing import parse_amount
from tests.ocr.generator import card_image

ROWS: list[tuple[str, str] | tuple[str, str, str]] = [
    ("Fecha de operación", "23 DE JULIO DE 2026 - 14:10"),
    ("Total debitado", "₡89.433,00"),
    ("Nombre de quien envía", "MARIA MORA ALFARO"),
    ("Para", "WOLK SOFTWARE"),
    ("Razón", "Mensualidad ID 7908"),
    ("Código de transacción", "2026072316620075895750946"),
    ("Cargo por servicio", "0.00"),
]


@pytest.mark.parametrize("seed", [0, 2])
def test_ticket_with_dot_leaders_gives_payee_description_and_amount(seed: int) -> None:
    fields = read_receipt(card_image(ROWS, bank="BCR", family="ticket-leaders", seed=seed))
    assert fields.payee_name == "WOLK SOFTWARE"
    assert fields.payer_name == "MARIA MORA ALFARO"
    assert (fields.description, fields.client_id) == ("MENSUALIDAD ID 7908", "7908")
    assert (fields.amount, fields.currency) == (Decimal("89433.00"), "CRC")


def _word(text: str, left: int, conf: float = 96, top: int = 100, height: int = 30) -> Word:
    return Word(text, conf, left, top, 10 * len(text), height, (1, 1, 1))


def test_a_leader_read_as_letters_between_label_and_value_goes_and_the_label_gets_its_colon() -> None:
    words = [_word("RAZON.", 0, 17), _word("ooionicrinrca", 80, 0), _word("rl", 230, 34, top=122, height=7),
             _word("ID:", 260), _word("8882", 300), _word("pago", 350)]
    assert [w.text for w in without_leaders(words)] == ["RAZON:", "ID:", "8882", "pago"]


def test_real_words_with_the_same_letters_stay() -> None:
    words = [_word("Pago", 0), _word("el", 50, 2), _word("comercio", 80, 40), _word("coco", 180, 60),
             _word("local", 230)]
    assert [w.text for w in without_leaders(words)] == ["Pago", "el", "comercio", "coco", "local"]


def test_a_space_beside_a_thousands_or_decimal_mark_still_groups() -> None:
    assert parse_amount("([89 .433, 00") is not None
    assert parse_amount("([89 .433, 00").value == Decimal("89433.00")  # type: ignore[union-attr]
    assert parse_amount("89 .43, 00") is None
