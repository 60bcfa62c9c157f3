"""Webhook receiver: deliveries accepted per second and p50/p99 response time against gunicorn.

Sends N deliveries (BENCH_DELIVERIES, default 5000) from 20 concurrent senders to `gunicorn
dashboard.wsgi` on a free port with a throwaway SQLite database, then checks that every delivery
sent was stored. Processing is not measured: deliveries go to a queue of their own that no worker
reads (deleted afterwards), or fail to enqueue when Redis is down, which the receiver tolerates.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import requests

from bench.common import ROOT, free_port, setup_django, table

DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "5000"))
SENDERS = int(os.environ.get("BENCH_SENDERS", "20"))
WORKERS = os.environ.get("BENCH_GUNICORN_WORKERS", str(os.cpu_count() or 2))
EVENTS = ("interview_started", "interview_completed", "report_available")


def start_gunicorn(port: int, queue: str) -> subprocess.Popen:
    env = {**os.environ, "CELERY_QUEUE": queue, "TASKS_INLINE": "0", "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dashboard.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", WORKERS, "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/login/", timeout=1)
            return proc
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


def send_all(url: str) -> tuple[list[float], list[int], float]:
    timings: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    counter = iter(range(DELIVERIES))

    def sender():
        session = requests.Session()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            body = json.dumps({"event_type": EVENTS[n % 3], "interview_id": f"bench-{n // 3}",
                               "posting_id": "bench-posting", "timestamp": time.time()})
            started = time.perf_counter()
            response = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                timings.append(elapsed)
                statuses.append(response.status_code)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, statuses, time.perf_counter() - started


def main() -> None:
    setup_django()
    from django.conf import settings

    from dashboard.accounts.models import Team
    from dashboard.webhooks.models import Delivery

    team = Team.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}",
                               heymilo_base_url="http://127.0.0.1:9")
    port, queue = free_port(), f"bench-webhooks-{uuid.uuid4().hex[:8]}"
    proc = start_gunicorn(port, queue)
    try:
        url = f"http://127.0.0.1:{port}/hooks/heymilo/{team.webhook_token}/"
        timings, statuses, wall = send_all(url)
    finally:
        proc.terminate()
        proc.wait(15)
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).delete(queue)
        except Exception:  # noqa: BLE001 - Redis down: there is no queue to delete
            pass
    stored = Delivery.objects.filter(team=team).count()
    ms = sorted(t * 1000 for t in timings)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    table([
        ("deliveries sent", str(len(statuses)),
         f"{SENDERS} senders, {WORKERS} gunicorn workers, {os.cpu_count()} CPUs"),
        ("answered 202", str(statuses.count(202)), "target: all"),
        ("stored", str(stored), "target: = sent"),
        ("accepted per second", f"{len(statuses) / wall:.0f}", "target ≥ 300"),
        ("p50 response", f"{p50:.1f} ms", ""),
        ("p99 response", f"{p99:.1f} ms", "target ≤ 50 ms"),
    ])
    if stored != len(statuses):
        raise SystemExit(f"lost deliveries: sent {len(statuses)}, stored {stored}")
