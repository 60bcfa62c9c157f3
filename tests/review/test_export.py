"""CSV export of the filtered list: streamed, scoped to the team, safe against formula injection."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.core.csv_cells import BIDI_CONTROLS, FORMULA_PREFIXES, csv_safe
from tests.csv_download import csv_dicts, csv_text
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict]:
    return csv_dicts(response)


def test_it_streams_the_filtered_list_of_a_posting(login, viewer, team, posting):
    make_interview(team, posting, name="Keep Me", score=80, eligible=True)
    make_interview(team, posting, name="Drop Me", score=20)
    make_interview(team, make_posting(team), name="Elsewhere", score=90)
    response = login(viewer).get(f"/postings/{posting.remote_id}/export/?score_min=50")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = read_csv(response)
    assert [r["Name"] for r in rows] == ["Keep Me"]
    assert rows[0]["Score"] == "80.0" and rows[0]["Eligible"] == "yes" and rows[0]["Posting"] == posting.title


def test_the_table_links_to_the_export_with_its_filters(login, viewer, team, posting):
    make_interview(team, posting)
    html = login(viewer).get("/candidates/?q=abc&sort=name").text
    assert 'href="/candidates/export/?q=abc&amp;sort=name"' in html


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_cells_that_look_like_formulas_are_neutralised(login, viewer, team, posting, prefix):
    make_interview(team, posting, name=f'{prefix}HYPERLINK("http://evil")', email=f"{prefix}1+1@x.com")
    row = read_csv(login(viewer).get("/candidates/export/"))[0]
    assert row["Name"] == f'\'{prefix}HYPERLINK("http://evil")'
    assert row["Email"] == f"'{prefix}1+1@x.com"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_exported_text_starts_like_a_formula_or_holds_a_bidi_override(text):
    cell = csv_safe(text)
    assert not cell.startswith(FORMULA_PREFIXES)
    assert not BIDI_CONTROLS.search(cell)
    kept = BIDI_CONTROLS.sub("", text)
    assert cell.removeprefix("'") == kept or cell == kept


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_bidi_override_characters_are_dropped_from_the_csv(login, viewer, team, posting, control):
    make_interview(team, posting, name=f"Mallory{control}gpj.exe", email=f"{control}=1+1@x.com")
    row = read_csv(login(viewer).get("/candidates/export/"))[0]
    assert row["Name"] == "Mallorygpj.exe"
    assert row["Email"] == "'=1+1@x.com"  # dropped first, so the formula under it is still caught


def test_an_outsider_gets_404_for_another_teams_export(login, outsider, team, posting):
    make_interview(team, posting, name="Secret Person")
    client = login(outsider)
    assert client.get(f"/postings/{posting.remote_id}/export/").status_code == 404
    assert "Secret Person" not in csv_text(client.get("/candidates/export/"))


def test_an_accented_name_reaches_excel_intact(login, viewer, team, posting):
    """Excel reads a CSV as UTF-8 only after a byte order mark: without one "José" showed "JosÃ©"."""
    make_interview(team, posting, name="José Núñez")
    response = login(viewer).get(f"/postings/{posting.remote_id}/export/")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbfName,")
    assert [row["Name"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))] == ["José Núñez"]
