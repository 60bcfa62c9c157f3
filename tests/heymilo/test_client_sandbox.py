"""HeyMiloClient against the local HeyMilo sandbox over real HTTP: every endpoint and fault."""

import pytest

from heymilo import (
    AmbiguousOutcome,
    APIConnectionError,
    APITimeoutError,
    Candidate,
    HeyMiloClient,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationError,
)


@pytest.fixture
def sleeps():
    """Backoff sleeps the client asked for; nothing really sleeps."""
    return []


@pytest.fixture
def client(sandbox, sleeps):
    with HeyMiloClient(sandbox.api_key, sandbox.url, sleep=sleeps.append) as client:
        yield client


def request_count(sandbox, endpoint: str) -> int:
    counters = sandbox.state()["requests"].get(sandbox.api_key, {})
    return counters.get("by_endpoint", {}).get(endpoint, 0)


def first_posting(sandbox) -> dict:
    return sandbox.postings()[0]


# ---------------------------------------------------------------------------------------------
# Endpoints


def test_it_checks_health(client):
    assert client.health() == {"message": "API Gateway is running successfully", "status": 200}


def test_it_lists_and_iterates_postings(sandbox, client):
    truth = [p["posting_id"] for p in sandbox.postings()]

    page = client.list_postings(page=1, limit=2)
    everything = list(client.iter_postings(limit=2))

    assert [p.posting_id for p in page.items] == truth[:2]
    assert (page.total, page.total_pages, page.limit) == (len(truth), 2, 2)
    assert [p.posting_id for p in everything] == truth
    assert all(p.url_key and p.agentic_workflow for p in everything)


def test_it_gets_an_interview_matching_the_ground_truth(sandbox, client):
    posting = first_posting(sandbox)
    truth = sandbox.interviews(posting["posting_id"])[0]

    interview = client.get_interview(truth["interview_id"])

    assert interview.interview_id == truth["interview_id"]
    assert interview.posting_id == posting["posting_id"]
    assert interview.details.name == truth["details"]["name"]
    assert interview.details.email == truth["details"]["email"]
    assert interview.status == truth["details"]["status"]
    assert interview.raw == truth


def test_it_lists_and_iterates_a_postings_interviews(sandbox, client):
    posting_id = first_posting(sandbox)["posting_id"]
    truth = [i["interview_id"] for i in sandbox.interviews(posting_id)]

    page = client.list_interviews(posting_id, page=2, limit=10)
    everything = list(client.iter_interviews(posting_id, limit=7))

    assert [i.interview_id for i in page.items] == truth[10:20]
    assert page.total == len(truth)
    assert [i.interview_id for i in everything] == truth
    # Seeded data has scored, unscored and knocked-out candidates: all must parse.
    assert any(i.web_interview is not None and i.transcript for i in everything)
    assert any(i.web_interview is None for i in everything)


def test_it_exports_a_posting_and_fetches_the_file(sandbox, client):
    posting_id = first_posting(sandbox)["posting_id"]

    job = client.export_interviews(posting_id)
    exported = client.download_export(job.file_url)

    assert job.status == "success" and job.job_id
    assert [i["interview_id"] for i in exported] == [
        i["interview_id"] for i in sandbox.interviews(posting_id)
    ]


def test_it_creates_fetches_lists_and_deactivates_webhooks(sandbox, client):
    posting_id = first_posting(sandbox)["posting_id"]

    created = client.create_webhook(posting_id, "https://example.com/hook", "interview_completed")
    other = client.create_webhook(posting_id, "https://example.com/r", "report_available", "GET")
    fetched = client.get_webhook(created.webhook_id)
    completed_only = client.list_webhooks(posting_id=posting_id, event_type="interview_completed")
    deactivated = client.deactivate_webhook(created.webhook_id)

    assert fetched.webhook_id == created.webhook_id
    assert fetched.is_active is True
    assert other.http_method == "get"
    assert [h.webhook_id for h in completed_only] == [created.webhook_id]
    assert {h.webhook_id for h in client.list_webhooks()} == {
        created.webhook_id,
        other.webhook_id,
    }
    assert deactivated is not None and deactivated.is_active is False
    assert client.get_webhook(created.webhook_id).is_active is False


def test_it_ingests_a_candidate_and_respects_retake(sandbox, client):
    url_key = first_posting(sandbox)["url_key"]

    first = client.ingest_candidate(
        url_key, "Ada Lovelace", "ada@example.com", "+12065551234", {"source": "test"}
    )
    again = client.ingest_candidate(url_key, "Ada Lovelace", "ada@example.com")
    retake = client.ingest_candidate(url_key, "Ada Lovelace", "ada@example.com", retake=True)

    assert first.ingestion_id and first.message
    assert again.interview_ids == first.interview_ids
    assert retake.interview_ids != first.interview_ids
    assert len(sandbox.state()["ingested"]) == 2
    interview = client.get_interview(first.interview_ids[0])
    assert interview.details.email == "ada@example.com"


def test_it_ingests_candidates_in_bulk(sandbox, client):
    url_key = first_posting(sandbox)["url_key"]
    existing = client.ingest_candidate(url_key, "Ada Lovelace", "ada@example.com")

    result = client.ingest_candidates(
        url_key,
        [
            Candidate("Ada Lovelace", "ada@example.com"),
            {"name": "Grace Hopper", "email": "grace@example.com", "metadata": {"team": "x"}},
        ],
    )
    retaken = client.ingest_candidates(url_key, [Candidate("Ada Lovelace", "ada@example.com")], True)

    assert result.interview_ids[0] == existing.interview_ids[0]
    assert len(set(result.interview_ids)) == 2
    assert retaken.interview_ids[0] not in result.interview_ids
    assert [r["retake"] for r in sandbox.state()["ingested"]] == [False, False, True]


# ---------------------------------------------------------------------------------------------
# Errors


def test_it_raises_unauthorized_for_a_bad_key(sandbox, sleeps):
    client = HeyMiloClient("not-a-real-key", sandbox.url, sleep=sleeps.append)

    with pytest.raises(Unauthorized) as excinfo:
        client.list_postings()

    assert excinfo.value.status == 401
    assert sleeps == []
    assert "not-a-real-key" not in str(excinfo.value)


def test_it_raises_not_found_for_an_unknown_or_foreign_interview(sandbox, client):
    theirs = sandbox.interviews(
        sandbox.postings(key=sandbox.other_api_key)[0]["posting_id"], key=sandbox.other_api_key
    )[0]["interview_id"]

    with pytest.raises(NotFound):
        client.get_interview("no-such-interview")
    with pytest.raises(NotFound) as excinfo:
        client.get_interview(theirs)

    assert excinfo.value.error_type == "not_found"


def test_it_reports_field_errors_for_invalid_candidates(sandbox, client):
    url_key = first_posting(sandbox)["url_key"]

    with pytest.raises(ValidationError) as single:
        client.ingest_candidate(url_key, "Ada", "not-an-email", phone_number="555-1234")
    with pytest.raises(ValidationError) as bulk:
        client.ingest_candidates(url_key, [Candidate("Ada", "ada@example.com"), Candidate("Bob", "bob@")])

    assert set(single.value.field_errors) == {"email", "phone_number"}
    assert "E.164" in single.value.field_errors["phone_number"]
    assert set(bulk.value.field_errors) == {"data.1.email"}
    assert sandbox.state()["ingested"] == []


def test_it_raises_rate_limited_with_retry_after(sandbox, sleeps):
    sandbox.set_config(rate_limit=3)
    client = HeyMiloClient(sandbox.api_key, sandbox.url, sleep=sleeps.append, max_retries=2)
    for _ in range(3):
        client.list_postings()

    with pytest.raises(RateLimited) as excinfo:
        client.list_postings()

    # The sandbox counts a 60-second window, so the wait is at most a minute.
    assert 0 < excinfo.value.retry_after <= 60
    # Two retries, each after the server's Retry-After (the fake sleep let no time pass).
    assert len(sleeps) == 2
    assert all(0 < s <= 60 for s in sleeps)


def test_it_retries_through_500s(sandbox, client, sleeps):
    sandbox.add_fault("error_500", count=2)

    assert len(client.list_postings().items) > 0

    assert len(sleeps) == 2
    assert request_count(sandbox, "GET /postings") == 3


def test_it_waits_out_an_injected_429(sandbox, client, sleeps):
    sandbox.add_fault("rate_limit", count=1, retry_after=4)

    client.list_postings()

    assert sleeps == [4.0]


def test_it_retries_a_safe_ingest_after_a_dropped_connection(sandbox, client):
    url_key = first_posting(sandbox)["url_key"]
    sandbox.add_fault("drop", count=1)

    result = client.ingest_candidate(url_key, "Ada Lovelace", "ada@example.com")

    assert len(result.interview_ids) == 1
    assert len(sandbox.state()["ingested"]) == 1


def test_it_raises_ambiguous_outcome_when_a_retake_ingest_is_dropped(sandbox, client):
    url_key = first_posting(sandbox)["url_key"]
    sandbox.add_fault("drop", count=1)

    with pytest.raises(AmbiguousOutcome) as excinfo:
        client.ingest_candidate(url_key, "Ada Lovelace", "ada@example.com", retake=True)

    assert isinstance(excinfo.value.cause, APIConnectionError)
    assert request_count(sandbox, "POST /ingest/x/{url_key}") == 1


def test_it_raises_connection_error_when_every_attempt_is_dropped(sandbox, sleeps):
    sandbox.add_fault("drop", rate=1.0)
    client = HeyMiloClient(sandbox.api_key, sandbox.url, sleep=sleeps.append, max_retries=2)

    with pytest.raises(APIConnectionError):
        client.health()

    assert len(sleeps) == 2


def test_it_raises_malformed_response_for_a_truncated_body(sandbox, client):
    sandbox.add_fault("malformed", count=1)

    with pytest.raises(MalformedResponse):
        client.list_postings()


def test_it_times_out_a_hanging_request(sandbox):
    sandbox.add_fault("hang", count=1, seconds=5)
    client = HeyMiloClient(sandbox.api_key, sandbox.url, timeout=(2.0, 0.3), max_retries=0)

    with pytest.raises(APITimeoutError) as excinfo:
        client.list_postings()

    assert excinfo.value.request_sent is True


def test_it_retries_a_get_after_a_hang(sandbox, sleeps):
    sandbox.add_fault("hang", count=1, seconds=5)
    quick = HeyMiloClient(sandbox.api_key, sandbox.url, timeout=(2.0, 0.3), sleep=sleeps.append)

    assert quick.list_postings().items

    assert len(sleeps) == 1


def test_it_keeps_keys_apart(sandbox, sleeps):
    mine = HeyMiloClient(sandbox.api_key, sandbox.url, sleep=sleeps.append)
    theirs = HeyMiloClient(sandbox.other_api_key, sandbox.url, sleep=sleeps.append)

    my_ids = {p.posting_id for p in mine.iter_postings()}
    their_ids = {p.posting_id for p in theirs.iter_postings()}

    assert my_ids and their_ids and not my_ids & their_ids
