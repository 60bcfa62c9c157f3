"""Mapping HeyMilo error responses to exceptions."""

import json
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
import requests

from heymilo.errors import (
    APIStatusError,
    HeyMiloError,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationError,
    error_from_response,
    parse_retry_after,
)

KEY = "sk_live_SECRETKEY_0123456789"
NOW = 1_760_000_000.0


def make_response(status, body=None, headers=None, text=None):
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    if text is not None:
        response._content = text.encode()
    else:
        response._content = json.dumps(body).encode() if body is not None else b""
    response.encoding = "utf-8"
    return response


def error_for(status, body=None, headers=None, text=None):
    return error_from_response(
        make_response(status, body, headers, text),
        method="GET",
        path="/postings",
        secret=KEY,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, Unauthorized),
        (403, Unauthorized),
        (404, NotFound),
        (422, ValidationError),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
        (400, APIStatusError),
        (409, APIStatusError),
    ],
)
def test_it_maps_statuses_to_classes(status, cls):
    error = error_for(status, {"detail": "nope"})

    assert type(error) is cls
    assert isinstance(error, HeyMiloError)
    assert error.status == status
    assert error.path == "/postings"
    assert error.method == "GET"


def test_it_keeps_detail_error_type_request_id_and_body():
    body = {"detail": "Error description", "status_code": 404, "error_type": "not_found"}

    error = error_for(404, body, {"X-Request-ID": "req_42"})

    assert error.detail == "Error description"
    assert error.error_type == "not_found"
    assert error.request_id == "req_42"
    assert error.body == body
    assert str(error) == ("HeyMilo API returned 404 for GET /postings: Error description (request id req_42)")


def test_it_parses_fastapi_validation_errors_into_field_errors():
    body = {
        "detail": [
            {"loc": ["body", "email"], "msg": "value is not a valid email", "type": "x"},
            {"loc": ["body", "data", 1, "phone_number"], "msg": "must be E.164", "type": "y"},
            {"loc": ["body", "email"], "msg": "too long", "type": "z"},
            {"loc": ["query", "limit"], "msg": "must be <= 100"},
            "junk",
        ]
    }

    error = error_for(422, body)

    assert error.field_errors == {
        "email": "value is not a valid email; too long",
        "data.1.phone_number": "must be E.164",
        "limit": "must be <= 100",
    }
    assert "email: value is not a valid email" in error.detail


def test_it_parses_an_errors_list_beside_a_string_detail():
    body = {
        "detail": "Validation failed",
        "error_type": "validation_error",
        "errors": [{"field": "url", "message": "must be https"}],
    }

    error = error_for(422, body)

    assert error.detail == "Validation failed"
    assert error.field_errors == {"url": "must be https"}


def test_it_parses_an_errors_dict():
    error = error_for(422, {"errors": {"email": ["required"], "name": "too short"}})

    assert error.field_errors == {"email": "required", "name": "too short"}


def test_it_gives_empty_field_errors_for_a_plain_422():
    error = error_for(422, {"detail": "bad", "status_code": 422})

    assert error.field_errors == {}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"retry-after": "12"}, 12.0),
        (
            {"Retry-After": format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True)},
            30.0,
        ),
        ({"Retry-After": "soon"}, None),
        ({"X-RateLimit-Reset": str(int(NOW + 20))}, 20.0),
        ({"X-RateLimit-Reset": "15"}, 15.0),
        ({"RateLimit-Reset": "4"}, 4.0),
        ({"Retry-After": "3", "X-RateLimit-Reset": "50"}, 3.0),
        ({}, None),
    ],
)
def test_it_reads_retry_after(headers, expected):
    assert parse_retry_after(headers, now=NOW) == expected


def test_it_puts_retry_after_on_rate_limited():
    error = error_for(429, {"detail": "Too Many Requests"}, {"Retry-After": "9"})

    assert isinstance(error, RateLimited)
    assert error.retry_after == 9.0


def test_it_keeps_a_non_json_error_body_but_never_repeats_it():
    # Whatever a wrong base URL answers (an HTML page, another service's error) is kept for logs
    # on .body, never in the message that pages show.
    page = "<html><body>" + "<p>Bad Gateway at internal-host-7</p>" * 150 + "</body></html>"

    error = error_for(502, text=page)

    assert isinstance(error, ServerError)
    assert error.body == page[:2000]
    assert error.detail is None
    assert str(error) == "HeyMilo API returned 502 for GET /postings"


def test_it_shortens_a_long_json_detail_to_one_line():
    error = error_for(400, {"detail": "line one\n\n  <b>two</b> " + "x" * 5000})

    assert error.detail.startswith("line one <b>two</b> xxx")
    assert len(error.detail) == 200 and error.detail.endswith("…")
    assert len(str(error)) < 260
    assert error.body["detail"].endswith("x" * 100)  # the whole body stays, for logs


def test_it_reads_a_message_when_there_is_no_detail():
    error = error_for(400, {"message": "posting\n   is archived", "trace": "y" * 5000})

    assert str(error) == "HeyMilo API returned 400 for GET /postings: posting is archived"


def test_it_shortens_each_field_error():
    error = error_for(422, {"detail": [{"loc": ["body", "email"], "msg": "z" * 5000}]})

    assert len(error.field_errors["email"]) == 200
    assert len(error.detail) <= 200


def test_it_handles_an_empty_error_body():
    error = error_for(500)

    assert str(error) == "HeyMilo API returned 500 for GET /postings"
    assert error.detail is None


def test_it_never_repeats_the_api_key_the_server_echoed():
    body = {"detail": f"key {KEY} is revoked", "echo": {KEY: [KEY]}}

    error = error_for(401, body, {"X-Debug-Key": KEY})

    everything = f"{error} {error!r} {error.detail} {error.body} {error.headers}"
    assert KEY not in everything
    assert "[redacted]" in str(error)


def test_it_never_repeats_the_api_key_in_a_text_body():
    error = error_for(500, text=f"crash while checking {KEY}")

    assert KEY not in f"{error} {error.body} {error.detail}"
