"""Sandbox rate limiting, fault injection, control endpoints, robustness and the CLI."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from heymilo.sandbox import SandboxError, SandboxHandle


def postings(sandbox, key=None, timeout=10):
    return requests.get(
        f"{sandbox.url}/api/postings", headers={"X-API-KEY": key or sandbox.api_key}, timeout=timeout
    )


def test_it_sends_rate_limit_headers_and_429s_past_the_limit(sandbox):
    sandbox.set_config(rate_limit=3)
    remaining = []
    for _ in range(3):
        response = postings(sandbox)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert int(response.headers["X-RateLimit-Reset"]) > 0
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    limited = postings(sandbox)
    assert limited.status_code == 429
    assert limited.json() == {
        "detail": limited.json()["detail"],
        "status_code": 429,
        "error_type": "rate_limit_exceeded",
    }
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    # The limit is per key.
    assert postings(sandbox, key=sandbox.other_api_key).status_code == 200
    sandbox.reset()
    assert postings(sandbox).headers["X-RateLimit-Limit"] == "300"


def test_it_injects_500s_by_count_and_only_for_the_chosen_key(sandbox):
    sandbox.add_fault("error_500", key=sandbox.other_api_key, count=2)
    assert postings(sandbox).status_code == 200
    statuses = [postings(sandbox, key=sandbox.other_api_key).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    body = postings(sandbox, key=sandbox.other_api_key)
    assert body.status_code == 200
    sandbox.add_fault("error_500", count=1)
    failed = postings(sandbox)
    assert failed.status_code == 500
    assert failed.json()["error_type"] == "internal_server_error"
    assert failed.headers["X-RateLimit-Limit"] == "300"


def test_it_injects_500s_at_a_seeded_rate(sandbox):
    sandbox.add_fault("error_500", rate=0.5)
    first = [postings(sandbox).status_code for _ in range(30)]
    assert 0 < first.count(500) < 30
    sandbox.clear_faults()  # also rewinds the fault RNG
    sandbox.add_fault("error_500", rate=0.5)
    assert [postings(sandbox).status_code for _ in range(30)] == first


def test_it_injects_429_storms_with_and_without_retry_after(sandbox):
    sandbox.add_fault("rate_limit", count=2, retry_after=7)
    storm = postings(sandbox)
    assert storm.status_code == 429 and storm.headers["Retry-After"] == "7"
    assert storm.json()["error_type"] == "rate_limit_exceeded"
    assert postings(sandbox).status_code == 429
    assert postings(sandbox).status_code == 200
    sandbox.add_fault("rate_limit", count=1, retry_after=None)
    bare = postings(sandbox)
    assert bare.status_code == 429 and "Retry-After" not in bare.headers
    sandbox.add_fault("rate_limit", count=1)  # retry_after left out: the default
    assert postings(sandbox).headers["Retry-After"] == "1"


def test_it_injects_latency(sandbox):
    sandbox.add_fault("latency", count=1, seconds=0.3)
    started = time.monotonic()
    assert postings(sandbox).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_it_injects_hangs_past_the_client_timeout(sandbox):
    sandbox.add_fault("hang", count=1, seconds=30)
    with pytest.raises(requests.exceptions.Timeout):
        postings(sandbox, timeout=0.5)
    sandbox.clear_faults()  # wakes the hung handler
    assert postings(sandbox).status_code == 200
    sandbox.add_fault("hang", count=1, seconds=0.2, then="respond")
    assert postings(sandbox).status_code == 200


def test_it_injects_dropped_connections(sandbox):
    sandbox.add_fault("drop", count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        postings(sandbox)
    assert postings(sandbox).status_code == 200


def test_it_injects_malformed_json(sandbox):
    sandbox.add_fault("malformed", count=1)
    response = postings(sandbox)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()
    assert postings(sandbox).json()["total"] == 3


def test_it_controls_faults_over_http_and_rejects_bad_rules(sandbox):
    rule = sandbox.add_fault("latency", rate=0.1, seconds=0.01)
    assert rule["kind"] == "latency" and rule["rate"] == 0.1
    listed = requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()["faults"]
    assert [r["id"] for r in listed] == [rule["id"]]
    assert sandbox.state()["faults"] == listed
    bad_rules = [
        {"kind": "explode", "count": 1},
        {"kind": "drop"},
        {"kind": "drop", "count": 1, "rate": 0.5},
        {"kind": "drop", "rate": 2},
        {"kind": "drop", "count": 0},
        {"kind": "latency", "count": 1, "seconds": -1},
        {"kind": "drop", "count": 1, "colour": "red"},
    ]
    for body in bad_rules:
        response = requests.post(f"{sandbox.url}/_sandbox/faults", json=body, timeout=5)
        assert response.status_code == 400, body
        assert response.json()["detail"]
    assert requests.post(f"{sandbox.url}/_sandbox/faults", data=b"{oops", timeout=5).status_code == 400
    with pytest.raises(SandboxError):
        sandbox.add_fault("explode", count=1)
    sandbox.clear_faults()
    assert sandbox.state()["faults"] == []


def test_it_rejects_unknown_control_calls(sandbox):
    for method, path, body in [
        ("POST", "/_sandbox/nothing", {}),
        ("GET", "/_sandbox/reset", None),
        ("POST", "/_sandbox/config", {"colour": "red"}),
        ("POST", "/_sandbox/config", {"rate_limit": 0}),
        ("POST", "/_sandbox/config", {"time_speed": "fast"}),
        ("POST", "/_sandbox/interviews/whatever", {}),
    ]:
        response = requests.request(method, sandbox.url + path, json=body, timeout=5)
        assert response.status_code == 400, path
        assert response.json()["detail"]
    missing = requests.post(f"{sandbox.url}/_sandbox/interviews/nope", json={"status": "x"}, timeout=5)
    assert missing.status_code == 404


def test_it_overrides_and_deletes_interviews(sandbox):
    posting_id = sandbox.postings()[0]["posting_id"]
    first, second = sandbox.interviews(posting_id)[:2]
    sandbox.override_interview(first["interview_id"], status="completed", score=91.5, name="Renamed Person")
    headers = {"X-API-KEY": sandbox.api_key}
    doc = requests.get(
        f"{sandbox.url}/api/interview/{first['interview_id']}", headers=headers, timeout=5
    ).json()
    assert (doc["details"]["status"], doc["details"]["score"], doc["details"]["name"]) == (
        "completed",
        91.5,
        "Renamed Person",
    )
    assert sandbox.interviews(posting_id)[0] == doc

    sandbox.override_interview(second["interview_id"], delete=True)
    gone = requests.get(f"{sandbox.url}/api/interview/{second['interview_id']}", headers=headers, timeout=5)
    assert gone.status_code == 404
    listing = requests.get(
        f"{sandbox.url}/api/interviews/{posting_id}", headers=headers, params={"limit": 100}, timeout=5
    ).json()
    assert listing["total"] == 24
    assert second["interview_id"] not in {c["interview_id"] for c in listing["candidates"]}

    sandbox.reset()
    assert sandbox.interviews(posting_id)[:2] == [first, second]


def test_it_reports_state_and_resets_it(sandbox):
    posting = sandbox.postings()[0]
    headers = {"X-API-KEY": sandbox.api_key}
    requests.get(f"{sandbox.url}/api/postings", headers=headers, timeout=5)
    requests.get(f"{sandbox.url}/api/interviews/{posting['posting_id']}", headers=headers, timeout=5)
    requests.get(f"{sandbox.url}/api/postings", timeout=5)
    requests.post(
        f"{sandbox.url}/api/ingest/x/{posting['url_key']}",
        headers=headers,
        json={"name": "A", "email": "a@example.com"},
        timeout=5,
    )
    sandbox.add_fault("drop", rate=0.01)
    state = sandbox.state()
    counts = state["requests"][sandbox.api_key]
    assert counts["total"] == 3
    assert counts["by_endpoint"] == {
        "GET /postings": 1,
        "GET /interviews/{posting_id}": 1,
        "POST /ingest/x/{url_key}": 1,
    }
    assert state["requests"]["(no key)"]["total"] == 1
    assert state["config"]["api_keys"] == ["sandbox-key-a", "sandbox-key-b"]
    assert len(state["ingested"]) == 1 and len(state["faults"]) == 1

    sandbox.reset()
    state = sandbox.state()
    assert state["requests"] == {} and state["ingested"] == [] and state["faults"] == []
    assert state["webhooks"] == [] and state["deliveries"] == []
    assert state["config"]["time_speed"] == 600.0 and state["config"]["rate_limit"] == 300


def test_it_connects_a_handle_by_url(sandbox):
    handle = SandboxHandle.connect(sandbox.url)
    assert (handle.api_key, handle.other_api_key) == ("sandbox-key-a", "sandbox-key-b")
    assert handle.postings() == sandbox.postings()
    explicit = SandboxHandle.connect(sandbox.url, api_key="sandbox-key-b")
    assert explicit.other_api_key == "sandbox-key-a"


def test_it_answers_500_when_a_handler_breaks_and_keeps_serving(sandbox, sandbox_server, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug in a handler")

    monkeypatch.setattr(sandbox_server.sandbox, "posting_doc", boom)
    response = postings(sandbox)
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal Server Error",
        "status_code": 500,
        "error_type": "internal_server_error",
    }
    monkeypatch.undo()
    assert postings(sandbox).status_code == 200
    assert requests.get(f"{sandbox.url}/api/health", timeout=5).status_code == 200


def test_it_runs_from_the_command_line_and_stops_on_sigint():
    secret = "cli-secret-key-123"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "heymilo.sandbox",
            "--port",
            "0",
            "--postings",
            "2",
            "--interviews-per-posting",
            "5",
            "--api-key",
            secret,
            "--time-speed",
            "120",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in process.stderr], daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 15
        url = None
        while url is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            match = re.search(r"running at (http://127\.0\.0\.1:\d+)", line)
            url = match.group(1) if match else None
        assert url, "the sandbox did not print its URL"
        response = requests.get(f"{url}/api/postings", headers={"X-API-KEY": secret}, timeout=5)
        assert response.status_code == 200 and response.json()["total"] == 2
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=5)  # the reader ends at EOF, once every line is queued
    output = []
    while not lines.empty():
        output.append(lines.get())
    log = "".join(output)
    assert re.search(r"GET /api/postings 200 \d+\.\d+ms", log)
    request_lines = [x for x in output if "/api/" in x]
    assert request_lines and all(secret not in x for x in request_lines)


def test_it_accepts_in_process_control_too(sandbox, sandbox_server):
    sandbox_server.add_fault("error_500", count=1)
    assert postings(sandbox).status_code == 500
    assert postings(sandbox).status_code == 200
    assert sandbox_server.postings() == sandbox.postings()
    posting_id = sandbox.postings()[0]["posting_id"]
    assert sandbox_server.interviews(posting_id) == sandbox.interviews(posting_id)
    sandbox_server.reset()  # forget the requests above, then allow one a minute
    sandbox_server.set_config(rate_limit=1)
    assert postings(sandbox).status_code == 200
    assert postings(sandbox).status_code == 429
    sandbox_server.reset()
    assert postings(sandbox).status_code == 200
