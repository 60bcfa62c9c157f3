"""Sandbox: the small facade the server, tests and in-process callers use.

What it holds lives in modules named after it: state.py (the in-memory world and its lock),
progression.py (ingested interviews moving on with the clock), routes.py (the route table and
what runs in front of the handlers), api.py, control.py and media.py (the handlers).
"""

from __future__ import annotations

import threading
from typing import Any, Unpack

from . import control, data, routes
from .clock import SimClock
from .config import SandboxConfig
from .faults import FaultInjector, FaultOptions
from .messages import Request, Response
from .progression import Progression
from .ratelimit import RateLimiter
from .state import World
from .webhooks import WebhookDispatcher


class Sandbox:
    """All state and behaviour, independent of the HTTP server that feeds it requests."""

    def __init__(self, config: SandboxConfig) -> None:
        if not config.api_keys:
            raise ValueError("at least one API key is needed")
        self.config = config
        self.initial_rate_limit, self.initial_time_speed = config.rate_limit, config.time_speed
        self.clock = SimClock(config.time_speed)
        self.world = World(config, self.clock)
        self.limiter = RateLimiter(config.rate_limit)
        self.faults = FaultInjector(config.seed)
        self.dispatcher = WebhookDispatcher()
        self.progression = Progression(self.world, self.dispatcher)
        self._wake = threading.Event()  # set to cut injected hangs/latency short

    @property
    def plans(self) -> dict[str, list[data.PostingPlan]]:
        return self.world.plans

    def handle(self, req: Request) -> Response:
        return routes.dispatch(self, req)

    # ------------------------------------------------------------------ lifecycle and control

    def start(self) -> None:
        self.dispatcher.start()
        self.progression.start()

    def stop(self) -> None:
        self._wake_sleepers()
        self.dispatcher.stop()
        self.progression.stop()

    def reset(self) -> None:
        """Back to the pure seeded state (and the configured rate limit and speed)."""
        self.faults.clear()
        self._wake_sleepers()
        self.dispatcher.clear()
        self.limiter.clear()
        self.set_config(self.initial_rate_limit, self.initial_time_speed)
        self.world.clear()

    def set_config(self, rate_limit: int | None = None, time_speed: float | None = None) -> dict[str, Any]:
        if rate_limit is not None:
            self.limiter.limit = rate_limit
            self.config.rate_limit = rate_limit
        if time_speed is not None:
            self.clock.set_speed(time_speed)
            self.config.time_speed = time_speed
        return {"rate_limit": self.limiter.limit, "time_speed": self.clock.speed}

    def add_fault(self, kind: str, **options: Unpack[FaultOptions]) -> dict[str, Any]:
        return self.faults.add(kind, **options).as_dict()

    def clear_faults(self) -> None:
        self.faults.clear()
        self._wake_sleepers()

    def sleep(self, seconds: float) -> None:
        """An injected delay; reset, clear_faults and stop cut it short."""
        self._wake.wait(seconds)

    def _wake_sleepers(self) -> None:
        old, self._wake = self._wake, threading.Event()
        old.set()

    # ------------------------------------------------------------------ reading and changing

    def key_or_default(self, key: str | None) -> str:
        return self.world.key_or_default(key)

    def posting_doc(self, plan: data.PostingPlan, base_url: str) -> dict[str, Any]:
        return self.world.posting_doc(plan, base_url)

    def all_interviews(self, key: str, posting_id: str, base_url: str) -> list[dict[str, Any]]:
        return self.world.all_interviews(key, posting_id, base_url)

    def state(self) -> dict[str, Any]:
        return control.snapshot(self)

    def override_interview(self, interview_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self.world.override_interview(interview_id, fields)

    def tick(self) -> None:
        """Fire the events that are due now (the progression thread does this every tick)."""
        self.progression.tick()
