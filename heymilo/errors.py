"""Exceptions raised by the HeyMilo client, one root subclassed by how the caller must react."""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

import requests

__all__ = [
    "APIConnectionError",
    "AddressNotAllowed",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousOutcome",
    "HeyMiloError",
    "MalformedResponse",
    "NotFound",
    "RateLimited",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "ValidationError",
    "error_from_response",
    "parse_retry_after",
    "TRANSIENT_ERRORS",
]

# Headers that may carry a request id; the first one present wins.
REQUEST_ID_HEADERS = ("X-Request-ID", "Request-ID", "X-Correlation-ID", "X-Amzn-RequestId")

# A body kept on an error is for debugging; a huge HTML error page is not worth keeping whole.
MAX_BODY_CHARS = 2000
# An error's message ends up on pages (a sync's or an import's error) and in logs: only this much
# of the parsed `detail` goes into it. The whole body stays on `.body`, for logs and debugging.
MAX_DETAIL_CHARS = 200


class Where(TypedDict, total=False):
    """The request an error is about, which every error may name: the one list of these keywords
    each subclass passes on to HeyMiloError."""

    method: str | None
    path: str | None


class HeyMiloError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path

    def __str__(self) -> str:
        return self.message


class TransportError(HeyMiloError):
    """No complete response arrived. `request_sent` is False when the request certainly never
    reached the server (connection refused, connect timeout, DNS failure), True when it certainly
    did, None when requests cannot tell (e.g. the server dropped a pooled connection)."""

    def __init__(self, message: str, *, request_sent: bool | None = None, **where: Unpack[Where]):
        super().__init__(message, **where)
        self.request_sent = request_sent


class APIConnectionError(TransportError):
    """The connection failed before a complete response arrived."""


class APITimeoutError(TransportError):
    """Connecting or reading took longer than the client's timeout."""


class AmbiguousOutcome(HeyMiloError):
    """A POST that is not safe to repeat failed after it may have reached the server.

    The thing it asked for (an interview with retake=true, a webhook, an export) may or may not
    exist now. The client never re-sends it; the caller must check before trying again.
    `cause` is the timeout or connection error behind it.
    """

    def __init__(self, message: str, *, cause: HeyMiloError | None = None, **where: Unpack[Where]):
        super().__init__(message, **where)
        self.cause = cause


class AddressNotAllowed(HeyMiloError):
    """The base URL, or an address its host resolves to, is not one the client may send a request
    (and the API key) to: plain http, a private, loopback, link-local or metadata address. Nothing
    was sent. Never retried: only a corrected base URL or an operator's allow-list changes it."""

    request_sent = False

    def __init__(self, message: str, *, host: str | None = None, address: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.host = host
        self.address = address


class MalformedResponse(HeyMiloError):
    """The API answered, but with something that cannot be parsed into what was asked for."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None, **where: Unpack[Where]):
        super().__init__(message, **where)
        self.status = status
        self.body = body


class APIStatusError(HeyMiloError):
    """The API answered with a status that is not a success."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        detail: str | None = None,
        error_type: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        **where: Unpack[Where],
    ):
        super().__init__(message, **where)
        self.status = status
        self.detail = detail
        self.error_type = error_type
        self.request_id = request_id
        self.body = body
        self.headers = dict(headers or {})


class Unauthorized(APIStatusError):
    """401 (or 403): the API key is missing, wrong or revoked; retrying will not help."""


class NotFound(APIStatusError):
    """404: the posting, interview or webhook does not exist for this key."""


class ValidationError(APIStatusError):
    """422: the request was rejected; `field_errors` maps a field (dotted path) to its message."""

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.field_errors = dict(field_errors or {})


class RateLimited(APIStatusError):
    """429: too many requests; `retry_after` is the server's wait hint in seconds, if given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: HeyMilo failed; a GET may be retried, a POST's effect is unknown."""


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP-date), else from a rate-limit reset header.

    X-RateLimit-Reset is either a Unix time or a number of seconds, depending on the server;
    a value that only makes sense as a Unix time (after 2001) is read as one.
    """
    now = time.time() if now is None else now
    value = _header(headers, "Retry-After")
    if value is not None:
        seconds = _to_seconds(value)
        if seconds is not None:
            return max(0.0, seconds)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - now)
    for name in ("X-RateLimit-Reset", "RateLimit-Reset"):
        value = _header(headers, name)
        seconds = _to_seconds(value) if value is not None else None
        if seconds is None:
            continue
        if seconds > 1_000_000_000:
            seconds -= now
        return max(0.0, seconds)
    return None


def error_from_response(
    response: requests.Response,
    *,
    method: str,
    path: str,
    secret: str | None = None,
    now: float | None = None,
) -> APIStatusError:
    """Build the APIStatusError subclass matching a non-2xx response.

    `secret` (the API key) is scrubbed from anything the server echoed back, so that it can
    never reach a log line or an error report through this exception.
    """
    status = response.status_code
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = _redact(response.text[:MAX_BODY_CHARS], secret)
    else:
        body = _redact_json(body, secret)

    detail: str | None = None
    error_type: str | None = None
    field_errors: dict[str, str] = {}
    # Only a JSON body's own detail or message makes the detail: a text body (a proxy's HTML
    # page, whatever a wrong base URL answers) is never repeated, so it cannot reach a page.
    if isinstance(body, dict):
        raw_detail = body.get("detail", body.get("message"))
        field_errors = _field_errors(body.get("errors")) or _field_errors(raw_detail)
        if isinstance(raw_detail, str):
            detail = raw_detail
        elif field_errors:
            detail = "; ".join(f"{field}: {msg}" for field, msg in field_errors.items())
        elif raw_detail is not None:
            detail = json.dumps(raw_detail)
        detail = _short(detail) if detail else None
        if isinstance(body.get("error_type"), str):
            error_type = body["error_type"][:MAX_DETAIL_CHARS]

    request_id = next((v for v in (_header(response.headers, h) for h in REQUEST_ID_HEADERS) if v), None)
    request_id = _short(request_id[:100]) if request_id else None
    message = f"HeyMilo API returned {status} for {method} {path}"
    if detail:
        message += f": {detail}"
    if request_id:
        message += f" (request id {request_id})"

    kwargs: dict[str, Any] = {
        "status": status,
        "detail": detail,
        "error_type": error_type,
        "method": method,
        "path": path,
        "request_id": request_id,
        "body": body,
        "headers": {k: _redact(v, secret) for k, v in response.headers.items()},
    }
    if status in (401, 403):
        return Unauthorized(message, **kwargs)
    if status == 404:
        return NotFound(message, **kwargs)
    if status == 422:
        return ValidationError(message, field_errors=field_errors, **kwargs)
    if status == 429:
        retry_after = parse_retry_after(response.headers, now=now)
        return RateLimited(message, retry_after=retry_after, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    return APIStatusError(message, **kwargs)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # requests gives a case-insensitive mapping; a plain dict (in tests) may not be.
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value.strip() if isinstance(value, str) else None


def _to_seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) else None


def _short(text: str) -> str | None:
    """One line of at most MAX_DETAIL_CHARS characters."""
    text = " ".join(text.split())
    if len(text) > MAX_DETAIL_CHARS:
        text = text[: MAX_DETAIL_CHARS - 1] + "…"
    return text or None


def _field_errors(value: Any) -> dict[str, str]:
    """Read FastAPI-style [{"loc": [...], "msg": ...}] lists, or a plain {field: message} dict."""
    errors: dict[str, str] = {}
    if isinstance(value, dict):
        for field, msg in value.items():
            text = "; ".join(map(str, msg)) if isinstance(msg, list) else str(msg)
            errors[str(field)[:MAX_DETAIL_CHARS]] = _short(text) or "invalid"
        return errors
    if not isinstance(value, list):
        return errors
    for item in value:
        if not isinstance(item, dict):
            continue
        loc = item.get("loc")
        if isinstance(loc, list | tuple):
            # "body"/"query"/"path" say where the field was, not which field it was.
            parts = [str(p) for p in loc]
            if parts and parts[0] in ("body", "query", "path", "header"):
                parts = parts[1:]
            field = ".".join(parts) or "__all__"
        elif isinstance(item.get("field"), str):
            field = item["field"]
        else:
            field = "__all__"
        msg = item.get("msg", item.get("message", "invalid"))
        msg = _short(str(msg)) or "invalid"
        errors[field] = f"{errors[field]}; {msg}" if field in errors else msg
    return errors


def _redact(text: str, secret: str | None) -> str:
    if secret and secret in text:
        return text.replace(secret, "[redacted]")
    return text


def _redact_json(value: Any, secret: str | None) -> Any:
    if not secret:
        return value
    if isinstance(value, str):
        return _redact(value, secret)
    if isinstance(value, list):
        return [_redact_json(v, secret) for v in value]
    if isinstance(value, dict):
        return {_redact(str(k), secret): _redact_json(v, secret) for k, v in value.items()}
    return value


# Failures that may go away by trying again later (a task queue's retry); anything else (401,
# 404, 422) is an answer that waiting will not change.
TRANSIENT_ERRORS = (RateLimited, ServerError, APIConnectionError, APITimeoutError, MalformedResponse)
