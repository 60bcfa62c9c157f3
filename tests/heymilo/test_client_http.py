"""HeyMiloClient over real HTTP to a tiny local server: headers, timeouts, refusals, drops."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from heymilo import (
    AmbiguousOutcome,
    APIConnectionError,
    APITimeoutError,
    HeyMiloClient,
    MalformedResponse,
    RateLimited,
)

KEY = "hm_local_KEY_never_logged_91ab"


class Handler(BaseHTTPRequestHandler):
    """Behaves by interview id: /api/interview/hang waits, /api/interview/drop hangs up..."""

    server: "LocalServer"

    def log_message(self, format, *args):  # keep test output clean
        pass

    def _answer(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        path = self.path.split("?")[0]
        if self.headers.get("X-API-KEY") != KEY:
            return self._answer(401, {"detail": "Invalid API key", "error_type": "unauthorized"})
        if path == "/api/health":
            return self._answer(200, {"message": "ok", "status": 200})
        if path == "/api/interview/hang" or path.startswith("/api/ingest/"):
            self.server.release.wait(10)
            return None
        if path == "/api/interview/drop":
            self.close_connection = True
            return None
        if path == "/api/interview/busy":
            return self._answer(429, {"detail": "Too Many Requests"}, {"Retry-After": "0"})
        if path == "/api/interview/garbled":
            return self._answer(200, b'{"postings": [')
        return self._answer(404, {"detail": "Not Found"})

    do_GET = _handle
    do_POST = _handle


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen = []
        self.release = threading.Event()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server():
    srv = LocalServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def client_for(url, **kwargs):
    kwargs.setdefault("sleep", lambda s: None)
    return HeyMiloClient(KEY, url, **kwargs)


def test_it_talks_http_with_the_key_header(server):
    with client_for(server.url) as client:
        assert client.health()["status"] == 200

    method, path, headers, _ = server.seen[0]
    assert (method, path) == ("GET", "/api/health")
    assert headers["X-API-KEY"] == KEY


def test_it_times_out_a_hanging_read(server):
    client = client_for(server.url, timeout=(1.0, 0.2), max_retries=1)

    with pytest.raises(APITimeoutError) as excinfo:
        client.get_interview("hang")

    assert excinfo.value.request_sent is True
    assert len(server.seen) == 2


def test_it_calls_a_hanging_retake_ingest_ambiguous_and_sends_it_once(server):
    client = client_for(server.url, timeout=(1.0, 0.2))

    with pytest.raises(AmbiguousOutcome):
        client.ingest_candidate("k", "A", "a@example.com", retake=True)

    assert len(server.seen) == 1


def test_it_maps_a_dropped_connection_to_a_connection_error(server):
    client = client_for(server.url, max_retries=2)

    with pytest.raises(APIConnectionError) as excinfo:
        client.get_interview("drop")

    assert excinfo.value.request_sent is None
    assert len(server.seen) == 3


def test_it_knows_a_refused_connection_sent_nothing(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = client_for(f"http://127.0.0.1:{port}", max_retries=1)

    with pytest.raises(APIConnectionError) as excinfo:
        client.export_interviews("p1")

    assert excinfo.value.request_sent is False
    assert KEY not in caplog.text


def test_it_raises_rate_limited_after_retrying(server):
    client = client_for(server.url, max_retries=2)

    with pytest.raises(RateLimited) as excinfo:
        client.get_interview("busy")

    assert excinfo.value.retry_after == 0.0
    assert len(server.seen) == 3


def test_it_raises_malformed_response_for_a_truncated_body(server):
    with pytest.raises(MalformedResponse):
        client_for(server.url).get_interview("garbled")
