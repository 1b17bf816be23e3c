"""Files from Excel are read in UTF-8 (with or without BOM) or Windows-1252, never with silent losses."""

from __future__ import annotations

import pytest

from currency.text import UndecodableFile, decode_bytes, sniff_delimiter

NAME = "“Ferretería El Niño” – Peña’s"


def test_utf8_with_and_without_bom() -> None:
    assert decode_bytes(NAME.encode("utf-8")) == NAME
    assert decode_bytes(NAME.encode("utf-8-sig")) == NAME


def test_windows_1252_from_excel_keeps_curly_quotes_dashes_and_enye() -> None:
    data = NAME.encode("cp1252")
    assert decode_bytes(data) == NAME


def test_bytes_in_no_known_encoding_are_refused_with_a_clear_message() -> None:
    with pytest.raises(UndecodableFile, match="UTF-8 ni en Windows-1252"):
        decode_bytes(b"Pe\x81a")


def test_excel_in_spanish_separates_with_semicolons() -> None:
    assert sniff_delimiter("a;b;c\n1,5;2;3") == ";"
    assert sniff_delimiter("a,b,c\n1;2;3") == ","
