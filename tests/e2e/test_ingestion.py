"""End to end in Chromium: upload a messy CSV, fix a mapping, import it, download the results."""

import codecs

import pytest

from dashboard.mirror.models import Posting
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSY = codecs.BOM_UTF8 + (
    b"Candidate Name;Contact;Cell;Years\n"
    b"Ada Lovelace;ada@example.com;206-555-0101;5\n"
    b"Alan Turing;alan@example;;7\n"
    b"Grace Hopper;grace@example.com;(206) 555-0199;9\n"
    b"Grace H.;GRACE@example.com;;9\n"
    b"Katherine Johnson;katherine@example.com;;12\n"
)


def test_it_uploads_maps_imports_and_downloads_results(
    live_server, page, screenshot, sandbox, tmp_path, settings
):
    from playwright.sync_api import expect

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    settings.INGEST_CHUNK_SIZE = 1
    user = UserFactory(username="rita")
    team = TeamFactory(name="Acme Hiring", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    MembershipFactory(user=user, team=team, role="reviewer")
    doc = sandbox.postings()[0]
    Posting.objects.create(team=team, remote_id=doc["posting_id"], title=doc["title"], url_key=doc["url_key"])
    messy = tmp_path / "career fair.csv"
    messy.write_bytes(MESSY)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/postings/{doc['posting_id']}/")
    page.locator("summary", has_text="Add candidates").click()
    page.get_by_role("link", name="Import a CSV file").click()
    expect(page.get_by_label("Posting")).to_have_value(str(Posting.objects.get().id))
    page.get_by_label("CSV file").set_input_files(str(messy))
    screenshot("ingestion-1-upload")
    page.get_by_role("button", name="Upload and preview").click()

    # "Contact" is not a known spelling: it went to metadata, so no row has an email yet.
    expect(page.locator('[data-count="valid"]')).to_have_text("0")
    expect(page.get_by_text("No column is mapped to the email.")).to_be_visible()
    screenshot("ingestion-2-preview-unmapped")
    page.get_by_label("Contact").select_option("email")
    expect(page.locator('[data-count="valid"]')).to_have_text("3")
    expect(page.locator('[data-count="invalid"]')).to_have_text("1")
    expect(page.locator('[data-count="duplicate"]')).to_have_text("1")
    page.get_by_role("link", name="Invalid 1").click()
    expect(page.locator("#rows")).to_contain_text("alan@example")
    screenshot("ingestion-3-preview-fixed")

    page.get_by_role("button", name="Start import: send 3 candidates").click()
    expect(page.locator("#import-progress")).to_contain_text("100 %", timeout=30_000)
    expect(page.locator("#import-progress")).to_contain_text("3 ingested")
    expect(page.locator("#import-progress progress")).to_have_attribute("value", "100")
    screenshot("ingestion-4-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download results (CSV)").click()
    results = download.value.path().read_text(encoding="utf-8-sig")
    assert "ada@example.com" in results and "Ingested" in results
    remote = [r["email"] for r in sandbox.state()["ingested"]]
    assert sorted(remote) == ["ada@example.com", "grace@example.com", "katherine@example.com"]
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
