"""HeyMiloClient against a fake requests session: requests sent, answers parsed, retries, paging."""

import http.client
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import urllib3.exceptions

from heymilo import (
    AmbiguousOutcome,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    Candidate,
    HeyMiloClient,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationError,
    bucket_for_key,
)
from tests.heymilo.payloads import payload

KEY = "hm_test_KEY_do_not_leak_7d3f"
BASE = "https://api.example.test"


def response(status: int = 200, body: Any = None, headers=None, text: str | None = None):
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers or {})
    if text is not None:
        resp._content = text.encode()
    elif body is not None:
        resp._content = json.dumps(body).encode()
        resp.headers.setdefault("Content-Type", "application/json")
    else:
        resp._content = b""
    resp.encoding = "utf-8"
    return resp


def refused():
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/api", reason))


def dropped():
    cause = http.client.RemoteDisconnected("Remote end closed connection without response")
    return requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", cause))


@dataclass
class Call:
    method: str
    url: str
    kwargs: dict[str, Any]

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def params(self) -> dict[str, Any]:
        return self.kwargs.get("params") or {}


@dataclass
class FakeSession:
    """Answers each request with the next scripted item: a Response, an exception or a function."""

    script: list[Any] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def request(self, method, url, **kwargs):
        call = Call(method, url, kwargs)
        self.calls.append(call)
        if not self.script:
            raise AssertionError(f"unexpected request {method} {url}")
        item = self.script.pop(0) if not callable(self.script[0]) else self.script[0]
        if callable(item):
            item = item(call)
        if isinstance(item, BaseException):
            raise item
        return item

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def close(self):
        pass


class RecordingLimiter:
    def __init__(self):
        self.buckets: list[str] = []

    def try_acquire(self, bucket):
        return 0.0

    def acquire(self, bucket):
        self.buckets.append(bucket)


@pytest.fixture
def sleeps():
    return []


def make_client(session, sleeps=None, **kwargs):
    kwargs.setdefault("random", lambda: 0.5)
    return HeyMiloClient(
        KEY,
        BASE,
        session=session,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------
# What goes on the wire


def test_it_sends_the_key_and_builds_urls_from_base_and_prefix():
    session = FakeSession([response(200, payload("health"))])
    client = make_client(session)

    assert client.health() == {"message": "API Gateway is running successfully", "status": 200}

    call = session.calls[0]
    assert (call.method, call.url) == ("GET", f"{BASE}/api/health")
    headers = call.kwargs["headers"]
    assert headers["X-API-KEY"] == KEY
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("heymilo-dashboard/")
    assert call.kwargs["timeout"] == (5.0, 30.0)
    # requests would carry X-API-KEY across a redirect to another host.
    assert call.kwargs["allow_redirects"] is False


@pytest.mark.parametrize(
    ("base", "prefix", "url"),
    [
        ("https://h.test/", "/api/v4/", "https://h.test/api/v4/health"),
        ("https://h.test", "", "https://h.test/health"),
        ("http://127.0.0.1:8123", "api", "http://127.0.0.1:8123/api/health"),
    ],
)
def test_it_accepts_other_prefixes(base, prefix, url):
    session = FakeSession([response(200, {"status": 200})])

    HeyMiloClient(KEY, base, prefix=prefix, session=session).health()

    assert session.calls[0].url == url


def test_it_quotes_path_segments():
    session = FakeSession([response(200, {"interview_id": "a/b?c"})])

    make_client(session).get_interview("a/b?c#d")

    assert session.calls[0].url == f"{BASE}/api/interview/a%2Fb%3Fc%23d"


def test_it_rejects_empty_ids_before_sending():
    session = FakeSession()

    with pytest.raises(ValueError):
        make_client(session).get_interview("")
    assert session.calls == []


def test_it_raises_caller_bugs_as_they_are_without_retrying(sleeps):
    session = FakeSession([requests.exceptions.InvalidJSONError("not serialisable")])

    with pytest.raises(requests.exceptions.InvalidJSONError):
        make_client(session, sleeps).ingest_candidate("k", "A", "a@example.com", data={"x": {1}})

    assert sleeps == []
    with pytest.raises(ValueError):
        HeyMiloClient(KEY, "not a url").health()


def test_it_refuses_an_empty_key():
    with pytest.raises(ValueError):
        HeyMiloClient("")


def test_it_never_shows_the_key_in_its_repr():
    client = make_client(FakeSession())

    assert KEY not in repr(client)
    assert repr(client) == f"HeyMiloClient(base_url='{BASE}/api', key='••••7d3f')"
    assert "key" not in repr(HeyMiloClient("short", session=FakeSession()))


def test_it_acquires_a_rate_limit_token_before_every_attempt():
    limiter = RecordingLimiter()
    session = FakeSession([response(500), response(503), response(200, {"status": 200})])

    make_client(session, rate_limiter=limiter).health()

    assert limiter.buckets == [bucket_for_key(KEY)] * 3


# ---------------------------------------------------------------------------------------------
# Endpoints


def test_it_lists_postings():
    session = FakeSession([response(200, payload("postings_page"))])

    page = make_client(session).list_postings(page=2, limit=5)

    assert session.calls[0].path == "/api/postings"
    assert session.calls[0].params == {"page": 2, "limit": 5}
    assert [p.posting_id for p in page.items] == ["posting_123", "post_67890"]
    assert page.total_pages == 5


def test_it_gets_and_lists_interviews():
    session = FakeSession([response(200, payload("interview")), response(200, payload("interviews_page"))])
    client = make_client(session)

    interview = client.get_interview("int_abc123")
    page = client.list_interviews("posting 123", limit=25)

    assert interview.match_score == 85.0
    assert session.calls[0].path == "/api/interview/int_abc123"
    assert session.calls[1].path == "/api/interviews/posting%20123"
    assert session.calls[1].params == {"page": 1, "limit": 25}
    assert page.items[0].interview_id == "int_abc123"


def test_it_starts_an_export():
    session = FakeSession([response(200, payload("export_job"))])

    job = make_client(session).export_interviews("A03EBF1A")

    call = session.calls[0]
    assert (call.method, call.path) == ("POST", "/api/interviews/export/json")
    assert call.kwargs["json"] == {"posting_id": "A03EBF1A"}
    assert job.job_id == "1ce5b174-611f-4cec-b955-cd48da195fcb"


def test_it_downloads_an_export_without_the_key_from_another_origin():
    session = FakeSession([response(200, [{"interview_id": "i1"}])])

    data = make_client(session).download_export("https://cdn.example.test/exports/x.json")

    assert data == [{"interview_id": "i1"}]
    assert "X-API-KEY" not in session.calls[0].kwargs["headers"]


def test_it_downloads_an_export_with_the_key_from_its_own_origin():
    session = FakeSession([response(200, [])])

    make_client(session).download_export(f"{BASE}/api/exports/x.json")

    call = session.calls[0]
    assert call.kwargs["headers"]["X-API-KEY"] == KEY
    assert call.kwargs["allow_redirects"] is False


def test_it_creates_and_gets_a_webhook():
    session = FakeSession([response(200, payload("webhook")), response(200, payload("webhook"))])
    client = make_client(session)

    created = client.create_webhook(
        "posting_123", "https://example.com/hook", "interview_completed", http_method="POST"
    )
    fetched = client.get_webhook("webhook_789")

    assert session.calls[0].path == "/api/webhook/create"
    assert session.calls[0].kwargs["json"] == {
        "posting_id": "posting_123",
        "url": "https://example.com/hook",
        "event_type": "interview_completed",
        "http_method": "post",
    }
    assert session.calls[1].path == "/api/webhook/fetch/webhook_789"
    assert created == fetched


@pytest.mark.parametrize(
    "body",
    [
        [payload("webhook")],
        {"webhooks": [payload("webhook")]},
        {"data": [payload("webhook")], "total": 1},
    ],
)
def test_it_lists_webhooks_in_any_of_the_shapes_seen(body):
    session = FakeSession([response(200, body)])

    hooks = make_client(session).list_webhooks(posting_id="posting_123")

    assert [h.webhook_id for h in hooks] == ["webhook_789"]
    assert session.calls[0].path == "/api/webhook/all"
    assert session.calls[0].params == {"posting_id": "posting_123"}


def test_it_sends_no_filters_when_none_are_given():
    session = FakeSession([response(200, [])])

    assert make_client(session).list_webhooks() == []
    assert session.calls[0].params == {}


def test_it_raises_malformed_response_for_an_unknown_webhook_list_shape():
    session = FakeSession([response(200, {"result": "ok"})])

    with pytest.raises(MalformedResponse):
        make_client(session).list_webhooks()


@pytest.mark.parametrize(
    ("resp", "expected_id"),
    [
        (response(200, {**payload("webhook"), "is_active": False}), "webhook_789"),
        (response(200, {"message": "Webhook deactivated"}), None),
        (response(204), None),
        (response(200, [1, 2]), None),
    ],
)
def test_it_deactivates_a_webhook_whatever_the_answer(resp, expected_id):
    session = FakeSession([resp])

    result = make_client(session).deactivate_webhook("webhook_789")

    assert session.calls[0].method == "POST"
    assert session.calls[0].path == "/api/webhook/deactivate/webhook_789"
    assert (result.webhook_id if result else None) == expected_id


def test_it_ingests_one_candidate():
    session = FakeSession([response(200, payload("ingestion_result"))])

    result = make_client(session).ingest_candidate(
        "url key", "John Doe", "john@example.com", metadata={"source": "csv"}
    )

    call = session.calls[0]
    assert call.path == "/api/ingest/x/url%20key"
    assert call.kwargs["json"] == {
        "name": "John Doe",
        "email": "john@example.com",
        "metadata": {"source": "csv"},
        "retake": False,
    }
    assert result.interview_ids == ("int_id_78658707",)


def test_it_ingests_candidates_in_bulk_with_retake_on_each():
    session = FakeSession([response(200, payload("bulk_ingestion_result"))])

    result = make_client(session).ingest_candidates(
        "key1",
        [
            Candidate("John Doe", "john@example.com", "+12065551234"),
            {"name": "Jane", "email": "jane@example.com", "retake": False},
        ],
        retake=True,
    )

    call = session.calls[0]
    assert call.path == "/api/ingest/x/bulk/key1"
    assert call.kwargs["json"] == {
        "data": [
            {
                "name": "John Doe",
                "email": "john@example.com",
                "phone_number": "+12065551234",
                "retake": True,
            },
            {"name": "Jane", "email": "jane@example.com", "retake": True},
        ]
    }
    assert len(result.interview_details) == 2


def test_it_refuses_an_empty_bulk_ingest():
    with pytest.raises(ValueError):
        make_client(FakeSession()).ingest_candidates("key1", [])


# ---------------------------------------------------------------------------------------------
# Errors and retries


def test_it_retries_a_get_on_5xx_with_jittered_backoff(sleeps):
    session = FakeSession([response(500), response(502), response(200, {"status": 200})])

    make_client(session, sleeps).health()

    assert len(session.calls) == 3
    # random() = 0.5: half of 0.5 s, then half of 1 s.
    assert sleeps == [0.25, 0.5]


def test_it_gives_up_after_max_retries(sleeps):
    session = FakeSession([response(500, {"detail": "boom"})] * 10)

    with pytest.raises(ServerError) as excinfo:
        make_client(session, sleeps, max_retries=3, backoff_base=1.0, backoff_cap=3.0).health()

    assert len(session.calls) == 4
    assert sleeps == [0.5, 1.0, 1.5]
    assert excinfo.value.detail == "boom"


def test_it_honours_retry_after_on_429(sleeps):
    session = FakeSession([response(429, {"detail": "slow down"}, {"Retry-After": "3"}), response(200, [])])

    make_client(session, sleeps).list_webhooks()

    assert sleeps == [3.0]


def test_it_raises_rate_limited_with_retry_after_when_retries_run_out(sleeps):
    session = FakeSession([response(429, {"detail": "slow down"}, {"Retry-After": "2"})] * 2)

    with pytest.raises(RateLimited) as excinfo:
        make_client(session, sleeps, max_retries=1).health()

    assert excinfo.value.retry_after == 2.0
    assert sleeps == [2.0]


@pytest.mark.parametrize(("status", "cls"), [(401, Unauthorized), (404, NotFound), (422, ValidationError)])
def test_it_never_retries_4xx(sleeps, status, cls):
    session = FakeSession([response(status, {"detail": "no"})])

    with pytest.raises(cls):
        make_client(session, sleeps).get_webhook("w1")

    assert len(session.calls) == 1
    assert sleeps == []


def test_it_treats_a_redirect_as_an_error():
    session = FakeSession([response(302, headers={"Location": "https://elsewhere.test/"})])

    with pytest.raises(APIStatusError) as excinfo:
        make_client(session).health()

    assert excinfo.value.status == 302


def test_it_gives_validation_field_errors():
    body = {"detail": [{"loc": ["body", "email"], "msg": "not an email", "type": "value_error"}]}
    session = FakeSession([response(422, body)])

    with pytest.raises(ValidationError) as excinfo:
        make_client(session).ingest_candidate("k", "A", "nope")

    assert excinfo.value.field_errors == {"email": "not an email"}
    assert excinfo.value.path == "/ingest/x/k"


@pytest.mark.parametrize("text", ["<html>oops</html>", '{"postings": [', "not json"])
def test_it_raises_malformed_response_for_a_200_that_is_not_json(sleeps, text):
    session = FakeSession([response(200, text=text)])

    with pytest.raises(MalformedResponse) as excinfo:
        make_client(session, sleeps).list_postings()

    assert excinfo.value.status == 200
    assert len(session.calls) == 1


def test_it_raises_malformed_response_for_json_of_the_wrong_shape():
    session = FakeSession([response(200, ["a", "list"])])

    with pytest.raises(MalformedResponse) as excinfo:
        make_client(session).get_interview("i1")

    assert excinfo.value.path == "/interview/i1"


def test_it_retries_a_get_after_timeouts_and_drops(sleeps):
    session = FakeSession(
        [
            requests.ReadTimeout("read timed out"),
            dropped(),
            requests.ConnectTimeout("connect timed out"),
            response(200, {"status": 200}),
        ]
    )

    make_client(session, sleeps).health()

    assert len(session.calls) == 4
    assert sleeps == [0.25, 0.5, 1.0]


@pytest.mark.parametrize(
    ("exc", "cls", "sent"),
    [
        (requests.ReadTimeout("x"), APITimeoutError, True),
        (requests.ConnectTimeout("x"), APITimeoutError, False),
        (refused(), APIConnectionError, False),
        (dropped(), APIConnectionError, None),
        (requests.exceptions.ChunkedEncodingError("x"), APIConnectionError, True),
        (requests.exceptions.SSLError("x"), APIConnectionError, False),
    ],
)
def test_it_maps_transport_failures_and_whether_the_request_was_sent(exc, cls, sent):
    session = FakeSession([exc])

    with pytest.raises(cls) as excinfo:
        make_client(session, max_retries=0).health()

    assert excinfo.value.request_sent is sent
    assert excinfo.value.__cause__ is exc


@pytest.mark.parametrize("exc", [requests.ReadTimeout("read timed out"), dropped()])
def test_it_never_resends_a_retake_ingest_that_may_have_arrived(sleeps, exc):
    session = FakeSession([exc, response(200, payload("ingestion_result"))])

    with pytest.raises(AmbiguousOutcome) as excinfo:
        make_client(session, sleeps).ingest_candidate("k", "A", "a@example.com", retake=True)

    assert len(session.calls) == 1
    assert sleeps == []
    assert isinstance(excinfo.value.cause, APITimeoutError | APIConnectionError)
    assert excinfo.value.path == "/ingest/x/k"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.create_webhook("p", "https://h.test", "interview_completed"),
        lambda c: c.export_interviews("p"),
        lambda c: c.ingest_candidates("k", [Candidate("A", "a@example.com")], retake=True),
    ],
)
def test_it_raises_ambiguous_outcome_for_other_unsafe_posts(call):
    session = FakeSession([requests.ReadTimeout("read timed out")])

    with pytest.raises(AmbiguousOutcome):
        call(make_client(session))

    assert len(session.calls) == 1


def test_it_does_not_retry_an_unsafe_post_on_5xx(sleeps):
    session = FakeSession([response(500), response(200, payload("webhook"))])

    with pytest.raises(ServerError):
        make_client(session, sleeps).create_webhook("p", "https://h.test", "interview_completed")

    assert len(session.calls) == 1


def test_it_retries_an_unsafe_post_that_never_left(sleeps):
    session = FakeSession(
        [refused(), requests.ConnectTimeout("x"), response(200, payload("ingestion_result"))]
    )

    result = make_client(session, sleeps).ingest_candidate("k", "A", "a@example.com", retake=True)

    assert len(session.calls) == 3
    assert result.ingestion_id is not None


def test_it_raises_connection_error_not_ambiguity_when_an_unsafe_post_never_left(sleeps):
    session = FakeSession([refused()] * 3)

    with pytest.raises(APIConnectionError) as excinfo:
        make_client(session, sleeps, max_retries=2).export_interviews("p")

    assert excinfo.value.request_sent is False
    assert len(session.calls) == 3


def test_it_retries_an_unsafe_post_the_server_refused_with_429(sleeps):
    session = FakeSession([response(429, {"detail": "slow"}), response(200, payload("webhook"))])

    make_client(session, sleeps).create_webhook("p", "https://h.test", "interview_completed")

    assert len(session.calls) == 2
    assert sleeps == [0.25]


def test_it_retries_an_ingest_without_retake_after_a_timeout(sleeps):
    session = FakeSession(
        [
            requests.ReadTimeout("x"),
            response(503),
            dropped(),
            response(200, payload("bulk_ingestion_result")),
        ]
    )

    make_client(session, sleeps).ingest_candidates("k", [Candidate("A", "a@example.com")])

    assert len(session.calls) == 4
    assert all(call.kwargs["json"]["data"][0]["retake"] is False for call in session.calls)


def test_it_retries_deactivation_like_a_get(sleeps):
    session = FakeSession([requests.ReadTimeout("x"), response(200, {"message": "ok"})])

    assert make_client(session, sleeps).deactivate_webhook("w1") is None
    assert len(session.calls) == 2


def test_it_never_puts_the_key_in_logs_or_errors(caplog):
    echo = {"detail": f"bad key {KEY}"}
    session = FakeSession(
        [
            response(500, echo),
            requests.ReadTimeout(f"timeout {KEY}"),
            response(429, echo, {"Retry-After": "0"}),
            response(401, echo, {"X-Echo": KEY}),
        ]
    )
    caplog.set_level(logging.DEBUG, logger="heymilo")

    with pytest.raises(Unauthorized) as excinfo:
        make_client(session).list_postings()

    assert caplog.records, "the client logs its requests"
    assert all(KEY not in record.getMessage() for record in caplog.records)
    error = excinfo.value
    assert KEY not in f"{error} {error!r} {error.detail} {error.body} {error.headers}"


def test_it_logs_method_path_status_attempt_and_elapsed(caplog):
    session = FakeSession([response(503), response(200, {"status": 200})])
    caplog.set_level(logging.DEBUG, logger="heymilo")

    make_client(session).health()

    messages = [r.getMessage() for r in caplog.records if r.name == "heymilo"]
    assert messages[0].startswith("heymilo GET /health -> 503 attempt=1 elapsed=")
    assert "retry_in=0.25s" in messages[0]
    assert messages[1].startswith("heymilo GET /health -> 200 attempt=2 elapsed=")


# ---------------------------------------------------------------------------------------------
# Paging


def posting(n: int) -> dict:
    return {"posting_id": f"p{n}", "title": f"Posting {n}"}


def paged_api(pages: dict[int, list[dict]], *, total_pages=None, limit=None, key="postings"):
    """A fake endpoint serving `pages` by the `page` query parameter."""

    def answer(call: Call):
        number = call.params["page"]
        body: dict[str, Any] = {key: pages.get(number, [])}
        body["page"] = number
        body["limit"] = limit if limit is not None else call.params["limit"]
        if total_pages is not None:
            body["total_pages"] = total_pages
        return response(200, body)

    return answer


def test_it_pages_until_total_pages():
    pages = {1: [posting(1), posting(2)], 2: [posting(3), posting(4)], 3: [posting(5)]}
    session = FakeSession([paged_api(pages, total_pages=2)])

    ids = [p.posting_id for p in make_client(session).iter_postings(limit=2)]

    assert ids == ["p1", "p2", "p3", "p4"]
    assert [c.params["page"] for c in session.calls] == [1, 2]


def test_it_stops_on_an_empty_page():
    pages = {1: [posting(1), posting(2)], 2: [posting(3), posting(4)]}
    session = FakeSession([paged_api(pages)])

    ids = [p.posting_id for p in make_client(session).iter_postings(limit=2)]

    assert ids == ["p1", "p2", "p3", "p4"]
    assert [c.params["page"] for c in session.calls] == [1, 2, 3]


def test_it_stops_on_a_short_page():
    pages = {1: [posting(1), posting(2)], 2: [posting(3)], 3: [posting(9)]}
    session = FakeSession([paged_api(pages, total_pages=99)])

    ids = [p.posting_id for p in make_client(session).iter_postings(limit=2)]

    assert ids == ["p1", "p2", "p3"]
    assert len(session.calls) == 2


def test_it_trusts_the_servers_smaller_page_size():
    pages = {1: [posting(1), posting(2)], 2: [posting(3), posting(4)], 3: [posting(5)]}
    session = FakeSession([paged_api(pages, limit=2)])

    ids = [p.posting_id for p in make_client(session).iter_postings(limit=100)]

    assert ids == ["p1", "p2", "p3", "p4", "p5"]


def test_it_stops_and_warns_when_the_api_repeats_a_page(caplog):
    session = FakeSession([paged_api({n: [posting(1), posting(2)] for n in range(1, 50)})])

    ids = [p.posting_id for p in make_client(session).iter_postings(limit=2)]

    assert ids == ["p1", "p2"]
    assert len(session.calls) == 2
    assert "repeats page 1" in caplog.text


def test_it_stops_at_the_page_cap(caplog):
    session = FakeSession([paged_api({n: [posting(2 * n), posting(2 * n + 1)] for n in range(99)})])

    items = list(make_client(session).iter_postings(limit=2, max_pages=5))

    assert len(items) == 10
    assert len(session.calls) == 5
    assert "max_pages=5" in caplog.text


def test_it_pages_a_postings_interviews():
    def interview(n):
        return {"interview_id": f"i{n}", "details": {"name": f"Candidate {n}"}}

    pages = {1: [interview(1), interview(2)], 2: [interview(3)]}
    session = FakeSession([paged_api(pages, total_pages=2, key="candidates")])

    items = list(make_client(session).iter_interviews("post/1", limit=2))

    assert [i.interview_id for i in items] == ["i1", "i2", "i3"]
    assert session.calls[0].path == "/api/interviews/post%2F1"


def test_it_does_not_mistake_a_page_of_bad_items_for_the_end(caplog):
    pages = {1: [{"junk": 1}, {"junk": 2}], 2: [posting(3)]}
    session = FakeSession([paged_api(pages)])

    ids = [p.posting_id for p in make_client(session).iter_postings(limit=2)]

    assert ids == ["p3"]
    assert "skipped 2 unparseable" in caplog.text


def test_it_fetches_pages_lazily():
    session = FakeSession([paged_api({1: [posting(1)], 2: [posting(2)]})])

    iterator = make_client(session).iter_postings(limit=1)
    assert session.calls == []
    assert next(iterator).posting_id == "p1"
    assert len(session.calls) == 1
