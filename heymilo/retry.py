"""Retry decisions and backoff delays for HeyMilo requests: pure functions of their inputs."""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass

from heymilo.errors import (
    APIConnectionError,
    APITimeoutError,
    HeyMiloError,
    RateLimited,
    ServerError,
)

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait before trying a failed request again.

    `attempt` everywhere is the number of attempts already made (1 after the first failure),
    so at most `max_retries` retries follow the first attempt.
    """

    max_retries: int = 4
    base: float = 0.5
    cap: float = 30.0
    # A server may ask for a long pause; past this the client does not sleep but raises
    # RateLimited, so a task queue can reschedule the work instead of holding a worker.
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.base < 0 or self.cap < 0 or self.max_retry_after < 0:
            raise ValueError("base, cap and max_retry_after must be >= 0")

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        random: Callable[[], float] = _random.random,
    ) -> float:
        """Seconds to sleep before the next attempt.

        The server's Retry-After wins when present (should_retry refuses waits longer than
        max_retry_after; the cap here only guards direct callers); otherwise
        exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(attempt-1))),
        which spreads many clients that failed together over the whole window.
        """
        if retry_after is not None and retry_after >= 0:
            return min(float(retry_after), self.max_retry_after)
        ceiling = min(self.cap, self.base * 2.0 ** max(0, attempt - 1))
        return random() * ceiling

    def should_retry(
        self,
        method: str,
        error: HeyMiloError,
        attempt: int,
        *,
        idempotent_post: bool = False,
    ) -> bool:
        """Whether a request that failed with `error` on attempt `attempt` may be sent again.

        A GET can always be repeated. A POST only when a repeat cannot create a second thing:
        the server refused it (429), it never left this machine, or the endpoint is idempotent
        by the API's own rules (ingest with retake=false, deactivate).
        """
        if attempt > self.max_retries:
            return False
        safe = method.upper() in ("GET", "HEAD", "OPTIONS") or idempotent_post
        if isinstance(error, RateLimited):
            return error.retry_after is None or error.retry_after <= self.max_retry_after
        if isinstance(error, ServerError):
            return safe
        if isinstance(error, APIConnectionError | APITimeoutError):
            return safe or error.request_sent is False
        # Other 4xx, malformed bodies: the same request would get the same answer.
        return False
