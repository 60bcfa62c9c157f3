"""Reading uploaded files: encodings, delimiters, quoting, limits and clear refusals."""

import pytest

from dashboard.ingestion.csvfile import CsvError, open_table
from tests.ingestion.conftest import stored

# The files are read from upload storage: the database.
pytestmark = pytest.mark.django_db

NAMES = ["José Müller", "Zoë O'Brien", "Ana Lima"]


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("utf8_comma.csv", "utf-8", ","),
        ("utf8_bom_comma.csv", "utf-8-sig", ","),
        ("utf8_bom_semicolon.csv", "utf-8-sig", ";"),
        ("utf8_pipe.csv", "utf-8", "|"),
        ("utf8_tab.tsv", "utf-8", "\t"),
        ("excel_unicode_text.txt", "utf-16", "\t"),
        ("utf16_be_comma.csv", "utf-16", ","),
    ],
)
def test_it_reads_every_accepted_encoding_and_delimiter(name, encoding, delimiter):
    table = open_table(stored(name))
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.header == ("Name", "Email", "Phone", "Source")
    rows = list(table.rows(100))
    assert [cells[0] for _, cells in rows] == NAMES
    assert rows[1] == (3, ["Zoë O'Brien", "zoe@example.com", "+44 20 7946 0958", "Referral"])


def test_it_reads_an_excel_cp1252_export_with_semicolons():
    table = open_table(stored("excel_cp1252_semicolon.csv"))
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.header == ("Candidate Name", "Email Address", "Phone Number", "Notes")
    first = next(table.rows(10))[1]
    assert first == ["José Müller", "jose@example.com", "(206) 555-0100", "“Great” – 100€"]


def test_it_falls_back_to_latin1_when_cp1252_cannot_decode():
    table = open_table(stored("latin1_comma.csv"))
    assert table.encoding == "latin-1"
    assert [c[0] for _, c in table.rows(10)] == ["José Müller", "Zoë O'Brien", "An\x81a Lima"]


def test_it_keeps_quoted_newlines_and_quotes_inside_fields():
    table = open_table(stored("quoted_newlines.csv"))
    rows = list(table.rows(10))
    assert rows[0] == (2, ["Lee, Sam", "sam@example.com", "line one\nline two"])
    assert rows[1] == (3, ["Kim Park", "kim@example.com", 'She said "hi"'])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("workbook.xlsx", "Excel workbook"),
        ("binary.bin", "binary file"),
        ("empty.csv", "empty"),
        ("no_header.csv", "header row"),
        ("single_column.csv", "Only one column"),
    ],
)
def test_it_refuses_what_it_cannot_read_and_says_what_to_do(name, message):
    with pytest.raises(CsvError, match=message) as caught:
        open_table(stored(name))
    assert "CSV" in str(caught.value) or "header" in str(caught.value)


def test_it_stops_at_the_row_limit_while_streaming():
    content = b"name,email\n" + b"".join(b"P%d,p%d@example.com\n" % (n, n) for n in range(50))
    table = open_table(stored("many.csv", content))
    rows = table.rows(10)
    for _ in range(10):
        next(rows)
    with pytest.raises(CsvError, match="more than 10 candidate rows"):
        next(rows)


def test_it_names_blank_and_repeated_headers_and_pads_short_rows():
    table = open_table(stored("x.csv", b"name,email,,email\nAda,a@example.com\n"))
    assert table.header == ("name", "email", "Column 3", "email (2)")
    assert list(table.rows(5)) == [(2, ["Ada", "a@example.com", "", ""])]


def test_it_skips_blank_lines():
    table = open_table(stored("x.csv", b"name,email\n\nAda,a@example.com\n,\n"))
    assert list(table.rows(5)) == [(3, ["Ada", "a@example.com"])]
