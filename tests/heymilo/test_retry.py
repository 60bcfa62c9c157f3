"""RetryPolicy: backoff delays and which failures may be retried."""

import pytest

from heymilo.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationError,
)
from heymilo.retry import RetryPolicy


def status_error(cls, status, **kwargs):
    return cls("x", status=status, **kwargs)


def test_it_backs_off_exponentially_with_full_jitter():
    policy = RetryPolicy(max_retries=10, base=0.5, cap=30.0)

    assert [policy.delay(n, random=lambda: 1.0) for n in range(1, 9)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
    ]
    assert policy.delay(3, random=lambda: 0.25) == 0.5
    assert policy.delay(3, random=lambda: 0.0) == 0.0


def test_it_uses_retry_after_when_given_and_caps_it():
    policy = RetryPolicy(max_retry_after=120.0)

    assert policy.delay(1, retry_after=7.0, random=lambda: 0.9) == 7.0
    assert policy.delay(4, retry_after=0.0, random=lambda: 0.9) == 0.0
    assert policy.delay(1, retry_after=3600.0) == 120.0


def test_it_rejects_nonsense_settings():
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(base=-1)


@pytest.mark.parametrize(
    "error",
    [
        APIConnectionError("x", request_sent=None),
        APIConnectionError("x", request_sent=True),
        APITimeoutError("x", request_sent=True),
        APITimeoutError("x", request_sent=False),
        status_error(RateLimited, 429),
        status_error(ServerError, 500),
        status_error(ServerError, 503),
    ],
)
def test_it_retries_gets_on_transient_failures(error):
    assert RetryPolicy().should_retry("GET", error, 1)


@pytest.mark.parametrize(
    "error",
    [
        status_error(Unauthorized, 401),
        status_error(NotFound, 404),
        status_error(ValidationError, 422),
        status_error(APIStatusError, 400),
        MalformedResponse("x"),
    ],
)
def test_it_never_retries_other_4xx_or_malformed_answers(error):
    policy = RetryPolicy()

    assert not policy.should_retry("GET", error, 1)
    assert not policy.should_retry("POST", error, 1, idempotent_post=True)


def test_it_stops_after_max_retries():
    policy = RetryPolicy(max_retries=2)
    error = status_error(ServerError, 500)

    assert [policy.should_retry("GET", error, n) for n in (1, 2, 3)] == [True, True, False]
    assert not RetryPolicy(max_retries=0).should_retry("GET", error, 1)


def test_it_retries_a_post_the_server_refused_with_429():
    assert RetryPolicy().should_retry("POST", status_error(RateLimited, 429), 1)


def test_it_retries_a_post_that_never_left():
    policy = RetryPolicy()

    assert policy.should_retry("POST", APIConnectionError("refused", request_sent=False), 1)
    assert policy.should_retry("POST", APITimeoutError("connect", request_sent=False), 1)


@pytest.mark.parametrize(
    "error",
    [
        APIConnectionError("dropped", request_sent=None),
        APIConnectionError("broke off", request_sent=True),
        APITimeoutError("read", request_sent=True),
        status_error(ServerError, 500),
    ],
)
def test_it_does_not_retry_a_post_that_may_have_taken_effect(error):
    assert not RetryPolicy().should_retry("POST", error, 1)


@pytest.mark.parametrize(
    "error",
    [
        APIConnectionError("dropped", request_sent=None),
        APITimeoutError("read", request_sent=True),
        status_error(ServerError, 502),
    ],
)
def test_it_retries_an_idempotent_post_like_a_get(error):
    assert RetryPolicy().should_retry("POST", error, 1, idempotent_post=True)


def test_it_leaves_long_server_waits_to_the_caller():
    policy = RetryPolicy(max_retry_after=10)
    short = status_error(RateLimited, 429, retry_after=5)
    long = status_error(RateLimited, 429, retry_after=60)
    unknown = status_error(RateLimited, 429, retry_after=None)
    assert policy.should_retry("GET", short, 1)
    assert not policy.should_retry("GET", long, 1)
    assert policy.should_retry("GET", unknown, 1)
