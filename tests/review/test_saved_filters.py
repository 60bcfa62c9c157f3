"""Remembered filters: each person's last filters and sort per posting (and for the all-candidates
list) come back when they open the table without a query string, until they clear them."""

import re

import pytest

from dashboard.review.models import SavedFilter
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db

ROW_LINK = re.compile(r'href="/interviews/(int_[^/"]+)/\?')


@pytest.fixture
def rows(team, posting):
    other = make_posting(team, title="Designer")
    return {
        "ada": make_interview(team, posting, remote_id="int_ada", name="Ada", score=90),
        "bob": make_interview(team, posting, remote_id="int_bob", name="Bob", score=40),
        "cy": make_interview(team, other, remote_id="int_cy", name="Cy", score=70),
    }


def test_a_bare_posting_url_restores_the_last_filters_with_a_notice(login, reviewer, posting, rows):
    client = login(reviewer)
    url = f"/postings/{posting.remote_id}/"
    assert "Filters restored" not in client.get(url).text  # nothing saved yet
    client.get(url + "?score_min=50&sort=name&page=1")
    html = client.get(url).text
    assert "Filters restored" in html and f'href="{url}?clear=1">Clear</a>' in html
    assert ROW_LINK.findall(html) == ["int_ada"]
    assert 'id="id_score_min" value="50"' in html
    assert '<option value="name" selected>Name, A to Z</option>' in html
    # Links on the restored page carry the filters, so the next click keeps them.
    assert "score_min=50" in re.search(r'href="(\?[^"]*sort=-name[^"]*)"', html).group(1)
    assert SavedFilter.objects.get().query == "score_min=50&sort=name"  # no page, no empties


def test_an_htmx_filter_request_is_remembered_too(login, reviewer, posting, rows):
    client = login(reviewer)
    url = f"/postings/{posting.remote_id}/"
    client.get(
        url + "?q=bob&status=&decision=&sort=-interviewed",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="candidate-table",
    )
    assert SavedFilter.objects.get().query == "q=bob"  # the default sort is not worth remembering
    assert ROW_LINK.findall(client.get(url).text) == ["int_bob"]


def test_each_posting_the_all_candidates_list_and_each_person_remember_their_own(
    login, reviewer, admin, posting, rows
):
    reviewing = login(reviewer)
    reviewing.get(f"/postings/{posting.remote_id}/?q=ada")
    reviewing.get("/candidates/?q=cy")
    assert ROW_LINK.findall(reviewing.get(f"/postings/{posting.remote_id}/").text) == ["int_ada"]
    assert ROW_LINK.findall(reviewing.get("/candidates/").text) == ["int_cy"]
    other_posting = rows["cy"].posting
    assert "Filters restored" not in reviewing.get(f"/postings/{other_posting.remote_id}/").text
    admin_view = login(admin).get("/candidates/").text
    assert "Filters restored" not in admin_view and len(ROW_LINK.findall(admin_view)) == 3


def test_clear_forgets_the_filters(login, reviewer, posting, rows):
    client = login(reviewer)
    url = f"/postings/{posting.remote_id}/"
    client.get(url + "?q=ada")
    response = client.get(url + "?clear=1")
    assert response.status_code == 302 and response["Location"] == url
    assert not SavedFilter.objects.exists()
    html = client.get(url).text
    assert "Filters restored" not in html and sorted(ROW_LINK.findall(html)) == ["int_ada", "int_bob"]
    assert f'href="{url}?clear=1">Clear filters</a>' not in html  # nothing to clear now
    # The toolbar's link forgets too.
    assert f'href="{url}?clear=1">Clear filters</a>' in client.get(url + "?q=a").text


def test_emptying_every_filter_in_the_form_forgets_them(login, reviewer, rows):
    client = login(reviewer)
    client.get("/candidates/?q=ada")
    client.get(
        "/candidates/?q=&status=&sort=-interviewed", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidate-table"
    )
    assert not SavedFilter.objects.exists()


def test_viewers_have_their_filters_remembered(login, viewer, rows):
    client = login(viewer)
    client.get("/candidates/?score_max=50")
    assert ROW_LINK.findall(client.get("/candidates/").text) == ["int_bob"]


def test_bad_saved_input_is_explained_and_the_rest_still_applies(login, reviewer, rows):
    client = login(reviewer)
    client.get("/candidates/?score_min=lots&q=ada")
    html = client.get("/candidates/").text
    assert "Filters restored" in html and "Enter a number." in html
    assert ROW_LINK.findall(html) == ["int_ada"]
    assert SavedFilter.objects.get().query == "q=ada&score_min=lots"


def test_an_outsider_gets_404_and_never_restores_anothers_filters(login, outsider, reviewer, posting, rows):
    login(reviewer).get("/candidates/?q=ada")
    client = login(outsider)
    assert client.get(f"/postings/{posting.remote_id}/").status_code == 404
    assert client.get(f"/postings/{posting.remote_id}/?clear=1").status_code == 404
    html = client.get("/candidates/").text
    assert "Filters restored" not in html and ROW_LINK.findall(html) == []
    assert SavedFilter.objects.count() == 1
