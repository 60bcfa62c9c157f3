"""Simulated clock: wall time at start, then advancing `speed` times faster than real time."""

from __future__ import annotations

import threading
import time


class SimClock:
    def __init__(self, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._speed = float(speed)
        self._base_sim = time.time()
        self._base_mono = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        with self._lock:
            return self._base_sim + (time.monotonic() - self._base_mono) * self._speed

    def set_speed(self, speed: float) -> None:
        # Re-anchor so simulated time stays continuous when the speed changes.
        with self._lock:
            mono = time.monotonic()
            self._base_sim += (mono - self._base_mono) * self._speed
            self._base_mono = mono
            self._speed = float(speed)
