"""The shared CSV helper: formula cells escaped one way everywhere, and read back to exactly what was written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from igf_hub.core import csvfile


@given(st.text())
def test_unescape_gives_back_exactly_what_escape_was_given(text: str) -> None:
    assert csvfile.unescape(csvfile.escape(text)) == text


@given(st.text())
def test_an_escaped_cell_never_starts_like_a_formula(text: str) -> None:
    escaped = csvfile.escape(text)
    assert escaped[:1] not in csvfile.FORMULA_START or csvfile._PLAIN_NUMBER.fullmatch(escaped)


def test_formula_cells_become_text_and_numbers_stay_numbers() -> None:
    for formula in ("=1+2", "+1 dial", "-wrong", "@SUM(A1)", "\tx", "\rx", "-1+2", '=HYPERLINK("x")'):
        assert csvfile.escape(formula) == f"'{formula}"
    for number in ("-12.50", "+3", "0", "150000"):
        assert csvfile.escape(number) == number
    assert csvfile.escape("'quoted") == "''quoted"  # so that reading it back keeps the apostrophe


def test_amounts_use_the_currency_minor_units() -> None:
    assert csvfile.amount(Decimal("150000.0000"), 0) == "150000"
    assert csvfile.amount(Decimal("0"), 2) == "0.00"
    assert csvfile.amount(Decimal("-1.5"), 3) == "-1.500"


def test_a_written_file_starts_with_a_bom_and_reads_back() -> None:
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    rows = [["=cmd", None, True, when, date(2025, 1, 2), ["KE", "UG"], Decimal("-1.50"), "قمة 互联网"]]
    text = csvfile.write(["Name", "Empty", "Flag", "At", "On", "Countries", "Amount", "Other"], rows)
    assert text.startswith("\ufeffName,Empty,") and text.endswith("\r\n")
    assert "'=cmd" in text and "2025-01-02T03:04:05Z" in text
    table = csvfile.read(text)
    assert table.records() == [
        (
            2,
            {
                "Name": "=cmd",
                "Empty": "",
                "Flag": "true",
                "At": "2025-01-02T03:04:05Z",
                "On": "2025-01-02",
                "Countries": "KE;UG",
                "Amount": "-1.50",
                "Other": "قمة 互联网",
            },
        ),
    ]
    assert not csvfile.write(["A"], [], bom=False).startswith("\ufeff")
    assert csvfile.read("A,B\r\n1\r\n\r\n").rows == [
        (2, None)
    ]  # a short row is reported, a blank line skipped


def test_headers_are_read_by_human_header_or_field_name() -> None:
    columns = {"legal_name": "Legal name", "country": "Country"}
    assert csvfile.field_of("legal name", columns) == "legal_name"
    assert csvfile.field_of("country", columns) == "country"
    assert csvfile.field_of("Colour", columns) is None
    assert dict(csvfile.rename({"Legal name": "X", "COUNTRY": "KE", "Colour": "red"}, columns)) == {
        "legal_name": "X",
        "country": "KE",
    }
