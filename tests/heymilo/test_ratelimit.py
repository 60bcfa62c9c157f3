"""Token buckets: the in-process one on a fake clock, the Redis one against a real Redis."""

import multiprocessing
import threading
import time
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heymilo.ratelimit import (
    NullRateLimiter,
    RateLimiter,
    RedisTokenBucket,
    TokenBucket,
    bucket_for_key,
    default_burst,
)


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def max_in_any_window(times: list[float], period: float) -> int:
    """The most grants inside any closed window [t, t + period]."""
    times = sorted(times)
    best = 0
    end = 0
    for start, t in enumerate(times):
        end = max(end, start)
        while end < len(times) and times[end] <= t + period:
            end += 1
        best = max(best, end - start)
    return best


def test_it_names_buckets_without_revealing_the_key():
    key = "sk_live_abcdef123456"

    bucket = bucket_for_key(key)

    assert bucket == bucket_for_key(key)
    assert bucket != bucket_for_key(key + "x")
    assert key not in bucket and "123456" not in bucket
    assert len(bucket) == 32 and int(bucket, 16) >= 0


def test_it_picks_a_small_default_burst():
    assert default_burst(300) == 10
    assert default_burst(20) == 2
    assert default_burst(5) == 1
    bucket = TokenBucket(300, 60.0)
    assert (bucket.burst, bucket.rate) == (10, 290 / 60)


def test_it_rejects_a_burst_that_would_break_the_guarantee():
    with pytest.raises(ValueError):
        TokenBucket(limit=10, burst=10)
    with pytest.raises(ValueError):
        TokenBucket(limit=10, burst=0)
    with pytest.raises(ValueError):
        TokenBucket(limit=1)
    with pytest.raises(ValueError):
        TokenBucket(limit=10, period=0)


def test_it_satisfies_the_protocol():
    assert isinstance(TokenBucket(), RateLimiter)
    assert isinstance(NullRateLimiter(), RateLimiter)
    assert NullRateLimiter().try_acquire("b") == 0.0
    NullRateLimiter().acquire("b")


def test_it_grants_the_burst_then_says_how_long_to_wait():
    clock = FakeClock()
    bucket = TokenBucket(limit=70, period=60.0, burst=10, clock=clock)

    assert [bucket.try_acquire("k") for _ in range(10)] == [0.0] * 10
    assert bucket.try_acquire("k") == pytest.approx(1.0)  # 60 tokens a minute: one a second
    clock.now += 0.25
    assert bucket.try_acquire("k") == pytest.approx(0.75)
    clock.now += 0.75
    assert bucket.try_acquire("k") == 0.0


def test_it_keeps_buckets_apart():
    clock = FakeClock()
    bucket = TokenBucket(limit=4, period=60.0, burst=2, clock=clock)

    assert [bucket.try_acquire("a") for _ in range(3)][:2] == [0.0, 0.0]
    assert bucket.try_acquire("b") == 0.0


def test_it_blocks_in_acquire_through_the_injected_sleep():
    clock = FakeClock()
    bucket = TokenBucket(limit=12, period=60.0, burst=2, clock=clock, sleep=clock.sleep)

    for _ in range(5):
        bucket.acquire("k")

    # Two from the burst, then one every 6 seconds (10 a minute).
    assert clock.sleeps == pytest.approx([6.0, 6.0, 6.0])
    assert clock.now == pytest.approx(1018.0)


def test_it_never_grants_more_than_limit_in_a_window_under_greedy_callers():
    clock = FakeClock()
    bucket = TokenBucket(limit=300, period=60.0, burst=10, clock=clock, sleep=clock.sleep)
    grants = []
    while clock.now < 1000.0 + 600:
        bucket.acquire("k")
        grants.append(clock.now)

    assert max_in_any_window(grants, 60.0) <= 300
    # The guarantee is tight: the first window holds the burst plus a full period of refill.
    assert max_in_any_window(grants, 60.0) >= 299
    # Sustained rate is (limit - burst) per period.
    assert len(grants) == pytest.approx(10 + 290 * 10, abs=2)


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(min_value=2, max_value=40),
    burst_fraction=st.floats(min_value=0.0, max_value=0.99),
    gaps=st.lists(st.floats(min_value=0.0, max_value=3.0), min_size=1, max_size=300),
)
def test_it_never_exceeds_the_limit_in_any_window_whatever_the_arrivals(limit, burst_fraction, gaps):
    burst = max(1, min(limit - 1, int(limit * burst_fraction)))
    clock = FakeClock(0.0)
    bucket = TokenBucket(limit=limit, period=10.0, burst=burst, clock=clock)
    grants = []
    for gap in gaps:
        clock.now += gap
        if bucket.try_acquire("k") == 0.0:
            grants.append(clock.now)

    assert max_in_any_window(grants, 10.0) <= limit


def test_it_is_thread_safe():
    bucket = TokenBucket(limit=200, period=3600.0, burst=50, clock=lambda: 5.0)
    granted = []
    lock = threading.Lock()

    def hammer():
        mine = sum(1 for _ in range(100) if bucket.try_acquire("k") == 0.0)
        with lock:
            granted.append(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(granted) == 50


# ---------------------------------------------------------------------------------------------
# Redis


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"test:heymilo:rl:{uuid.uuid4().hex}:"
    yield client, prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


@pytest.mark.redis
def test_it_grants_the_burst_then_waits_in_redis(redis_client):
    client, prefix = redis_client
    bucket = RedisTokenBucket(client, limit=70, period=60.0, burst=10, prefix=prefix)

    assert [bucket.try_acquire("k") for _ in range(10)] == [0.0] * 10
    wait = bucket.try_acquire("k")
    assert 0.9 < wait <= 1.0
    assert bucket.try_acquire("other") == 0.0


@pytest.mark.redis
def test_it_keys_redis_by_prefix_and_bucket_and_lets_idle_keys_expire(redis_client):
    client, prefix = redis_client
    bucket = RedisTokenBucket(client, limit=300, period=60.0, prefix=prefix)
    name = bucket_for_key("sk_live_secret")

    bucket.try_acquire(name)

    keys = [k.decode() for k in client.scan_iter(match=prefix + "*")]
    assert keys == [prefix + name]
    # Refilling 10 tokens at 290/min takes about 2 s; the key need not outlive that by much.
    assert 0 < client.pttl(prefix + name) <= 4000


@pytest.mark.redis
def test_it_reports_grants_with_the_redis_server_time(redis_client):
    client, prefix = redis_client
    grants = []
    bucket = RedisTokenBucket(
        client, limit=20, period=2.0, prefix=prefix, on_grant=lambda b, t: grants.append((b, t))
    )

    bucket.acquire("k")

    seconds, micros = client.time()
    assert grants[0][0] == "k"
    assert abs(grants[0][1] - (seconds + micros / 1e6)) < 1.0


def _hammer(redis_url, prefix, limit, period, burst, duration, start, queue):
    import redis

    client = redis.Redis.from_url(redis_url)
    grants = []
    bucket = RedisTokenBucket(
        client,
        limit=limit,
        period=period,
        burst=burst,
        prefix=prefix,
        on_grant=lambda bucket_name, server_time: grants.append(server_time),
    )
    # Every process starts hammering together, however long each took to spawn on a busy machine.
    start.wait(timeout=60)
    stop_at = time.time() + duration
    while time.time() < stop_at:
        bucket.acquire("shared")
    queue.put(grants)


@pytest.mark.redis
def test_it_holds_the_limit_across_processes(redis_client, redis_url):
    client, prefix = redis_client
    limit, period, burst, duration = 20, 2.0, 2, 4.0
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start = ctx.Barrier(4)
    workers = [
        ctx.Process(target=_hammer, args=(redis_url, prefix, limit, period, burst, duration, start, queue))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    grants = sorted(t for result in results for t in result)
    assert all(result for result in results), "every process got some tokens"
    assert max_in_any_window(grants, period) <= limit
    # The processes kept the bucket saturated, so the bound was actually tested.
    assert max_in_any_window(grants, period) >= limit - 2
    # Throughput: the burst, then (limit - burst) per period over the time grants were flowing.
    span = grants[-1] - grants[0]
    expected = burst + (limit - burst) / period * span
    assert len(grants) >= 0.9 * expected
    assert span >= duration - 1.5
