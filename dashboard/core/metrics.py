"""Prometheus metrics counted where the work happens (every process: gunicorn workers, Celery).

With PROMETHEUS_MULTIPROC_DIR set before the first import of prometheus_client (gunicorn and the
workers get it from the environment), each process writes its values to files in that directory
and /metrics (dashboard.ops.views) adds them up across processes. Without it they live in this
process only, which is what `runserver` and the unit tests use.

Figures read from the database or Redis at scrape time (sync lag, queue depth, webhook backlog,
import rows) are not here: dashboard.ops.collector computes them when /metrics is read.
"""

import re
import time

import requests
from prometheus_client import Counter, Histogram

from heymilo.ratelimit import RateLimiter, RateLimitWait

REQUEST_SECONDS = Histogram(
    "dashboard_request_duration_seconds",
    "Time from the first middleware to the response, by URL name (never the raw path).",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HEYMILO_RESPONSES = Counter(
    "dashboard_heymilo_responses",
    "HTTP answers from HeyMilo (every attempt, retries included), by endpoint and status code.",
    ["endpoint", "status"],
)
RATE_LIMIT_WAIT_SECONDS = Histogram(
    "dashboard_heymilo_rate_limit_wait_seconds",
    "Time a request waited for a token of its team's shared rate limit before being sent.",
    buckets=(0.001, 0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
RATE_LIMIT_GAVE_UP = Counter(
    "dashboard_heymilo_rate_limit_gave_up",
    "Requests that stopped waiting for a token (BoundedWait) and were rescheduled instead.",
)
TASKS = Counter(
    "dashboard_celery_tasks",
    "Celery tasks finished in a worker, by task name and state (SUCCESS, FAILURE, RETRY, ...).",
    ["task", "state"],
)

# HeyMilo paths carry ids: each is reduced to the endpoint it belongs to, so a label never holds an
# id (one series per interview would grow without bound). First match wins.
_ENDPOINTS = [
    (re.compile(r"^/health$"), "health"),
    (re.compile(r"^/postings$"), "postings"),
    (re.compile(r"^/interview/[^/]+$"), "interview"),
    (re.compile(r"^/interviews/export/json$"), "interviews_export"),
    (re.compile(r"^/interviews/[^/]+$"), "interviews"),
    (re.compile(r"^/webhook/create$"), "webhook_create"),
    (re.compile(r"^/webhook/all$"), "webhook_all"),
    (re.compile(r"^/webhook/fetch/[^/]+$"), "webhook_fetch"),
    (re.compile(r"^/webhook/deactivate/[^/]+$"), "webhook_deactivate"),
    (re.compile(r"^/ingest/x/bulk/[^/]+$"), "ingest_bulk"),
    (re.compile(r"^/ingest/x/[^/]+$"), "ingest"),
]


def heymilo_endpoint(path: str, prefix: str) -> str:
    """/api/interview/abc123?x=1 -> "interview"; anything unknown (an export's file) -> "other"."""
    path = path.split("?", 1)[0]
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    path = path.rstrip("/") or "/"
    for pattern, name in _ENDPOINTS:
        if pattern.match(path):
            return name
    return "other"


def count_heymilo_responses(session: requests.Session, prefix: str) -> None:
    """Counts every answer the session receives: a requests response hook, the hook the HeyMilo
    client already offers (it takes the session it is given), so heymilo/ stays a plain client."""

    def hook(response: requests.Response, *args, **kwargs) -> None:
        endpoint = heymilo_endpoint(response.request.path_url or "", prefix)
        HEYMILO_RESPONSES.labels(endpoint, str(response.status_code)).inc()

    session.hooks["response"].append(hook)


class MeteredLimiter:
    """A RateLimiter that records how long each acquire() waited, and the waits given up."""

    def __init__(self, limiter: RateLimiter):
        self.limiter = limiter

    def try_acquire(self, bucket: str) -> float:
        return self.limiter.try_acquire(bucket)

    def acquire(self, bucket: str) -> None:
        started = time.monotonic()
        try:
            self.limiter.acquire(bucket)
        except RateLimitWait:
            RATE_LIMIT_GAVE_UP.inc()
            raise
        finally:
            RATE_LIMIT_WAIT_SECONDS.observe(time.monotonic() - started)
