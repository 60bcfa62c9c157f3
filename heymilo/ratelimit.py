"""Client-side rate limiting: token buckets in process or shared through Redis.

Guarantee (both buckets): with `limit` requests per `period` seconds and a burst of `burst`,
the bucket holds at most `burst` tokens and refills at (limit - burst) / period tokens a second.
Any interval of length T then grants at most burst + (limit - burst) * T / period tokens, so no
window of `period` seconds ever holds more than `limit` grants. The price is a sustained rate
of (limit - burst) / period, slightly under the limit (290/min for 300/min with burst 10).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from heymilo.errors import RateLimited

__all__ = [
    "BoundedWait",
    "NullRateLimiter",
    "RateLimitWait",
    "RateLimiter",
    "RedisTokenBucket",
    "TokenBucket",
    "bucket_for_key",
    "default_burst",
]

# HeyMilo's documented limit: 300 requests per minute per API key.
DEFAULT_LIMIT = 300
DEFAULT_PERIOD = 60.0
# The shortest wait ever returned: float rounding can leave a bucket a hair under one token, and
# a wait of 1e-15 s would not move a clock (real or fake) at all.
MIN_WAIT = 0.001


def bucket_for_key(api_key: str) -> str:
    """A stable bucket name for an API key that does not reveal the key (Redis keys get listed)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:32]


def default_burst(limit: int) -> int:
    """A burst small enough that the sustained rate stays close to the limit: 10 for 300/min."""
    return max(1, min(10, limit // 10))


@runtime_checkable
class RateLimiter(Protocol):
    """Anything the client can ask for a token before each HTTP attempt."""

    def try_acquire(self, bucket: str) -> float:
        """Take a token: 0.0 when taken, else seconds until one may be available."""
        ...

    def acquire(self, bucket: str) -> None:
        """Block until a token is taken."""
        ...


class _Blocking(ABC):
    """acquire() on top of try_acquire(), sleeping through an injectable sleep."""

    _sleep: Callable[[float], None]

    @abstractmethod
    def try_acquire(self, bucket: str) -> float: ...

    def acquire(self, bucket: str) -> None:
        while True:
            wait = self.try_acquire(bucket)
            if wait <= 0:
                return
            self._sleep(wait)


class NullRateLimiter(_Blocking):
    """Never waits: for tests and for callers that limit elsewhere."""

    def __init__(self) -> None:
        self._sleep = time.sleep

    def try_acquire(self, bucket: str) -> float:
        return 0.0


def _check(limit: int, period: float, burst: int | None) -> tuple[int, float]:
    burst = default_burst(limit) if burst is None else burst
    if limit < 2:
        raise ValueError("limit must be at least 2 (one token of burst plus a refill)")
    if not 1 <= burst < limit:
        raise ValueError("burst must be at least 1 and smaller than limit")
    if not (period > 0 and math.isfinite(period)):
        raise ValueError("period must be a positive number of seconds")
    return burst, (limit - burst) / period


class TokenBucket(_Blocking):
    """In-process, thread-safe token buckets, one per bucket name."""

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        period: float = DEFAULT_PERIOD,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.limit = limit
        self.period = period
        self.burst, self.rate = _check(limit, period, burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # bucket -> (tokens, time of last update)
        self._state: dict[str, tuple[float, float]] = {}

    def try_acquire(self, bucket: str) -> float:
        with self._lock:
            now = self._clock()
            tokens, last = self._state.get(bucket, (float(self.burst), now))
            if now > last:
                tokens = min(float(self.burst), tokens + (now - last) * self.rate)
                last = now
            if tokens >= 1.0:
                self._state[bucket] = (tokens - 1.0, last)
                return 0.0
            self._state[bucket] = (tokens, last)
            return max(MIN_WAIT, (1.0 - tokens) / self.rate)


# One atomic step of the bucket. The clock is the Redis server's TIME, so every process sharing
# the bucket measures refills on the same clock. Floats are formatted with %.17g because Redis
# turns returned Lua numbers into integers and Lua's own tostring keeps only 14 digits (too few
# for a Unix time with microseconds).
_LUA_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local ttl_ms = tonumber(ARGV[3])
local min_wait = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(min_wait, (1 - tokens) / rate)
end
local function f(x) return string.format('%.17g', x) end
redis.call('HSET', KEYS[1], 'tokens', f(tokens), 'ts', f(ts))
redis.call('PEXPIRE', KEYS[1], ttl_ms)
return {f(wait), f(now)}
"""


class ScriptingRedis(Protocol):
    """What RedisTokenBucket needs of a Redis client (redis.Redis has it), so that heymilo
    itself never imports redis."""

    def register_script(self, script: str, /) -> Callable[..., Any]: ...


class RedisTokenBucket(_Blocking):
    """A token bucket shared by every process that uses the same Redis and bucket name.

    `on_grant(bucket, server_time)` is called after each token taken, with the Redis server time
    of the grant (for metrics, and for tests that check the guarantee on the limiter's own clock).
    """

    def __init__(
        self,
        redis_client: ScriptingRedis,
        limit: int = DEFAULT_LIMIT,
        period: float = DEFAULT_PERIOD,
        burst: int | None = None,
        prefix: str = "heymilo:rl:",
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_grant: Callable[[str, float], None] | None = None,
    ):
        self.limit = limit
        self.period = period
        self.burst, self.rate = _check(limit, period, burst)
        self.prefix = prefix
        self._sleep = sleep
        self._on_grant = on_grant
        self._script = redis_client.register_script(_LUA_TAKE)
        # An idle bucket is full again after burst/rate seconds; a missing key means "full",
        # so the key may expire then (plus a margin) instead of living forever.
        self._ttl_ms = math.ceil(self.burst / self.rate * 1000) + 1000

    def try_acquire(self, bucket: str) -> float:
        wait_s, now_s = self._script(
            keys=[self.prefix + bucket],
            args=[self.burst, repr(self.rate), self._ttl_ms, repr(MIN_WAIT)],
        )
        wait = float(wait_s)
        if wait <= 0:
            if self._on_grant is not None:
                self._on_grant(bucket, float(now_s))
            return 0.0
        return wait


class RateLimitWait(RateLimited):
    """The bucket had no token within the caller's bound: nothing was sent. `retry_after` says
    when one may be free. A RateLimited (so every caller's 429 handling applies) that a task
    queue answers by rescheduling the work instead of holding a worker asleep."""

    def __init__(self, waited: float, retry_after: float):
        super().__init__(
            f"no rate-limit token within {waited:.1f} s; one may be free in {retry_after:.2f} s",
            retry_after=retry_after,
            status=429,
        )


class BoundedWait:
    """Another limiter whose acquire() sleeps at most `max_wait` seconds in all, then raises
    RateLimitWait. Each of many waiters only ever hears "a token in 0.2 s" (the bucket promises
    nobody the next token), so the bound is on the total slept, not on one wait."""

    def __init__(self, limiter: RateLimiter, max_wait: float, *, sleep: Callable[[float], None] = time.sleep):
        self.limiter = limiter
        self.max_wait = max_wait
        self._sleep = sleep

    def try_acquire(self, bucket: str) -> float:
        return self.limiter.try_acquire(bucket)

    def acquire(self, bucket: str) -> None:
        waited = 0.0
        while True:
            wait = self.limiter.try_acquire(bucket)
            if wait <= 0:
                return
            if waited + wait > self.max_wait:
                raise RateLimitWait(waited, wait)
            self._sleep(wait)
            waited += wait
