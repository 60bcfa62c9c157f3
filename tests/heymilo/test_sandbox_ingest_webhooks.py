"""Sandbox ingestion, simulated progression and webhook delivery over real HTTP."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.sandbox_fixtures import wait_until


class Receiver:
    """A tiny webhook receiver on 127.0.0.1 that records calls; can fail the first N."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[dict] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urllib.parse.urlsplit(self.path)
                receiver.calls.append(
                    {
                        "method": self.command,
                        "path": split.path,
                        "query": dict(urllib.parse.parse_qsl(split.query)),
                        "json": json.loads(body) if body else None,
                    }
                )
                failing = receiver.fail_first > 0
                receiver.fail_first -= failing
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _record

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self, path: str) -> list[dict]:
        return [c for c in self.calls if c["path"] == path]


def api(sandbox, method, path, key=None, **kwargs):
    headers = {"X-API-KEY": key or sandbox.api_key}
    return requests.request(method, f"{sandbox.url}/api{path}", headers=headers, timeout=10, **kwargs)


def ingest(sandbox, url_key, **candidate):
    return api(sandbox, "POST", f"/ingest/x/{url_key}", json=candidate)


@pytest.fixture
def posting(sandbox):
    return sandbox.postings()[0]  # resume + web interview


def test_it_ingests_a_candidate_as_a_pending_interview(sandbox, posting):
    sandbox.set_config(time_speed=0.01)  # keep it "pending" while we look
    response = ingest(
        sandbox,
        posting["url_key"],
        name="Ada Lovelace",
        email="ada@example.com",
        phone_number="+12065550142",
        metadata={"source": "careers_page"},
        data={"experience": "5 years"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Data Ingestion initiated for ada@example.com"
    assert body["ingestion_id"]
    [details] = body["interview_details"]
    interview_id = details["interview_id"]
    assert details["interview_link"] == f"{sandbox.url}/i/{interview_id}"
    assert requests.get(details["interview_link"], timeout=5).status_code == 200

    doc = api(sandbox, "GET", f"/interview/{interview_id}").json()
    assert doc["details"]["status"] == "pending"
    assert doc["details"]["name"] == "Ada Lovelace"
    assert doc["details"]["score"] is None and doc["agentic_data"] == {}
    assert doc["details"]["metadata"]["ingestion"]["metadata"] == {"source": "careers_page"}
    listing = api(
        sandbox, "GET", f"/interviews/{posting['posting_id']}", params={"page": 3, "limit": 10}
    ).json()
    assert listing["total"] == 26
    assert listing["candidates"][-1]["interview_id"] == interview_id
    ingested = sandbox.state()["ingested"]
    assert [(i["interview_id"], i["email"], i["retake"]) for i in ingested] == [
        (interview_id, "ada@example.com", False)
    ]


def test_it_returns_the_existing_interview_unless_retake(sandbox, posting):
    first = ingest(sandbox, posting["url_key"], name="Ada", email="ada@example.com")
    first_id = first.json()["interview_details"][0]["interview_id"]
    again = ingest(sandbox, posting["url_key"], name="Ada", email="ADA@Example.com")
    assert again.json()["interview_details"][0]["interview_id"] == first_id
    retake = ingest(sandbox, posting["url_key"], name="Ada", email="ada@example.com", retake=True)
    retake_id = retake.json()["interview_details"][0]["interview_id"]
    assert retake_id != first_id
    # Without retake, the newest interview of that candidate comes back.
    latest = ingest(sandbox, posting["url_key"], name="Ada", email="ada@example.com")
    assert latest.json()["interview_details"][0]["interview_id"] == retake_id
    # Seeded candidates count as known too.
    seeded = sandbox.interviews(posting["posting_id"])[3]
    known = ingest(
        sandbox, posting["url_key"], name=seeded["details"]["name"], email=seeded["details"]["email"].upper()
    )
    assert known.json()["interview_details"][0]["interview_id"] == seeded["interview_id"]
    assert len(sandbox.state()["ingested"]) == 2


def test_it_bulk_ingests_in_order(sandbox, posting):
    people = [
        {"name": "Grace Hopper", "email": "grace@example.com", "retake": True},
        {"name": "Alan Turing", "email": "alan@example.com", "metadata": {}, "data": {}},
        {"name": "Grace Again", "email": "grace@example.com"},
    ]
    response = api(sandbox, "POST", f"/ingest/x/bulk/{posting['url_key']}", json={"data": people})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Bulk candidate ingestion job created successfully"
    ids = [d["interview_id"] for d in body["interview_details"]]
    assert len(ids) == 3 and ids[0] == ids[2] and ids[0] != ids[1]
    emails = {i["interview_id"]: i["email"] for i in sandbox.state()["ingested"]}
    assert emails == {ids[0]: "grace@example.com", ids[1]: "alan@example.com"}


@pytest.mark.parametrize(
    "candidate, field",
    [
        ({"email": "a@example.com"}, "name"),
        ({"name": "A"}, "email"),
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"name": "A", "email": "a@example.com", "phone_number": "555-1234"}, "phone_number"),
        ({"name": "A", "email": "a@example.com", "metadata": {"k": 1}}, "metadata"),
        ({"name": "A", "email": "a@example.com", "retake": "yes"}, "retake"),
    ],
)
def test_it_rejects_invalid_candidates_with_422(sandbox, posting, candidate, field):
    response = ingest(sandbox, posting["url_key"], **candidate)
    assert response.status_code == 422
    body = response.json()
    assert body["error_type"] == "validation_error"
    assert ["body", field] in [e["loc"] for e in body["errors"]]
    bulk = api(
        sandbox,
        "POST",
        f"/ingest/x/bulk/{posting['url_key']}",
        json={"data": [{"name": "Ok", "email": "ok@example.com"}, candidate]},
    )
    assert bulk.status_code == 422
    assert ["body", "data", 1, field] in [e["loc"] for e in bulk.json()["errors"]]
    assert sandbox.state()["ingested"] == []  # all or nothing


def test_it_rejects_bad_json_bodies_with_422(sandbox, posting):
    headers = {"X-API-KEY": sandbox.api_key, "Content-Type": "application/json"}
    for path in (
        f"/ingest/x/{posting['url_key']}",
        f"/ingest/x/bulk/{posting['url_key']}",
        "/webhook/create",
    ):
        for raw in (b"{not json", b"[1, 2]", b""):
            response = requests.post(f"{sandbox.url}/api{path}", data=raw, headers=headers, timeout=5)
            assert response.status_code == 422, (path, raw)
            assert response.json()["errors"][0]["loc"] == ["body"]
    empty = api(sandbox, "POST", f"/ingest/x/bulk/{posting['url_key']}", json={"data": []})
    assert empty.status_code == 422


def test_it_manages_webhooks(sandbox, posting):
    create = api(
        sandbox,
        "POST",
        "/webhook/create",
        json={
            "posting_id": posting["posting_id"],
            "url": "http://127.0.0.1:9/hook",
            "event_type": "interview_completed",
        },
    )
    assert create.status_code == 200
    hook = create.json()
    assert set(hook) == {
        "webhook_id",
        "posting_id",
        "url",
        "event_type",
        "http_method",
        "is_active",
        "created_at",
        "updated_at",
    }
    assert hook["http_method"] == "post" and hook["is_active"] is True
    fetched = api(sandbox, "GET", f"/webhook/fetch/{hook['webhook_id']}")
    assert fetched.json() == hook
    api(
        sandbox,
        "POST",
        "/webhook/create",
        json={
            "posting_id": posting["posting_id"],
            "url": "https://example.invalid/h",
            "event_type": "report_available",
            "http_method": "get",
        },
    )
    everything = api(sandbox, "GET", "/webhook/all").json()["webhooks"]
    assert len(everything) == 2
    only = api(sandbox, "GET", "/webhook/all", params={"event_type": "report_available"})
    assert [h["http_method"] for h in only.json()["webhooks"]] == ["get"]
    none = api(sandbox, "GET", "/webhook/all", params={"posting_id": "FFFFFFFF"})
    assert none.json() == {"webhooks": []}

    off = api(sandbox, "POST", f"/webhook/deactivate/{hook['webhook_id']}")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert api(sandbox, "GET", f"/webhook/fetch/{hook['webhook_id']}").json()["is_active"] is False
    # Another key sees none of it.
    other = sandbox.other_api_key
    assert api(sandbox, "GET", f"/webhook/fetch/{hook['webhook_id']}", key=other).status_code == 404
    assert api(sandbox, "POST", f"/webhook/deactivate/{hook['webhook_id']}", key=other).status_code == 404
    assert api(sandbox, "GET", "/webhook/all", key=other).json() == {"webhooks": []}
    unknown_posting = api(
        sandbox,
        "POST",
        "/webhook/create",
        json={"posting_id": "FFFFFFFF", "url": "http://127.0.0.1/h", "event_type": "interview_started"},
    )
    assert unknown_posting.status_code == 404


@pytest.mark.parametrize(
    "change, field",
    [
        ({"url": "ftp://example.com/h"}, "url"),
        ({"url": "/relative/path"}, "url"),
        ({"url": None}, "url"),
        ({"event_type": "candidate_hired"}, "event_type"),
        ({"http_method": "put"}, "http_method"),
        ({"posting_id": None}, "posting_id"),
    ],
)
def test_it_rejects_invalid_webhooks_with_422(sandbox, posting, change, field):
    body = {
        "posting_id": posting["posting_id"],
        "url": "http://127.0.0.1/h",
        "event_type": "interview_started",
        **change,
    }
    response = api(sandbox, "POST", "/webhook/create", json=body)
    assert response.status_code == 422
    assert ["body", field] in [e["loc"] for e in response.json()["errors"]]


def test_it_progresses_ingested_interviews_and_fires_webhooks(sandbox, posting):
    posting_id = posting["posting_id"]
    with Receiver(fail_first=1) as receiver:
        hooks = {
            "interview_started": ("post", "/started"),
            "interview_completed": ("get", "/completed"),
            "report_available": ("post", "/report"),
        }
        for event, (method, path) in hooks.items():
            response = api(
                sandbox,
                "POST",
                "/webhook/create",
                json={
                    "posting_id": posting_id,
                    "url": receiver.url + path,
                    "event_type": event,
                    "http_method": method,
                },
            )
            assert response.status_code == 200
        # A deactivated hook and another posting's hook never fire.
        dead = api(
            sandbox,
            "POST",
            "/webhook/create",
            json={"posting_id": posting_id, "url": receiver.url + "/dead", "event_type": "interview_started"},
        ).json()
        api(sandbox, "POST", f"/webhook/deactivate/{dead['webhook_id']}")
        api(
            sandbox,
            "POST",
            "/webhook/create",
            json={
                "posting_id": sandbox.postings()[2]["posting_id"],
                "url": receiver.url + "/other",
                "event_type": "interview_started",
            },
        )

        created = ingest(sandbox, posting["url_key"], name="Kofi Mensah", email="kofi@example.com").json()
        interview_id = created["interview_details"][0]["interview_id"]

        def all_delivered():
            deliveries = sandbox.state()["deliveries"]
            return len(deliveries) == 3 and all(d["delivered"] for d in deliveries)

        # The receiver sees a call before the sandbox records its answer: wait for the record.
        wait_until(all_delivered, timeout=15, message="three delivered webhooks")
        # The first delivery got a 500 and was retried.
        started = receiver.events("/started")
        assert len(started) == 2
        assert started[-1]["method"] == "POST"
        assert started[-1]["json"]["event_type"] == "interview_started"
        assert started[-1]["json"]["interview_id"] == interview_id
        assert started[-1]["json"]["posting_id"] == posting_id
        assert isinstance(started[-1]["json"]["timestamp"], float)
        [completed] = receiver.events("/completed")
        assert completed["method"] == "GET" and completed["json"] is None
        assert completed["query"]["event_type"] == "interview_completed"
        assert completed["query"]["interview_id"] == interview_id
        assert receiver.events("/report")[0]["json"]["event_type"] == "report_available"
        assert receiver.events("/dead") == [] and receiver.events("/other") == []

        # Events arrive in lifecycle order.
        order = [c["path"] for c in receiver.calls]
        assert order.index("/started") < order.index("/completed") < order.index("/report")

    doc = api(sandbox, "GET", f"/interview/{interview_id}").json()
    assert doc["details"]["status"] == "completed"
    assert doc["details"]["score"] is not None
    web = doc["agentic_data"]["web_interview_info"]
    # Short, so simulated interviews finish fast, but within the 20-80 turns every interview has.
    assert 20 <= len(web["transcript"]["transcript"]) <= 40
    for question in web["scorecard"]["questions"]:
        for turn in question["chat_transcript"]:
            assert turn in web["transcript"]["transcript"]

    state = sandbox.state()
    deliveries = {d["event_type"]: d for d in state["deliveries"]}
    retried = deliveries["interview_started"]
    assert [a["status"] for a in retried["attempts"]] == [500, 204]
    assert retried["delivered"] is True
    assert all(d["delivered"] for d in state["deliveries"])
    assert state["ingested"][0]["events"] == ["interview_started", "interview_completed", "report_available"]


def test_it_gives_up_on_a_dead_webhook_after_a_few_retries(sandbox, posting):
    with Receiver() as receiver:
        dead_url = receiver.url  # closed below, so nothing listens there any more
    api(
        sandbox,
        "POST",
        "/webhook/create",
        json={
            "posting_id": posting["posting_id"],
            "url": dead_url + "/gone",
            "event_type": "interview_started",
        },
    )
    sandbox.set_config(time_speed=6000)
    ingest(sandbox, posting["url_key"], name="N", email="n@example.com")

    def given_up():
        deliveries = sandbox.state()["deliveries"]
        return deliveries and deliveries[0]["gave_up"] and deliveries[0]

    delivery = wait_until(given_up, timeout=15, message="the dispatcher to give up")
    assert len(delivery["attempts"]) == 4
    assert all(a["error"] for a in delivery["attempts"])
    assert delivery["delivered"] is False
