"""Words compare without accents, case or extra spaces; spreadsheet headers however they are written."""

from __future__ import annotations

from currency.text import fold, normalize_header, printable, strip_accents


def test_fold_makes_every_spelling_of_a_word_one() -> None:
    assert fold("PRÓRROGA") == fold("Prorroga") == fold("prórroga") == "prorroga"
    assert fold("  Peña   Solís ") == "pena solis"
    assert fold("Straße") == "strasse"


def test_strip_accents_keeps_letters_and_case() -> None:
    assert strip_accents("Peña Solís") == "Pena Solis"


def test_headers_match_however_they_are_written() -> None:
    assert normalize_header("Celular_1 código país") == "celular 1 codigo pais"
    assert normalize_header("FECHA (DD/MM/AAAA)") == "fecha dd mm aaaa"


def test_a_file_name_with_a_right_to_left_override_reads_as_it_was_written() -> None:
    assert printable("comprobante\u202egnp.exe") == "comprobantegnp.exe"
    assert printable("pago \u2067₡5000\u2069 listo\tok\n") == "pago ₡5000 listo\tok\n"
