"""The HTTP front of the sandbox: a threaded server feeding requests to the Sandbox app."""

from __future__ import annotations

import socket
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Unpack

from .app import Sandbox
from .config import SandboxConfig
from .faults import FaultOptions
from .handle import SandboxHandle
from .messages import ApiError, Request, Response

MAX_BODY = 10 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real gateway
    server_version = "HeyMiloSandbox/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # we log one line per request ourselves, without headers

    def _dispatch(self) -> None:
        started = time.monotonic()
        sandbox = self.server.sandbox
        split = urllib.parse.urlsplit(self.path)
        status: int | str = "?"
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                response = ApiError(413, "Request body too large", "payload_too_large").response()
                self.close_connection = True
            else:
                body = self.rfile.read(length) if length > 0 else b""
                request = Request(
                    method=self.command,
                    path=urllib.parse.unquote(split.path) or "/",
                    query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
                    headers=self.headers,
                    body=body,
                    client_host=self.client_address[0],
                    base_url=self._base_url(),
                )
                response = sandbox.handle(request)
        except Exception:  # a bug must answer 500, never kill the server
            traceback.print_exc(file=sys.stderr)
            response = ApiError(500, "Internal Server Error", "internal_server_error").response()
        try:
            if response.drop:
                status = "dropped"
                self.close_connection = True
                # Shut the socket down so the client sees the connection die at once.
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                status = response.status
                self._write(response)
        except OSError:
            status = f"{status} (client gone)"
            self.close_connection = True
        if self.server.config.log_requests:
            ms = (time.monotonic() - started) * 1000
            # Path and query only: the API key travels in a header and is never logged.
            print(
                f"{self.client_address[0]} {self.command} {self.path} {status} {ms:.1f}ms",
                file=sys.stderr,
                flush=True,
            )

    def _base_url(self) -> str:
        if self.server.config.public_url:
            return self.server.config.public_url.rstrip("/")
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.server.url

    def _write(self, response: Response) -> None:
        body = response.body
        length: int | None
        chunks: Iterable[bytes]
        if isinstance(body, bytes):
            length, chunks = len(body), [body]
        else:
            length, chunks = response.length, body
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(length))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            for chunk in chunks:
                self.wfile.write(chunk)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, config: SandboxConfig, sandbox: Sandbox) -> None:
        self.config = config
        self.sandbox = sandbox
        super().__init__((config.host, config.port), _Handler)
        host = config.host if config.host not in ("0.0.0.0", "", "::") else "127.0.0.1"  # noqa: S104
        self.url = f"http://{host}:{self.server_address[1]}"

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # Client resets etc. are expected under fault injection; keep the log short.
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class SandboxServer:
    """Runs a Sandbox over HTTP in a background thread; also a context manager."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.sandbox = Sandbox(self.config)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sandbox server is not started")
        return self._httpd.url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        self._httpd = _Server(self.config, self.sandbox)
        self.sandbox.start()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self.sandbox.stop()  # wakes injected hangs first so handler threads finish
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handle(self, api_key: str | None = None, other_api_key: str | None = None) -> SandboxHandle:
        """A SandboxHandle on this server (over HTTP, like any other process would use)."""
        keys = list(self.config.api_keys)
        return SandboxHandle(
            self.url,
            api_key=api_key or keys[0],
            other_api_key=other_api_key or (keys[1] if len(keys) > 1 else None),
        )

    # In-process control, the same operations as the HTTP control endpoints.
    def reset(self) -> None:
        self.sandbox.reset()

    def add_fault(self, kind: str, **options: Unpack[FaultOptions]) -> dict[str, Any]:
        return self.sandbox.add_fault(kind, **options)

    def clear_faults(self) -> None:
        self.sandbox.clear_faults()

    def state(self) -> dict[str, Any]:
        return self.sandbox.state()

    def override_interview(self, interview_id: str, **fields: Any) -> dict[str, Any]:
        return self.sandbox.override_interview(interview_id, fields)

    def set_config(self, **kw: Any) -> dict[str, Any]:
        return self.sandbox.set_config(**kw)

    def postings(self, key: str | None = None) -> list[dict[str, Any]]:
        key = self.sandbox.key_or_default(key)
        return [self.sandbox.posting_doc(p, self.url) for p in self.sandbox.plans[key]]

    def interviews(self, posting_id: str, key: str | None = None) -> list[dict[str, Any]]:
        key = self.sandbox.key_or_default(key)
        return self.sandbox.all_interviews(key, posting_id, self.url)
