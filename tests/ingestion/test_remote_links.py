"""Links HeyMilo sends (interview links, export files) become an href only when they are http(s):
the import results, a candidate's status and the exports pages, through the one safe_url filter."""

import re

import pytest

from dashboard.core.templatetags.core import safe_url
from dashboard.ingestion.models import CandidateIngest, Export, ImportJob, ImportRow

pytestmark = pytest.mark.django_db

HOSTILE = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "JaVaScRiPt:alert(1)",
    "  JaVaScRiPt:alert(1)",
    "\tjavascript:alert(1)",
]
GOOD = "https://int.heymilo.example/i/abc?x=1&y=2"
# An attribute holding a URL (or the copy button's text) that starts with a script-running scheme.
LINKED = re.compile(r'(href|src|data-copy)="\s*(javascript|data|vbscript):', re.I)


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_url_drops_every_scheme_but_http_and_https(value):
    assert safe_url(value) == ""


def test_safe_url_keeps_web_links():
    assert safe_url(GOOD) == GOOD and safe_url(" http://a.example/ ") == "http://a.example/"
    assert safe_url(None) == "" and safe_url("") == ""


def results_page(client, team, posting, link: str) -> str:
    job = ImportJob.objects.create(
        team=team,
        posting=posting,
        file_name="p.csv",
        stored_name="x",
        header=["name", "email"],
        state=ImportJob.State.DONE,
    )
    ImportRow.objects.create(
        job=job,
        number=2,
        name="Ada",
        email="ada@example.com",
        status=ImportRow.Status.VALID,
        outcome=ImportRow.Outcome.INGESTED,
        interview_id="int_1",
        interview_link=link,
    )
    return client.get(f"/imports/{job.id}/").text


def status_page(client, team, posting, link: str) -> str:
    item = CandidateIngest.objects.create(
        team=team,
        posting=posting,
        name="Ada",
        email="a@example.com",
        state=CandidateIngest.State.DONE,
        interview_id="int_1",
        interview_link=link,
    )
    return client.get(f"/postings/{posting.remote_id}/candidates/added/{item.id}/").text


def exports_page(client, team, posting, link: str) -> str:
    Export.objects.create(team=team, posting=posting, state=Export.State.DONE, file_url=link)
    return client.get(f"/postings/{posting.remote_id}/exports/").text


PAGES = {"import results": results_page, "candidate status": status_page, "exports": exports_page}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_remote_link_is_never_an_href(login, reviewer, team, posting, page, value):
    html = PAGES[page](login(reviewer), team, posting, value)
    assert not LINKED.search(html), LINKED.search(html)
    assert "int_1" in html or "not a web address" in html  # the rest of the row is still shown


@pytest.mark.parametrize("page", PAGES)
def test_a_web_link_is_still_a_link(login, reviewer, team, posting, page):
    html = PAGES[page](login(reviewer), team, posting, GOOD)
    assert 'href="https://int.heymilo.example/i/abc?x=1&amp;y=2"' in html
