"""Files from Excel are read in UTF-8 (with or without BOM), Windows-1252 or UTF-16, never with silent losses; a
row the reader cannot split is reported with its line."""

from __future__ import annotations

import pytest

from currency.text import BadRow, UndecodableFile, csv_rows, decode_bytes, sniff_delimiter

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


def test_excels_unicode_text_is_utf16_with_tabs_and_reads_with_or_without_its_bom() -> None:
    text = "ID cliente\tNombres\n1001\tMaría José\n"
    for data in (text.encode("utf-16"), text.encode("utf-16-le"), text.encode("utf-16-be")):
        decoded = decode_bytes(data)
        assert decoded == text
        assert sniff_delimiter(decoded) == "\t"


def test_a_workbook_is_named_for_what_it_is() -> None:
    with pytest.raises(UndecodableFile, match="libro de Excel"):
        decode_bytes(b"PK\x03\x04" + b"\0" * 100)


def test_escape_characters_are_dropped_tabs_and_line_ends_kept_and_nul_bytes_refused() -> None:
    assert decode_bytes(b"ab\x1b[2J\x07\tc\r\nd") == "ab[2J\tc\r\nd"
    with pytest.raises(UndecodableFile, match="bytes nulos"):
        decode_bytes(b"a\x00b")


def test_rows_carry_the_line_they_start_on_when_a_quoted_cell_spans_lines() -> None:
    text = 'a,b\n"uno\ndos",1\n\nTubo 1/2",2\n'
    assert list(csv_rows(text)) == [(1, ["a", "b"]), (2, ["uno\ndos", "1"]), (4, []), (5, ['Tubo 1/2"', "2"])]


@pytest.mark.parametrize("text", ['a,b\n1,"sin cerrar\n', 'a,b\n1,"sin cerrar\n2,3\n4,5\n'])
def test_a_quote_never_closed_is_reported_on_its_line_not_read_as_one_huge_cell(text: str) -> None:
    with pytest.raises(BadRow, match="comillas") as raised:
        list(csv_rows(text))
    assert raised.value.line == 2


def test_a_cell_past_the_readers_limit_is_reported_with_its_line() -> None:
    with pytest.raises(BadRow, match="fila 3: una celda de más de 131 072 caracteres"):
        list(csv_rows("a,b\n1,2\n3," + "x" * 200_000 + "\n"))
