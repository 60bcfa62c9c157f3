"""Sign-in throttling: a lock per username, a slow-down per client address, counted in the cache.

Writes are named noun_verb like the services (failure_record, failures_clear); the rest are reads."""

import hashlib
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What Django's Redis cache raises when Redis is down or unreachable. The throttle then fails
# open: a sign-in page that 500s while Redis restarts locks out everyone, attacker or not.
CACHE_ERRORS = (RedisError, OSError)


def _now() -> float:
    return time.time()  # a function, so tests can move the clock without sleeping


def _hash(text: str) -> str:
    # Cache keys never carry a username or odd characters.
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _user_key(username: str) -> str:
    return f"login-fail:user:{_hash(username.strip().lower())}"


def _address_key(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"login-fail:ip:{_hash(ip)}"
    if address.version == 6:
        # One IPv6 host usually holds a whole /64: counting each address alone would let it
        # rotate through billions of them.
        return f"login-fail:ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"login-fail:ip:{address}"


def _cached(default, method: str, *args):
    """One cache call that answers `default` (and logs why) when the cache is unreachable."""
    try:
        return getattr(cache, method)(*args)
    except CACHE_ERRORS as exc:
        logger.warning("Sign-in throttle skipped: the cache is unreachable (%s: %s)", type(exc).__name__, exc)
        return default


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_HOPS=N the Nth address from the
    right of X-Forwarded-For (each trusted proxy appends the address it saw; anything further
    left was written by the client and proves nothing)."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote  # a request that did not come through every proxy, or a misconfiguration
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _failures(key: str) -> int:
    return _cached(0, "get", key, 0) or 0


def username_locked(username: str) -> bool:
    """True after LOGIN_THROTTLE_FAILURES failures for this username in the window, whatever
    the password: a correct guess after the limit must not be told apart from a wrong one."""
    return _failures(_user_key(username)) >= settings.LOGIN_THROTTLE_FAILURES


def _claim_slot(address_key: str) -> int:
    """Claims this address's attempt in the current LOGIN_THROTTLE_IP_DELAY-second window:
    0 when it was free, else the seconds until the next window."""
    delay = settings.LOGIN_THROTTLE_IP_DELAY
    now = _now()
    slot = int(now // delay)
    # add() is atomic: of concurrent attempts in one window, exactly one gets through.
    if _cached(True, "add", f"{address_key}:slot:{slot}", 1, delay + 1):
        return 0
    return max(1, math.ceil((slot + 1) * delay - now))


def address_wait(ip: str) -> int:
    """Seconds this address must wait before its next attempt; 0 means go ahead (and uses up
    the attempt). Past LOGIN_THROTTLE_IP_FAILURES failures in the window, an address gets one
    attempt per LOGIN_THROTTLE_IP_DELAY seconds: slowed, never locked, so one address (or every
    client behind a proxy miscounted as one) cannot lock out accounts it never touched."""
    key = _address_key(ip)
    if _failures(key) < settings.LOGIN_THROTTLE_IP_FAILURES:
        return 0
    return _claim_slot(key)


def _count(key: str) -> int:
    """Counts one failure in the key's window and answers the count (0 when the cache is down)."""
    # add() starts the window; incr() keeps its expiry.
    if _cached(False, "add", key, 1, settings.LOGIN_THROTTLE_SECONDS):
        return 1
    try:
        return _cached(0, "incr", key)
    except ValueError:  # expired between add and incr
        _cached(None, "set", key, 1, settings.LOGIN_THROTTLE_SECONDS)
        return 1


def failure_record(username: str, *, ip: str) -> None:
    _count(_user_key(username))
    address_key = _address_key(ip)
    if _count(address_key) >= settings.LOGIN_THROTTLE_IP_FAILURES:
        # The failure that reaches the limit takes this window's attempt: the next one waits.
        _claim_slot(address_key)


def failures_clear(username: str) -> None:
    # The address count stays: signing in to one's own account must not buy more guesses.
    _cached(None, "delete", _user_key(username))


def lock_minutes() -> int:
    return math.ceil(settings.LOGIN_THROTTLE_SECONDS / 60)


# --- password change: wrong current passwords, counted per user ---------------------------------


def _password_key(user_id: int) -> str:
    return f"password-change-fail:user:{user_id}"


def password_change_locked(user_id: int) -> bool:
    return _failures(_password_key(user_id)) >= settings.LOGIN_THROTTLE_FAILURES


def password_change_failure_record(user_id: int) -> None:
    _count(_password_key(user_id))


def password_change_failures_clear(user_id: int) -> None:
    _cached(None, "delete", _password_key(user_id))


# --- password reset: requests per address asked about, and per client address -----------------


def _reset_key(email: str) -> str:
    return f"password-reset:email:{_hash(email.strip().lower())}"


def password_reset_locked(email: str) -> bool:
    """True after LOGIN_THROTTLE_FAILURES requests for one address in the window, whether or not it
    has an account (so the lock says nothing about that)."""
    return _failures(_reset_key(email)) >= settings.LOGIN_THROTTLE_FAILURES


def password_reset_record(email: str, *, ip: str) -> None:
    """Each request counts like a failed sign-in for its client address: the reset form cannot be
    used to probe or to flood faster than the sign-in form."""
    _count(_reset_key(email))
    address_key = _address_key(ip)
    if _count(address_key) >= settings.LOGIN_THROTTLE_IP_FAILURES:
        _claim_slot(address_key)
