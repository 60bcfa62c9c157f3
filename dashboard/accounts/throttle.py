"""Login throttling: failures counted per username and per client IP in the cache."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, ip: str) -> tuple[str, str]:
    # Hash the username so cache keys never carry personal data or odd characters.
    user_hash = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:user:{user_hash}", f"login-fail:ip:{ip}"


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "unknown")


def is_locked(username: str, ip: str) -> bool:
    user_key, ip_key = _keys(username, ip)
    return (
        cache.get(user_key, 0) >= settings.LOGIN_THROTTLE_FAILURES
        or cache.get(ip_key, 0) >= settings.LOGIN_THROTTLE_IP_FAILURES
    )


def record_failure(username: str, ip: str) -> None:
    for key in _keys(username, ip):
        # add() starts the window; incr() keeps its expiry.
        if not cache.add(key, 1, settings.LOGIN_THROTTLE_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, settings.LOGIN_THROTTLE_SECONDS)


def clear(username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])
