"""Requests and responses as the sandbox sees them, and the API's error shapes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    client_host: str
    base_url: str

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class Response:
    status: int
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    length: int | None = None  # needed when body is an iterator
    drop: bool = False  # close the connection without any response


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        error_type: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.error_type = status, detail, error_type
        self.errors, self.headers = errors, headers or {}

    def response(self) -> Response:
        """The error as the API answers it: {"detail", "status_code", "error_type"[, "errors"]}."""
        body: dict[str, Any] = {
            "detail": self.detail,
            "status_code": self.status,
            "error_type": self.error_type,
        }
        if self.errors:
            body["errors"] = self.errors
        return json_response(self.status, body, self.headers)


class ControlError(ApiError):
    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(status, detail, "bad_request" if status == 400 else "not_found")


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    try:
        body = json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # A lone surrogate (put in by a test) has no UTF-8: escape it, as JSON.stringify does.
        body = json.dumps(payload).encode()
    return Response(status, body, headers or {})


def validation_error(errors: list[dict[str, Any]]) -> ApiError:
    summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    return ApiError(422, f"Validation error: {summary}", "validation_error", errors)
