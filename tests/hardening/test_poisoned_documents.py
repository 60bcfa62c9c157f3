"""Poisoned data from HeyMilo and NUL characters in requests: stripped, skipped or refused, never a
stopped sync or a 500.

Run this file on SQLite and with DATABASE_URL=postgres://... (CI does both): PostgreSQL's text and
jsonb refuse NUL characters that SQLite stores, and both refuse lone surrogates.
"""

import json

import pytest
from django.test import Client

from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting, SyncRun
from dashboard.webhooks.models import Delivery
from heymilo.models import Interview as APIInterview
from heymilo.models import Posting as APIPosting
from heymilo.models import storable
from tests.mirror.helpers import assert_mirror_matches, point_team_at
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_client(settings):
    settings.HEYMILO_READ_TIMEOUT = 1
    settings.HEYMILO_PAGE_SIZE = 10  # several pages per posting: the poisoned one is among others


def sync(team) -> SyncRun:
    from dashboard.mirror.tasks import run_sync

    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    run_sync.apply(args=[run.id])
    run.refresh_from_db()
    return run


class AsStored:
    """The sandbox's ground truth as the mirror may hold it: NULs and lone surrogates stripped,
    and without the interviews the sync had to skip."""

    def __init__(self, sandbox, skip=()):
        self.sandbox, self.skip = sandbox, set(skip)

    def postings(self, key=None):
        return storable(self.sandbox.postings(key=key))

    def interviews(self, posting_id, key=None):
        return [
            doc
            for doc in storable(self.sandbox.interviews(posting_id, key=key))
            if doc["interview_id"] not in self.skip
        ]


def with_transcript(sandbox) -> list[dict]:
    """The first posting's interviews that have a transcript, in API order."""
    docs = sandbox.interviews(sandbox.postings()[0]["posting_id"])
    return [d for d in docs if APIInterview.from_dict(d).transcript]


# --- NUL characters and lone surrogates: stripped once, where the client decodes JSON ---------


def test_nul_characters_and_lone_surrogates_are_stripped_and_the_sync_completes(team, sandbox, fast_client):
    ada, grace, alan = with_transcript(sandbox)[:3]
    sandbox.override_interview(ada["interview_id"], name="Ada\x00 Lovelace")
    sandbox.override_interview(
        grace["interview_id"], name="Grace\ud800 Hopper", email="grace\udfff@example.com"
    )
    # A field only the raw document keeps (jsonb refuses "\u0000" in keys and values alike).
    sandbox.override_interview(alan["interview_id"], notes={"not\x00e": ["a\x00b", {"deep\x00": "c\x00"}]})
    turns = APIInterview.from_dict(alan).raw["agentic_data"]["web_interview_info"]["transcript"]["transcript"]
    poisoned = [dict(turns[0], text="I led\x00 the rollout\ud83d."), *turns[1:]]
    sandbox.override_interview(alan["interview_id"], transcript=poisoned)
    point_team_at(team, sandbox)

    run = sync(team)

    assert run.state == SyncRun.State.DONE, run.message
    assert (run.rows_skipped, run.skipped) == (0, [])
    assert Interview.objects.get(remote_id=ada["interview_id"]).name == "Ada Lovelace"
    row = Interview.objects.get(remote_id=grace["interview_id"])
    assert (row.name, row.email) == ("Grace Hopper", "grace@example.com")
    row = Interview.objects.get(remote_id=alan["interview_id"])
    assert row.document["details"]["notes"] == {"note": ["ab", {"deep": "c"}]}
    assert row.transcript_lines.get(position=0).text == "I led the rollout."
    assert_mirror_matches(team, AsStored(sandbox))
    # Quiet afterwards: what was stored hashes the same as what arrives next time.
    again = sync(team)
    assert (again.rows_created, again.rows_updated, again.rows_skipped) == (0, 0, 0)


def test_an_escaped_emoji_comes_through_whole():
    """Surrogate pairs are what JSON escapes astral characters as: only lone halves go."""
    body = json.dumps({"name": "Ada \U0001f680"}).encode()  # "\ud83d\ude80", escaped
    from heymilo.models import may_hold_unstorable

    assert may_hold_unstorable(body)
    assert storable(json.loads(body)) == {"name": "Ada \U0001f680"}
    assert not may_hold_unstorable('{"name": "Ada \U0001f680 é"}'.encode())


# --- a document the database refuses for another reason: skipped with the reason --------------


def test_a_document_the_database_refuses_is_skipped_with_a_reason_and_the_rest_completes(
    team, sandbox, fast_client, login, admin
):
    docs = with_transcript(sandbox)
    bad = docs[1]["interview_id"]  # mid-page: the page's other documents must still be written
    # JSON's 1e999 decodes as infinity, which no JSON column takes back (PostgreSQL's jsonb nor
    # SQLite's JSON_VALID check): the page used to fail as a whole, on every sync.
    sandbox.override_interview(bad, weight=float("inf"))
    point_team_at(team, sandbox)

    run = sync(team)

    assert run.state == SyncRun.State.DONE, run.message
    assert run.rows_skipped == 1
    [skipped] = run.skipped
    assert (skipped["kind"], skipped["id"]) == ("interview", bad)
    assert skipped["reason"]
    assert not Interview.objects.filter(remote_id=bad).exists()
    assert_mirror_matches(team, AsStored(sandbox, skip=[bad]))
    page = login(admin).get("/syncs/")
    assert "1 document skipped, the rest synced" in page.text and bad in page.text

    # Once HeyMilo sends it whole again, the next sync writes it: nothing was lost.
    sandbox.reset()
    run = sync(team)
    assert (run.state, run.rows_skipped, run.rows_created) == (SyncRun.State.DONE, 0, 1)
    assert_mirror_matches(team, sandbox)


def test_refreshing_one_refused_interview_records_why(team, sandbox, fast_client):
    bad = with_transcript(sandbox)[0]["interview_id"]
    sandbox.override_interview(bad, weight=float("inf"))
    point_team_at(team, sandbox)
    run = services.interview_refresh(team, remote_id=bad)
    assert run.state == SyncRun.State.DONE, run.message
    assert [s["id"] for s in run.skipped] == [bad] and run.rows_skipped == 1


def test_a_refused_posting_is_skipped_and_the_rest_of_its_page_written(team):
    good = APIPosting.from_dict({"posting_id": "p_good", "title": "Backend engineer"})
    bad = APIPosting.from_dict({"posting_id": "p_bad", "title": "Designer", "budget": float("inf")})
    counts = services.postings_upsert(team, items=[bad, good])
    assert (counts.created, [s["id"] for s in counts.skipped]) == (1, ["p_bad"])
    assert list(Posting.objects.values_list("remote_id", flat=True)) == ["p_good"]


def test_the_list_of_reasons_is_capped_but_the_count_is_not(team):
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    many = [{"kind": "interview", "id": f"int_{n}", "reason": "refused"} for n in range(70)]
    services.Counts(skipped=many[:40]).add_to(run)
    services.Counts(skipped=many[40:]).add_to(run)
    assert run.rows_skipped == 70
    assert [s["id"] for s in run.skipped] == [f"int_{n}" for n in range(SyncRun.SKIPPED_KEPT)]
    assert run.skipped_unlisted == 70 - SyncRun.SKIPPED_KEPT


# --- NUL in a query or form value: 400 before any view runs -----------------------------------


def csrf_client(user) -> Client:
    """A signed-in client that sends a valid CSRF token, so a refusal is not CSRF's."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/syncs/")
    return client


def post(client, url, data, **extra):
    return client.post(url, data, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value, **extra)


@pytest.mark.parametrize(
    "url",
    [
        "/candidates/compare/?ids=a%00b",
        "/imports/?posting=%00",
        "/candidates/?q=ada&st%00atus=completed",  # in a key
        "/search/?q=a\x00b",  # a raw NUL, not percent-encoded
    ],
)
def test_a_nul_in_a_query_value_or_key_is_a_400(admin, team, url):
    path, _, query = url.partition("?")
    response = csrf_client(admin).get(path, QUERY_STRING=query)
    assert response.status_code == 400
    assert "NUL character" in response.text


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/team/switch/", {"team": "acme\x00"}),
        ("/syncs/start/", {"posting": "\x00"}),
        ("/candidates/bulk/", {"scope": "selected", "ids": ["int_1\x00"], "value": "advance"}),
        ("/webhooks/connect/", {"posting": "p\x00"}),
        ("/syncs/start/", {"post\x00ing": "x"}),  # in a key
    ],
)
def test_a_nul_in_a_form_value_or_key_is_a_400(admin, team, url, data):
    response = post(csrf_client(admin), url, data)
    assert response.status_code == 400
    assert "NUL character" in response.text
    assert not SyncRun.objects.exists()


def test_a_nul_in_a_multipart_field_is_a_400_but_a_nul_in_the_file_is_the_uploads_to_judge(
    admin, team, tmp_path, settings
):
    from django.core.files.base import ContentFile

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    posting = make_posting(team, url_key="k")
    client = csrf_client(admin)
    csv = "name,email\nAda,ada@example.com\n".encode("utf-16")  # NUL bytes throughout
    refused = post(
        client, "/imports/upload/", {"posting": f"{posting.id}\x00", "file": ContentFile(csv, name="a.csv")}
    )
    assert refused.status_code == 400 and "NUL character" in refused.text
    taken = post(client, "/imports/upload/", {"posting": posting.id, "file": ContentFile(csv, name="a.csv")})
    assert taken.status_code == 302, taken.status_code


def test_the_webhook_receiver_takes_nul_in_its_query_and_body_as_before(client, team):
    team.refresh_from_db()
    hook = f"/hooks/heymilo/{team.webhook_token}/"
    response = client.post(
        f"{hook}?x=%00", "event_type=%00&a\x00=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 202, response.status_code
    assert Delivery.objects.filter(id=response.json()["delivery"]).exists()


def test_values_without_nul_pass_through(admin, team):
    interview = make_interview(team, make_posting(team))
    response = csrf_client(admin).get("/candidates/", {"q": interview.name[:4]})
    assert response.status_code == 200 and interview.name in response.text
