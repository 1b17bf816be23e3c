"""Words compare without accents, case or extra spaces; spreadsheet headers however they are written."""

from __future__ import annotations

from currency.text import fold, normalize_header, strip_accents


def test_fold_makes_every_spelling_of_a_word_one() -> None:
    assert fold("PRÓRROGA") == fold("Prorroga") == fold("prórroga") == "prorroga"
    assert fold("  Peña   Solís ") == "pena solis"
    assert fold("Straße") == "strasse"


def test_strip_accents_keeps_letters_and_case() -> None:
    assert strip_accents("Peña Solís") == "Pena Solis"


def test_headers_match_however_they_are_written() -> None:
    assert normalize_header("Celular_1 código país") == "celular 1 codigo pais"
    assert normalize_header("FECHA (DD/MM/AAAA)") == "fecha dd mm aaaa"
