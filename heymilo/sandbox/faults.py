"""Fault rules (500s, 429 storms, latency, hangs, drops, malformed JSON) chosen per request."""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any, TypedDict, Unpack

KINDS = ("error_500", "rate_limit", "latency", "hang", "drop", "malformed")
DEFAULT_SECONDS = {"latency": 0.5, "hang": 30.0}


class FaultOptions(TypedDict, total=False):
    """A fault rule's settings, the one list FaultInjector.add, the control endpoint's JSON body
    and the test handle's add_fault take. A setting left out takes FaultRule's default; exactly
    one of rate and count is given."""

    key: str | None
    rate: float | None
    count: int | None
    seconds: float | None
    retry_after: int | None  # None: a 429 without Retry-After (left out: 1 second)
    then: str


class FaultError(ValueError):
    """A fault rule that does not make sense (reported as 400 by the control endpoint)."""


@dataclass
class FaultRule:
    id: int
    kind: str
    key: str | None = None  # None: every key (and keyless requests)
    rate: float | None = None  # probability per request...
    count: int | None = None  # ...or the next N matching requests
    seconds: float | None = None  # latency / hang duration
    retry_after: int | None = 1  # rate_limit only; None sends no Retry-After header
    then: str = "close"  # hang only: "close" the connection or "respond" normally after sleeping
    fired: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._seed = seed
        self._rng = random.Random(seed)

    def add(self, kind: str, **options: Unpack[FaultOptions]) -> FaultRule:
        key, rate, count = options.get("key"), options.get("rate"), options.get("count")
        seconds, retry_after = options.get("seconds"), options.get("retry_after", 1)
        then = options.get("then", "close")
        if kind not in KINDS:
            raise FaultError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if (rate is None) == (count is None):
            raise FaultError("give exactly one of 'rate' (0..1) or 'count' (>= 1)")
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1
        ):
            raise FaultError("'rate' must be a number in (0, 1]")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise FaultError("'count' must be an integer >= 1")
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0
        ):
            raise FaultError("'seconds' must be a number >= 0")
        if retry_after is not None and (
            isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
        ):
            raise FaultError("'retry_after' must be an integer >= 0 or null")
        if key is not None and not isinstance(key, str):
            raise FaultError("'key' must be a string or null")
        if then not in ("close", "respond"):
            raise FaultError("'then' must be 'close' or 'respond'")
        if seconds is None:
            options["seconds"] = DEFAULT_SECONDS.get(kind)
        with self._lock:
            # The options as given: what they leave out takes FaultRule's default.
            rule = FaultRule(id=next(self._ids), kind=kind, **options)
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._rng = random.Random(self._seed)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def pick(self, key: str | None) -> list[FaultRule]:
        """Rules that fire for this request: any latency rules, then at most one other fault."""
        fired: list[FaultRule] = []
        with self._lock:
            blocking_chosen = False
            for rule in list(self._rules):
                if rule.key is not None and rule.key != key:
                    continue
                if rule.kind != "latency" and blocking_chosen:
                    continue
                if rule.count is not None:
                    hit = rule.count > 0
                    if hit:
                        rule.count -= 1
                else:
                    hit = rule.rate is not None and self._rng.random() < rule.rate
                if not hit:
                    continue
                rule.fired += 1
                fired.append(rule)
                if rule.kind != "latency":
                    blocking_chosen = True
                if rule.count == 0:
                    self._rules.remove(rule)
        return fired
