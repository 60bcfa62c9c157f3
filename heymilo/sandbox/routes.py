"""The one route table (method + path -> handler) and what runs in front of the handlers.

API calls (under /api, or bare) are counted per key, may be hit by injected faults, need a valid
API key and a free slot of the key's rate limit, and always answer with rate-limit headers.
Sandbox calls (/_sandbox/..., /i/...) are the files the API links to, which anyone may fetch,
and the control endpoints, which only loopback clients may call (unless allow_remote_control).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from . import api, control, media
from .messages import ApiError, ControlError, Request, Response

if TYPE_CHECKING:
    from .app import Sandbox

# "key": an API endpoint that needs an API key; "open": an API endpoint that does not;
# "public": a sandbox file anyone may fetch; "local": a control endpoint, loopback clients only.
Access = Literal["key", "open", "public", "local"]
# Called as handler(sandbox, request, **path params), API handlers with the API key after the
# request; the signatures differ by route, hence the `...`.
Handler = Callable[..., Response]

GET, POST, DELETE = frozenset({"GET"}), frozenset({"POST"}), frozenset({"DELETE"})
GET_POST, FILE = frozenset({"GET", "POST"}), frozenset({"GET", "HEAD"})
ANY = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    path: str  # a regular expression; its named groups are passed to the handler
    handler: Handler
    access: Access
    label: str = ""  # API only: the endpoint as /_sandbox/state counts it
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # API paths take one optional trailing slash; sandbox paths lose theirs before matching.
        suffix = "/?" if self.is_api else ""
        object.__setattr__(self, "pattern", re.compile(self.path + suffix))

    @property
    def is_api(self) -> bool:
        return self.access in ("key", "open")


ROUTES = [
    # The public API, as the reference documents it (also served under /api).
    Route(GET, r"/health", api.health, "open", "/health"),
    Route(GET, r"/postings", api.postings, "key", "/postings"),
    Route(GET, r"/interview/(?P<interview_id>[^/]+)", api.interview, "key", "/interview/{id}"),
    Route(GET_POST, r"/interviews/export/json", api.export, "key", "/interviews/export/json"),
    Route(GET, r"/interviews/(?P<posting_id>[^/]+)", api.interviews, "key", "/interviews/{posting_id}"),
    Route(POST, r"/webhook/create", api.webhook_create, "key", "/webhook/create"),
    Route(GET, r"/webhook/fetch/(?P<webhook_id>[^/]+)", api.webhook_fetch, "key", "/webhook/fetch/{id}"),
    Route(GET, r"/webhook/all", api.webhook_all, "key", "/webhook/all"),
    Route(
        POST,
        r"/webhook/deactivate/(?P<webhook_id>[^/]+)",
        api.webhook_deactivate,
        "key",
        "/webhook/deactivate/{id}",
    ),
    Route(POST, r"/ingest/x/bulk/(?P<url_key>[^/]+)", api.ingest_bulk, "key", "/ingest/x/bulk/{url_key}"),
    Route(POST, r"/ingest/x/(?P<url_key>[^/]+)", api.ingest, "key", "/ingest/x/{url_key}"),
    # What the API's links point to.
    Route(ANY, r"/i/(?P<interview_id>.+)", media.interview_page, "public"),
    Route(FILE, r"/_sandbox/media/(?P<name>[^/]+)", media.serve_media, "public"),
    Route(FILE, r"/_sandbox/exports/(?P<name>[^/]+)", media.export_file, "public"),
    # Control.
    Route(GET, r"/_sandbox/faults", control.faults_list, "local"),
    Route(POST, r"/_sandbox/faults", control.faults_add, "local"),
    Route(DELETE, r"/_sandbox/faults", control.faults_clear, "local"),
    Route(POST, r"/_sandbox/reset", control.reset, "local"),
    Route(GET, r"/_sandbox/state", control.state, "local"),
    Route(GET_POST, r"/_sandbox/config", control.config, "local"),
    Route(POST, r"/_sandbox/interviews/(?P<interview_id>[^/]+)", control.interview_override, "local"),
    Route(GET, r"/_sandbox/truth/postings", control.truth_postings, "local"),
    Route(GET, r"/_sandbox/truth/interviews/(?P<posting_id>[^/]+)", control.truth_interviews, "local"),
]
API_ROUTES = [r for r in ROUTES if r.is_api]
SANDBOX_ROUTES = [r for r in ROUTES if not r.is_api]


def dispatch(sb: Sandbox, req: Request) -> Response:
    try:
        if req.path.startswith(("/_sandbox/", "/i/")):
            return _sandbox_call(sb, req)
        return _api_call(sb, req)
    except ApiError as exc:
        return exc.response()


# ---------------------------------------------------------------------- sandbox calls


def _sandbox_call(sb: Sandbox, req: Request) -> Response:
    path = req.path.rstrip("/")
    local = sb.config.allow_remote_control or _is_local(req.client_host)
    for route in SANDBOX_ROUTES:
        match = route.pattern.fullmatch(path)
        if match is None or req.method not in route.methods:
            continue
        if route.access == "local" and not local:
            break
        return route.handler(sb, req, **match.groupdict())
    if not local:
        raise ControlError("control endpoints are only available from 127.0.0.1", 403)
    raise ControlError(
        f"unknown control call {req.method} {req.path}; see /_sandbox/state, "
        "/_sandbox/faults, /_sandbox/reset, /_sandbox/config, "
        "/_sandbox/interviews/<id>, /_sandbox/truth/...",
        400,
    )


def _is_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


# ---------------------------------------------------------------------- API calls


def _api_call(sb: Sandbox, req: Request) -> Response:
    key = req.headers.get("X-API-KEY")
    try:
        response = _route_api(sb, req)
    except ApiError as exc:
        response = exc.response()
    if not response.drop and "X-RateLimit-Limit" not in response.headers:
        # Every API response carries the rate-limit headers, errors included.
        response.headers.update(sb.limiter.peek(key if key in sb.world.keys else None))
    return response


def _route_api(sb: Sandbox, req: Request) -> Response:
    path = req.path[4:] if req.path == "/api" or req.path.startswith("/api/") else req.path
    key = req.headers.get("X-API-KEY")
    valid = key in sb.world.keys
    bucket = key if key is not None and valid else ("(invalid key)" if key else "(no key)")
    for route in API_ROUTES:
        match = route.pattern.fullmatch(path)
        if match is None:
            continue
        sb.world.count(bucket, f"{req.method} {route.label}")
        if req.method not in route.methods:
            raise ApiError(405, "Method Not Allowed", "method_not_allowed")
        return _run_api(sb, req, route, match.groupdict(), key if valid else None)
    sb.world.count(bucket, f"{req.method} (unknown)")
    raise ApiError(404, "Not Found", "not_found")


def _run_api(sb: Sandbox, req: Request, route: Route, params: dict[str, str], key: str | None) -> Response:
    """Injected faults, then the API key and rate limit, then the handler."""
    malformed = False
    for rule in sb.faults.pick(req.headers.get("X-API-KEY")):
        if rule.kind == "latency":
            sb.sleep(rule.seconds or 0)
        elif rule.kind == "error_500":
            return ApiError(500, "Internal Server Error (injected fault)", "internal_server_error").response()
        elif rule.kind == "rate_limit":
            headers = sb.limiter.peek(key)
            headers["X-RateLimit-Remaining"] = "0"
            if rule.retry_after is not None:
                headers["Retry-After"] = str(rule.retry_after)
            return ApiError(
                429, "Rate limit exceeded (injected fault)", "rate_limit_exceeded", headers=headers
            ).response()
        elif rule.kind == "hang":
            sb.sleep(rule.seconds or 0)
            if rule.then == "close":
                return Response(0, drop=True)
        elif rule.kind == "drop":
            return Response(0, drop=True)
        elif rule.kind == "malformed":
            malformed = True

    if route.access == "key":
        if key is None:
            raise ApiError(401, "Invalid or missing API key", "unauthorized", headers=sb.limiter.peek(None))
        allowed, rate_headers = sb.limiter.hit(key)
        if not allowed:
            raise ApiError(
                429,
                f"Rate limit exceeded: {sb.limiter.limit} requests per minute",
                "rate_limit_exceeded",
                headers=rate_headers,
            )
    else:
        rate_headers = sb.limiter.peek(key)
    try:
        response = route.handler(sb, req, key, **params)
    except ApiError as exc:
        exc.headers = {**rate_headers, **exc.headers}
        raise
    response.headers = {**rate_headers, **response.headers}
    if malformed and isinstance(response.body, bytes):
        response.body = response.body[: max(1, len(response.body) // 2)]
    return response
