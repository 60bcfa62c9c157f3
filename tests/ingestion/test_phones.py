"""Phone numbers as recruiters write them: the 00 and 011 international prefixes, errors that name
the number's own country, and numbers of the right length in no range in use (refused)."""

import pytest

from dashboard.ingestion.models import ImportJob
from dashboard.ingestion.validation import normalise_phone
from dashboard.mirror.models import Posting
from tests.ingestion.conftest import upload
from tests.mirror.helpers import point_team_at


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("0046 8 123 456", "US", "+468123456"),  # Stockholm, written the European way in a US team
        ("0044 20 7946 0958", "US", "+442079460958"),
        ("00 33 1 23 45 67 89", "CA", "+33123456789"),
        ("011 44 20 7946 0958", "US", "+442079460958"),  # the North American international prefix
        ("011 49 30 123456", "CA", "+4930123456"),
        ("0044 20 7946 0958", "GB", "+442079460958"),  # 00 is the UK's own prefix: unchanged
        ("0011 44 20 7946 0958", "AU", "+442079460958"),  # Australia dials 0011: never read as +11
    ],
)
def test_it_reads_international_prefixes_as_plus(raw, region, e164):
    assert normalise_phone(raw, region) == (e164, None)


def test_a_number_with_its_own_country_code_is_judged_by_that_country_never_the_default():
    phone, error = normalise_phone("+44 7700 9001", "US")
    assert phone == "" and error == "Phone “+44 7700 9001” is not a valid United Kingdom number."
    phone, error = normalise_phone("0046 8 1", "US")
    assert error == "Phone “0046 8 1” is not a valid Sweden number."
    for raw in ("+44 7700 9001", "0046 8 1", "+999 1234", "00999 1234", "011 44 1"):
        error = normalise_phone(raw, "US")[1]
        assert error and "United States" not in error and "US" not in error, error


def test_a_number_without_a_country_code_names_the_teams_country_and_how_to_give_another():
    assert normalise_phone("12345", "US")[1] == (
        "Phone “12345” is not a valid United States number. For another country, start it with + "
        "and the country code."
    )
    assert "not a valid Germany number" in normalise_phone("0201", "DE")[1]


@pytest.mark.parametrize(
    ("raw", "region", "country"),
    [
        ("+44 7700 900123", "US", "United Kingdom"),  # Ofcom's range for drama
        ("+44 1632 960123", "DE", "United Kingdom"),
        ("+1 555 555 5555", "US", "North American"),
        ("206 555 0100", "GB", "United Kingdom"),  # a US number without its +1, in a UK team
    ],
)
def test_a_number_of_the_right_length_in_no_range_in_use_is_refused_and_says_so(raw, region, country):
    # The decision (validation.normalise_phone): refused, not sent with a warning, since HeyMilo
    # would invite the candidate at a number that reaches nobody.
    phone, error = normalise_phone(raw, region)
    assert phone == ""
    assert error.startswith(
        f"Phone “{raw}” is not a valid {country} number: it has the right "
        "length but is in no range in use (reserved or fictional)."
    )


PHONES = (
    b"name,email,phone\n"
    b"Sven Berg,sven@example.com,0046 8 123 456\n"
    b"Ann Lee,ann@example.com,+44 7700 900123\n"
    b"Kim Park,kim@example.com,+44 7700 9001\n"
)


@pytest.mark.django_db
def test_the_preview_shows_each_phone_outcome_and_the_range_policy(login, reviewer, posting):
    client = login(reviewer)
    client.post("/imports/upload/", {"posting": posting.id, "file": upload("phones.csv", PHONES)})
    job = ImportJob.objects.get()
    assert list(job.rows.values_list("phone", "status")) == [
        ("+468123456", "valid"),
        ("", "invalid"),
        ("", "invalid"),
    ]
    html = client.get(f"/imports/{job.id}/").text
    assert "+468123456" in html
    assert "Phone “+44 7700 9001” is not a valid United Kingdom number." in html
    assert "(default country" not in html and "United States" not in html
    # The policy, once above the rows, because a row was refused for it.
    assert "Phone numbers with the right length but in no range in use" in html
    assert "set the phone column to Ignore" in html
    # Without such a row the note is not there.
    client.post(f"/imports/{job.id}/mapping/", {"col0": "name", "col1": "email", "col2": "ignore"})
    html = client.get(f"/imports/{job.id}/").text
    assert "no range in use" not in html and 'data-count="valid">3<' in html


@pytest.mark.django_db
def test_a_00_number_reaches_heymilo_as_e164(
    login, reviewer, team, sandbox, django_capture_on_commit_callbacks
):
    point_team_at(team, sandbox)
    doc = sandbox.postings()[0]
    posting = Posting.objects.create(
        team=team, remote_id=doc["posting_id"], title=doc["title"], url_key=doc["url_key"]
    )
    client = login(reviewer)
    client.post("/imports/upload/", {"posting": posting.id, "file": upload("phones.csv", PHONES)})
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/imports/{job.id}/start/").status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    remote = {
        i["details"]["email"]: i["details"]["phone_number"] for i in sandbox.interviews(posting.remote_id)
    }
    assert remote["sven@example.com"] == "+468123456"
    assert "ann@example.com" not in remote and "kim@example.com" not in remote
