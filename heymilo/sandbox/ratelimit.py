"""Per-key sliding-window rate limiter (requests per 60 seconds)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

WINDOW = 60.0


class RateLimiter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _purge(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        return hits

    def hit(self, key: str) -> tuple[bool, dict[str, str]]:
        """Count one request; returns (allowed, rate-limit headers). Refused hits do not count."""
        with self._lock:
            now = time.monotonic()
            hits = self._purge(key, now)
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            return allowed, self._headers(hits, now, refused=not allowed)

    def peek(self, key: str | None) -> dict[str, str]:
        with self._lock:
            now = time.monotonic()
            hits = self._purge(key, now) if key is not None else deque()
            return self._headers(hits, now, refused=False)

    def _headers(self, hits: deque[float], now: float, refused: bool) -> dict[str, str]:
        # X-RateLimit-Reset: seconds until the oldest counted request leaves the window.
        reset = max(1, math.ceil(hits[0] + WINDOW - now)) if hits else int(WINDOW)
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - len(hits))),
            "X-RateLimit-Reset": str(reset),
        }
        if refused:
            headers["Retry-After"] = str(reset)
        return headers

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
