"""Dates as people in Costa Rica write them are read day first, with two-digit years in this century."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from currency.text import find_date, month_number, parse_date
from currency.text.dates import numeric_parts
from currency.text.tables import cell_date

NOV_27 = date(2026, 11, 27)


@pytest.mark.parametrize(
    "text",
    [
        "27/11/2026",
        "27/11/26",
        "27-11-2026",
        "27.11.26",
        " 27 / 11 / 2026 ",
        "2026-11-27",
        "2026/11/27",
        "2026-11-27T10:00:00",
        "27/11/2026 10:30",
        "27/11/2026, 10:30 a. m.",
        "27 de noviembre de 2026",
        "27 de Noviembre del 2026",
        "27 nov. 2026",
        "27 NOV 26",
        "27/NOV/2026",
        "27-nov-2026",
        "viernes 27 de noviembre de 2026",
        "Viernes, 27/11/2026",
        "vie. 27 nov 2026",
        "MIÉRCOLES 27 DE NOVIEMBRE DE 2026",
    ],
)
def test_a_date_in_any_usual_spanish_form_is_the_same_day(text: str) -> None:
    assert parse_date(text) == NOV_27


def test_a_two_digit_year_is_this_century_never_year_26() -> None:
    assert parse_date("27/11/26") == date(2026, 11, 27)
    assert parse_date("01/02/99") == date(2099, 2, 1)


def test_a_four_digit_year_is_the_year_it_says_even_when_it_is_nonsense() -> None:
    assert parse_date("0001-01-01") == date(1, 1, 1)
    assert parse_date("01/01/0001") == date(1, 1, 1)
    assert find_date("pagado el 5/3/0026 en ventanilla") == date(26, 3, 5)


def test_day_comes_first() -> None:
    assert parse_date("03/04/2026") == date(2026, 4, 3)


@pytest.mark.parametrize(("word", "month"), [("setiembre", 9), ("Septiembre", 9), ("set", 9), ("Ago.", 8),
                                               ("ENE", 1), ("diciembre", 12), ("dec", 12)])
def test_spanish_month_names_and_abbreviations(word: str, month: int) -> None:
    assert month_number(word) == month


@pytest.mark.parametrize(
    "text",
    ["31/02/2026", "13/13/2026", "27 de noviembre", "27 de brumario de 2026", "hoy", "", "27/11", "27/11/2026 x",
     "1" * 200, "27/11/20266"],
)
def test_what_is_not_one_whole_date_is_none(text: str) -> None:
    assert parse_date(text) is None


def test_a_date_inside_a_notification_is_found() -> None:
    assert find_date("BAC: Transferencia realizada el 27 de nov. de 2026 a las 10:30") == NOV_27
    assert find_date("Ref 2026112712345, fecha 27/11/26") == NOV_27
    assert find_date("Comprobante 2026-11-27 ok") == NOV_27
    assert find_date("sin fecha ninguna") is None


def test_a_long_text_is_searched_in_bounded_time() -> None:
    import time

    start = time.perf_counter()
    assert find_date("1 de " * 50_000) is None
    assert time.perf_counter() - start < 2


def test_a_spreadsheet_date_cell_reads_the_same_day_however_the_export_wrote_it() -> None:
    day = date(2026, 11, 28)
    cells = (datetime(2026, 11, 28, 9, 30), day, 46354, 46354.0, "46354", "2026-11-28", "28/11/2026",
             "28 de noviembre de 2026")
    assert {cell_date(cell) for cell in cells} == {day}
    assert [cell_date(cell) for cell in ("2026-02-30", "", 46354.5, "hoy")] == [None, None, None, None]


def test_a_column_known_to_be_month_first_reads_the_us_way_and_only_then() -> None:
    assert parse_date("11/28/2026", month_first=True) == date(2026, 11, 28)
    assert parse_date("11/28/2026") is None
    assert parse_date("05/11/2026") == date(2026, 11, 5)
    assert parse_date("05/11/2026 3:07 pm", month_first=True) == date(2026, 5, 11)
    assert parse_date("2026-05-11", month_first=True) == date(2026, 5, 11)
    assert numeric_parts("28/11/26") == (28, 11) and numeric_parts("28 nov 2026") is None
