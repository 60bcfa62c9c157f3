"""The candidate table's "Compare ticked" button: a plain GET of the ticked ids to the compare page,
for every role, with JavaScript on (htmx must not take it over) and off."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.review.conftest import make_interview

COMPARE_BUTTON = (
    '<button type="submit" class="button small" formaction="/candidates/compare/" '
    'formmethod="get" data-compare>Compare ticked</button>'
)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "reviewer", "viewer"])
def test_every_role_gets_checkboxes_and_the_compare_button_in_the_rows_form(
    login, request, team, posting, role
):
    for n in range(3):
        make_interview(team, posting, remote_id=f"int_c{n}")
    client = login(request.getfixturevalue(role))
    for response in (
        client.get(f"/postings/{posting.remote_id}/"),
        client.get("/candidates/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidate-table"),
    ):
        html = response.text
        form = re.search(r'<form id="bulk-form".*?</form>', html, re.S).group(0)
        assert COMPARE_BUTTON in form
        assert len(re.findall(r'<input type="checkbox" name="ids" value="int_c\d"', form)) == 3
        # The compare button sits after the bulk buttons: Enter in the reason field still sets a decision.
        if role != "viewer":
            assert form.index('value="decision"') < form.index("data-compare")
        else:
            assert 'method="get" action="/candidates/compare/"' in form and "hx-post" not in form


# ---------------------------------------------------------------------------------------------
# In Chromium


def _sign_in(tab, live_server, username):
    from tests.factories import PASSWORD

    tab.goto(f"{live_server.url}/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(re.compile(r"^(?!.*/login/)"))


@pytest.fixture
def ticked_table(db):
    from tests.factories import MembershipFactory, TeamFactory, UserFactory
    from tests.review.conftest import make_posting

    team = TeamFactory(name="Acme Hiring")
    for username, role in [("rita", "reviewer"), ("vic", "viewer")]:
        MembershipFactory(user=UserFactory(username=username), team=team, role=role)
    posting = make_posting(team, title="Backend engineer")
    rows = [
        make_interview(team, posting, remote_id=f"int_cmp{n}", name=f"Compare Person {n}", score=n)
        for n in range(3)
    ]
    return posting, rows


def _tick_and_compare(tab, live_server, posting):
    tab.goto(f"{live_server.url}/postings/{posting.remote_id}/?sort=score")
    tab.get_by_label("Select Compare Person 0").check()
    tab.get_by_label("Select Compare Person 2").check()
    # If htmx took the click over, it would fetch in the background and this would time out.
    with tab.expect_navigation():
        tab.get_by_role("button", name="Compare ticked").click()
    return urlsplit(tab.url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", ["rita", "vic"])
def test_with_javascript_it_opens_the_compare_url_with_only_the_ticked_ids(
    live_server, page, ticked_table, username
):
    posting, _ = ticked_table
    _sign_in(page, live_server, username)
    target = _tick_and_compare(page, live_server, posting)
    assert target.path == "/candidates/compare/"
    assert parse_qs(target.query) == {"ids": ["int_cmp0", "int_cmp2"]}  # no CSRF token, no bulk fields
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", ["rita", "vic"])
def test_without_javascript_the_form_still_gets_there(live_server, browser, ticked_table, username):
    posting, _ = ticked_table
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        _sign_in(tab, live_server, username)
        target = _tick_and_compare(tab, live_server, posting)
    finally:
        context.close()
    assert target.path == "/candidates/compare/"
    assert parse_qs(target.query)["ids"] == ["int_cmp0", "int_cmp2"]
