"""A row with more cells than the header (an unquoted comma, most often) says what happened and
shows its line, instead of being cut and reported by what the shifted values break."""

import pytest

from dashboard.ingestion.csvfile import open_table, shown_line
from dashboard.ingestion.models import ImportJob
from tests.ingestion.conftest import stored, upload

# The files are read from upload storage: the database.
pytestmark = pytest.mark.django_db

LONG = (
    b"name,email,phone,source\n"
    b"Ada Lovelace,ada@example.com,2065550101,fair\n"
    b"Lee, Sam,sam@example.com,2065550102,referral\n"
    b'"Park, Kim",kim@example.com,2065550103,fair\n'
    b"Alan Turing,alan@example.com,,fair,,\n"
)


def test_it_marks_the_row_with_more_cells_and_keeps_the_others():
    rows = list(open_table(stored("long.csv", LONG)).records(10))
    assert [r.number for r in rows] == [2, 3, 4, 5]
    assert rows[1].problem == (
        "Row 3 has 5 cells, the header has 4: a comma inside an unquoted value? The line reads "
        "“Lee, Sam,sam@example.com,2065550102,referral”. Put that value in double quotes, or remove "
        "the comma."
    )
    assert rows[1].cells == ["Lee", " Sam", "sam@example.com", "2065550102"]
    # A quoted comma is a value; trailing empty cells (a spreadsheet's extra separators) harm nothing.
    assert [r.problem for r in (rows[0], rows[2], rows[3])] == ["", "", ""]


def test_it_names_the_files_own_separator_and_escapes_tabs_and_control_characters():
    table = open_table(stored("long.tsv", b"name\temail\nAda\tLovelace\tada@example.com\x07\n"))
    problem = next(table.records(5)).problem
    assert problem.startswith("Row 2 has 3 cells, the header has 2: a tab inside an unquoted value?")
    assert "“Ada\\tLovelace\\tada@example.com\\x07”" in problem


def test_a_multi_line_row_shows_all_its_lines_and_a_long_line_is_cut():
    table = open_table(stored("x.csv", b'name,email\n"Ada\nLovelace",ada@example.com,extra\n'))
    assert '“"Ada\\nLovelace",ada@example.com,extra”' in next(table.records(5)).problem
    assert shown_line("x" * 500 + "\r\n") == "x" * 200 + "…"


@pytest.mark.django_db
def test_the_preview_reports_only_what_happened_and_escapes_the_line(login, reviewer, posting):
    content = LONG + b"<b>Eve</b>, Hacker,eve@example.com,2065550104,<script>x</script>\n"
    client = login(reviewer)
    client.post("/imports/upload/", {"posting": posting.id, "file": upload("long.csv", content)})
    job = ImportJob.objects.get()
    assert (job.rows_valid, job.rows_invalid) == (3, 2)
    row = job.rows.get(number=3)
    # Cut to the header, this row's email would read " Sam" and its phone its email: none of that.
    assert row.error.startswith("Row 3 has 5 cells, the header has 4: a comma inside an unquoted value?")
    assert "email" not in row.error.split("?")[0] and "Phone" not in row.error
    html = client.get(f"/imports/{job.id}/?show=invalid").text
    assert "The line reads “Lee, Sam,sam@example.com,2065550102,referral”" in html
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<b>Eve</b>" not in html
