"""The one place the dashboard builds a HeyMilo client: a team's key, base URL and shared limiter."""

import weakref
from functools import cache

import redis
import requests
from django.conf import settings

from dashboard.core.metrics import MeteredLimiter, count_heymilo_responses
from heymilo import HeyMiloClient
from heymilo.addresses import AddressPolicy
from heymilo.ratelimit import BoundedWait, RateLimiter, RedisTokenBucket, TokenBucket


@cache
def shared_rate_limiter() -> RateLimiter:
    """Every process shares one bucket per API key through Redis, so all workers together stay
    under HeyMilo's per-key limit. The in-process bucket only serves the inline dev mode."""
    if settings.TASKS_INLINE:
        return TokenBucket(limit=settings.HEYMILO_RATE_LIMIT, period=settings.HEYMILO_RATE_PERIOD)
    return RedisTokenBucket(
        redis.Redis.from_url(settings.REDIS_URL),
        limit=settings.HEYMILO_RATE_LIMIT,
        period=settings.HEYMILO_RATE_PERIOD,
        prefix=settings.HEYMILO_RATE_PREFIX,
    )


def address_policy() -> AddressPolicy:
    """Where a team's key may go: https to public addresses, plus HEYMILO_ALLOWED_HOSTS.
    Built per client (a small set), so a test's settings override takes effect."""
    return AddressPolicy(settings.HEYMILO_ALLOWED_HOSTS)


def client_for(team, max_rate_wait: float | None = None) -> HeyMiloClient:
    """`max_rate_wait`: seconds a request may wait for the team's rate limit before raising
    RateLimitWait (for work that can be rescheduled instead of holding a worker)."""
    limiter: RateLimiter = shared_rate_limiter()
    if max_rate_wait is not None:
        limiter = BoundedWait(limiter, max_rate_wait)
    # Our own session so its answers are counted (dashboard/core/metrics.py); a client given a
    # session does not close it, so it is closed when the client is collected.
    session = requests.Session()
    count_heymilo_responses(session, settings.HEYMILO_API_PREFIX)
    client = HeyMiloClient(
        team.api_key,
        base_url=team.heymilo_base_url,
        prefix=settings.HEYMILO_API_PREFIX,
        rate_limiter=MeteredLimiter(limiter),
        session=session,
        max_retries=settings.HEYMILO_MAX_RETRIES,
        max_retry_after=settings.HEYMILO_MAX_CLIENT_WAIT,
        timeout=(settings.HEYMILO_CONNECT_TIMEOUT, settings.HEYMILO_READ_TIMEOUT),
        address_policy=address_policy(),
    )
    weakref.finalize(client, session.close)
    return client
