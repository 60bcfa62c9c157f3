"""In Chromium: the preview of a German export (Vorname/Nachname/E-Mail/Mobil), of phones written
with 00, and of a row with more cells than its header, with the messages each shows."""

import codecs

import pytest

from dashboard.mirror.models import Posting
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GERMAN = (
    codecs.BOM_UTF8
    + (
        "Vorname;Nachname;E-Mail;Mobil;Quelle\n"
        "Jürgen;Weiß;juergen@example.de;0049 170 1234567;Messe\n"
        "Zoë;Müller;zoe@example.de;+44 7700 9001;Empfehlung\n"
        "Anna;Schmidt;anna@example.de;0046 8 123 456;Xing\n"
        "Max;Mustermann;max@example.de;+44 7700 900123;Messe\n"
    ).encode()
)

LONG = (
    b"name,email,phone,source\n"
    b"Ada Lovelace,ada@example.com,0044 20 7946 0958,fair\n"
    b"Lee, Sam,sam@example.com,2065550102,referral\n"
)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def signed_in(live_server, page, sandbox, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    user = UserFactory(username="rita")
    team = TeamFactory(name="Acme Hiring", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    MembershipFactory(user=user, team=team, role="reviewer")
    doc = sandbox.postings()[0]
    Posting.objects.create(team=team, remote_id=doc["posting_id"], title=doc["title"], url_key=doc["url_key"])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return live_server


def upload(page, url, path):
    page.goto(f"{url}/imports/")
    page.get_by_label("Posting").select_option(index=1)
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()


def look(page, screenshot, name):
    """The preview at desktop and phone width, light and dark; no sideways scroll on the phone."""
    for width, height in ((1440, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            screenshot(f"{name}-{width}-{scheme}")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), (name, width)
    # On a phone the rows table scrolls by itself: its notes are at the far end.
    page.emulate_media(color_scheme="light")
    page.locator(".import-rows").evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    screenshot(f"{name}-390-rows-scrolled")
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_german_export_with_00_phones_previews_mapped_and_joined(signed_in, page, screenshot, tmp_path):
    from playwright.sync_api import expect

    path = tmp_path / "Bewerber März.csv"
    path.write_bytes(GERMAN)
    upload(page, signed_in.url, path)

    expect(page.get_by_role("heading", name="Import: Bewerber März.csv")).to_be_visible()
    for column, target in (
        ("Vorname", "first_name"),
        ("Nachname", "last_name"),
        ("E-Mail", "email"),
        ("Mobil", "phone"),
        ("Quelle", "metadata"),
    ):
        expect(page.get_by_label(column, exact=True)).to_have_value(target)
    notes = page.locator(".import-notes")
    expect(notes).to_contain_text("“Vorname” and “Nachname” are sent as the candidate's name, joined.")
    expect(page.locator('[data-count="valid"]')).to_have_text("2")
    expect(page.locator('[data-count="invalid"]')).to_have_text("2")
    # A number of the right length in a range kept for drama is refused, and the preview says why.
    expect(notes).to_contain_text("Phone numbers with the right length but in no range in use")
    rows = page.locator("#rows")
    # 0049 and 0046 read as +49 and +46 in this US team; the names are joined.
    expect(rows).to_contain_text("Jürgen Weiß")
    expect(rows).to_contain_text("+491701234567")
    expect(rows).to_contain_text("+468123456")
    # A number with its own +44 is judged as British, never by the team's country.
    expect(rows).to_contain_text("Phone “+44 7700 9001” is not a valid United Kingdom number.")
    expect(rows).to_contain_text(
        "Phone “+44 7700 900123” is not a valid United Kingdom number: it has "
        "the right length but is in no range in use (reserved or fictional)."
    )
    expect(rows).not_to_contain_text("United States")
    look(page, screenshot, "ingestion-locales-german")
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors


def test_a_row_with_more_cells_than_the_header_says_so_with_its_line(signed_in, page, screenshot, tmp_path):
    from playwright.sync_api import expect

    path = tmp_path / "fair.csv"
    path.write_bytes(LONG)
    upload(page, signed_in.url, path)

    expect(page.locator('[data-count="valid"]')).to_have_text("1")
    expect(page.locator('[data-count="invalid"]')).to_have_text("1")
    page.get_by_role("link", name="Invalid 1").click()
    row = page.locator("#rows tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Row 3 has 5 cells, the header has 4: a comma inside an unquoted value?")
    expect(row).to_contain_text("The line reads “Lee, Sam,sam@example.com,2065550102,referral”.")
    # Only what happened: not what the shifted cells would break.
    expect(row).not_to_contain_text("Email")
    page.get_by_role("link", name="All 2").click()
    expect(page.locator("#rows")).to_contain_text("+442079460958")
    look(page, screenshot, "ingestion-locales-long-row")
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
