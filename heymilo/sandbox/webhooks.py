"""Webhook delivery: a background thread sends events by GET or POST and retries failures."""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

RETRY_DELAYS = (0.2, 0.5, 1.0)  # seconds before attempts 2, 3 and 4
ATTEMPT_TIMEOUT = 3.0
MAX_RECORDS = 2000


class WebhookDispatcher:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, dict[str, Any]]] = []  # (due, seq, delivery record)
        self._seq = itertools.count(1)
        self._records: list[dict[str, Any]] = []
        self._generation = 0  # bumped by clear(): in-flight attempts of old deliveries are dropped
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=ATTEMPT_TIMEOUT + 1)

    def enqueue(self, webhook: dict[str, Any], payload: dict[str, Any]) -> None:
        record = {
            "delivery_id": next(self._seq),
            "webhook_id": webhook["webhook_id"],
            "url": webhook["url"],
            "http_method": webhook["http_method"],
            "payload": payload,
            "event_type": payload["event_type"],
            "interview_id": payload["interview_id"],
            "attempts": [],
            "delivered": False,
            "gave_up": False,
        }
        with self._cond:
            self._records.append(record)
            del self._records[:-MAX_RECORDS]
            heapq.heappush(self._queue, (time.monotonic(), record["delivery_id"], record))
            self._cond.notify_all()

    def records(self) -> list[dict[str, Any]]:
        with self._cond:
            copy: list[dict[str, Any]] = json.loads(json.dumps(self._records))  # a deep copy
            return copy

    def clear(self) -> None:
        with self._cond:
            self._queue.clear()
            self._records.clear()
            self._generation += 1

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    now = time.monotonic()
                    if self._queue and self._queue[0][0] <= now:
                        break
                    timeout = self._queue[0][0] - now if self._queue else None
                    self._cond.wait(timeout)
                if self._stopping:
                    return
                _due, _seq, record = heapq.heappop(self._queue)
                generation = self._generation
            attempt = self._attempt(record)
            with self._cond:
                if generation != self._generation:
                    continue  # reset while we were sending
                record["attempts"].append(attempt)
                if attempt["ok"]:
                    record["delivered"] = True
                elif len(record["attempts"]) <= len(RETRY_DELAYS):
                    delay = RETRY_DELAYS[len(record["attempts"]) - 1]
                    heapq.heappush(self._queue, (time.monotonic() + delay, record["delivery_id"], record))
                else:
                    record["gave_up"] = True

    @staticmethod
    def _attempt(record: dict[str, Any]) -> dict[str, Any]:
        payload = {k: v for k, v in record["payload"].items()}
        started = time.monotonic()
        result: dict[str, Any] = {"at": time.time(), "status": None, "error": None, "ok": False}
        try:
            if record["http_method"] == "get":
                query = urllib.parse.urlencode(payload)
                sep = "&" if urllib.parse.urlsplit(record["url"]).query else "?"
                request = urllib.request.Request(  # noqa: S310 - validated http(s) URL
                    record["url"] + sep + query, method="GET"
                )
            else:
                request = urllib.request.Request(  # noqa: S310 - validated http(s) URL
                    record["url"],
                    data=json.dumps(payload).encode(),
                    method="POST",
                    headers={"Content-Type": "application/json"},
                )
            request.add_header("User-Agent", "HeyMilo-Sandbox-Webhooks/1.0")
            # The URL was validated as http(s) when the webhook was created.
            with urllib.request.urlopen(request, timeout=ATTEMPT_TIMEOUT) as response:  # noqa: S310
                result["status"] = response.status
                result["ok"] = 200 <= response.status < 300
        except urllib.error.HTTPError as exc:
            result["status"] = exc.code
            result["error"] = f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        return result
