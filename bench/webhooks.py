"""Webhook receiver: deliveries accepted per second and p50/p99 response time against gunicorn.

1. Sends N deliveries (BENCH_DELIVERIES, default 5000) from 20 concurrent senders (BENCH_SENDERS) to
   `gunicorn dashboard.wsgi` on a free port, with the gunicorn settings the Procfile recommends.
   The senders run in processes of their own (asyncio, one keep-alive connection each), so the
   figures are not skewed by senders and the bench sharing one interpreter's lock; each response
   time runs from before connecting to the last byte of the response.
   Before them, BENCH_WARMUP (500) deliveries warm the server up, as production's is.
   The senders send as fast as the server answers, so the machine is saturated and p99 is the
   tail of a full machine. After them, BENCH_PACED (3000) deliveries at BENCH_PACED_RATE (300 a
   second, the throughput target) show the response times at the target load: each delivery has
   a due time and its response time runs from it, so an answer that makes the next send late
   counts against the server too (no coordinated omission).
   It also prints how the senders' connections spread over gunicorn's workers: a keep-alive
   connection stays with the worker that accepted it, and a worker runs Python on one CPU at most,
   so an uneven spread shows in the saturated p99 (docs/performance.md has both kinds of run).
2. Checks that every delivery sent was stored, and prints the receiver's CPU per delivery (the
   gunicorn processes' own CPU time, which is far less noisy than wall-clock on a busy machine).
3. Processes them with a real Celery worker on the bench's own queue against a HeyMilo sandbox
   whose company holds every interview named, then prints how often each interview was refreshed.

The event mix: each interview gets one event type (rotating over the three), delivered COPIES
times (BENCH_COPIES, default 5) by different senders at nearly the same moment, as a retrying
sender or several subscriptions would. The dedup rule (the same event for the same interview
within WEBHOOK_DEDUP_SECONDS is processed once) then means exactly one refresh per interview,
whatever the race between the copies: that is what "each interview refreshed once" checks.

The database is a throwaway SQLite file unless DATABASE_URL is set (postgres://... for the
production database); the figures say which.
"""

import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from bench.common import (
    ROOT,
    free_port,
    procfile_web_options,
    sandbox,
    setup_django,
    table,
    tcp_socket_inodes,
)

DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "5000"))
SENDERS = int(os.environ.get("BENCH_SENDERS", "20"))
SENDER_PROCESSES = int(os.environ.get("BENCH_SENDER_PROCESSES", "2"))
COPIES = int(os.environ.get("BENCH_COPIES", "5"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "500"))
PACED = int(os.environ.get("BENCH_PACED", "3000"))
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "300"))
PROCESS = os.environ.get("BENCH_PROCESS", "1") != "0"
# The Procfile's web process, with the bench's port and worker count (one per CPU by default).
WORKERS = os.environ.get("BENCH_GUNICORN_WORKERS", str(os.cpu_count() or 2))
EVENTS = ("interview_started", "interview_completed", "report_available")
API_KEY = "bench-key"


def procfile_gunicorn_args() -> list[str]:
    """The Procfile's web options, so the bench measures what production runs."""
    return (
        procfile_web_options(skip=("--workers", "--bind"))
        + os.environ.get("BENCH_GUNICORN_EXTRA", "").split()
    )


def start_gunicorn(port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dashboard.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            WORKERS,
            "--log-level",
            "warning",
            *procfile_gunicorn_args(),
        ],
        cwd=ROOT,
        env=env,
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


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # After the command: state, ppid, ... utime and stime are fields 14 and 15 of stat(5).
        if int(entry.name) == root_pid or int(fields[1]) == root_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def connections_per_worker(root_pid: int, port: int) -> list[int]:
    """How many client connections each gunicorn worker holds, busiest first, from /proc: a worker
    runs Python on one CPU at most, so connections piled on one worker are a tail of their own."""
    inodes = tcp_socket_inodes(port, "01")
    counts = []
    for child in Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split():
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{child}/fd").iterdir()]
        except OSError:
            continue  # gone meanwhile
        counts.append(sum(link[8:-1] in inodes for link in links if link.startswith("socket:[")))
    return sorted(counts, reverse=True)


# --- senders (in processes of their own) ----------------------------------------------------------


def delivery_body(n: int, interviews: list[tuple[str, str]]) -> bytes:
    index = (n // COPIES) % len(interviews)
    posting_id, interview_id = interviews[index]
    return json.dumps(
        {
            "event_type": EVENTS[index % 3],
            "posting_id": posting_id,
            "interview_id": interview_id,
            "timestamp": time.time(),
        }
    ).encode()


async def _post(port: int, path: str, body: bytes, conn: list) -> int:
    """One POST over the sender's keep-alive connection (reopened when the server closes it)."""
    if not conn:
        conn.extend(await asyncio.open_connection("127.0.0.1", port))
    reader, writer = conn
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: HeyMilo-bench\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    status = int((await reader.readline()).split()[1])
    length, close = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and value.strip().lower() == "close":
            close = True
    await reader.readexactly(length)
    if close:
        writer.close()
        conn.clear()
    return status


async def _send(port: int, path: str, numbers: list[int], interviews, concurrency: int, rate: float):
    """Sends as fast as answers come, or with a rate (a second, this process's share) on schedule."""
    todo = iter(enumerate(numbers))
    timings: list[float] = []
    statuses: Counter = Counter()
    start = time.perf_counter()

    async def sender():
        conn: list = []
        for i, n in todo:  # one event loop: the shared iterator needs no lock
            body = delivery_body(n, interviews)
            if rate:
                started = start + i / rate  # due, late or not
                await asyncio.sleep(started - time.perf_counter())
            else:
                started = time.perf_counter()
            try:
                status = await _post(port, path, body, conn)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                status, conn[:] = 0, []  # counted as not answered, never sent again
            timings.append(time.perf_counter() - started)
            statuses[status] += 1
        if conn:
            conn[1].close()

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return timings, statuses


def sender_process(port, path, numbers, interviews, concurrency, rate, ready, go, results) -> None:
    ready.set()
    go.wait()
    cpu, started = time.process_time(), time.perf_counter()
    timings, statuses = asyncio.run(_send(port, path, numbers, interviews, concurrency, rate))
    # perf_counter is CLOCK_MONOTONIC, the same clock in every process of the machine.
    results.put((timings, dict(statuses), started, time.perf_counter(), time.process_time() - cpu))


def send_all(
    port: int,
    path: str,
    interviews: list[tuple[str, str]],
    gunicorn_pid: int,
    deliveries: int = DELIVERIES,
    rate: float = 0.0,
) -> dict:
    ctx = multiprocessing.get_context("spawn")
    go, results, procs, readies = ctx.Event(), ctx.Queue(), [], []
    for p in range(SENDER_PROCESSES):
        share = SENDERS // SENDER_PROCESSES + (p < SENDERS % SENDER_PROCESSES)
        ready = ctx.Event()
        procs.append(
            ctx.Process(
                target=sender_process,
                daemon=True,
                args=(
                    port,
                    path,
                    list(range(p, deliveries, SENDER_PROCESSES)),
                    interviews,
                    share,
                    rate / SENDER_PROCESSES,
                    ready,
                    go,
                    results,
                ),
            )
        )
        readies.append(ready)
        procs[-1].start()
    for ready in readies:
        ready.wait(60)
    cpu_before = cpu_seconds(gunicorn_pid)
    go.set()
    # How the connections spread over the workers: sampled every 0.2 s while the senders run, the
    # sample with the most of them kept (the senders connect at their first delivery).
    spread: list[int] = []
    while results.empty() and any(proc.is_alive() for proc in procs):
        time.sleep(0.2)
        now = connections_per_worker(gunicorn_pid, port)
        if sum(now) > sum(spread):
            spread = now
    parts = [results.get(timeout=600) for _ in procs]
    cpu_after = cpu_seconds(gunicorn_pid)
    for proc in procs:
        proc.join(10)
    statuses: Counter = Counter()
    for part in parts:
        statuses.update(part[1])
    return {
        "timings": [t for part in parts for t in part[0]],
        "statuses": statuses,
        "wall": max(p[3] for p in parts) - min(p[2] for p in parts),
        "server_cpu": cpu_after - cpu_before,
        "sender_cpu": sum(p[4] for p in parts),
        "spread": spread,
    }


# --- processing -----------------------------------------------------------------------------------


def process_with_worker(env: dict, team) -> float:
    """A real Celery worker drains the bench's queue; returns the seconds it took."""
    from dashboard.webhooks.models import Delivery

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dashboard",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(os.cpu_count() or 2),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    waiting = Delivery.objects.filter(
        team=team, state__in=[Delivery.State.RECEIVED, Delivery.State.PROCESSING]
    )
    try:
        deadline = time.monotonic() + 900
        while waiting.exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker stopped with {waiting.count()} deliveries unprocessed")
            time.sleep(0.5)
        return time.perf_counter() - started
    finally:
        worker.terminate()  # warm shutdown: the tasks it is running end first
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from dashboard.accounts.models import Team
    from dashboard.mirror.models import SyncRun
    from dashboard.webhooks.models import Delivery
    from heymilo import HeyMiloClient

    interviews_needed = -(-DELIVERIES // COPIES)
    postings = max(1, -(-interviews_needed // 200))
    database = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)
    run_id = uuid.uuid4().hex[:8]
    # Its own queue, cache prefix (dedup keys) and rate-limit buckets: nothing shared with a demo
    # or an earlier run on the same Redis.
    env = {
        **os.environ,
        "CELERY_QUEUE": f"bench-webhooks-{run_id}",
        "CACHE_KEY_PREFIX": f"bench-{run_id}",
        "HEYMILO_RATE_PREFIX": f"bench-{run_id}:rl:",
        "HEYMILO_RATE_LIMIT": "1000000",
        "TASKS_INLINE": "0",
        "LOG_LEVEL": "WARNING",
    }
    with sandbox(
        "--postings",
        str(postings),
        "--interviews-per-posting",
        "200",
        "--api-key",
        API_KEY,
        "--rate-limit",
        "1000000",
    ) as sandbox_url:
        with HeyMiloClient(API_KEY, base_url=sandbox_url) as client:
            interviews = [
                (p.posting_id, i.interview_id)
                for p in client.iter_postings()
                for i in client.iter_interviews(p.posting_id)
            ][:interviews_needed]
        team = Team.objects.create(
            name=f"Bench {run_id}", slug=f"bench-{run_id}", heymilo_base_url=sandbox_url
        )
        team.set_api_key(API_KEY)
        team.save()
        port = free_port()
        proc = start_gunicorn(port, env)
        try:
            # A server in production is warm: every worker thread has its database connection and
            # every module is loaded. Warm-up deliveries go to a team of their own (with no API key,
            # so processing them asks HeyMilo nothing), leaving the bench team's counts exact.
            warm = Team.objects.create(name=f"Bench warm-up {run_id}", slug=f"bench-warm-{run_id}")
            send_all(port, f"/hooks/heymilo/{warm.webhook_token}/", interviews, proc.pid, WARMUP)
            sent = send_all(port, f"/hooks/heymilo/{team.webhook_token}/", interviews, proc.pid)
            paced = (
                PACED
                and PACED_RATE
                and send_all(
                    port, f"/hooks/heymilo/{warm.webhook_token}/", interviews, proc.pid, PACED, PACED_RATE
                )
            )
        finally:
            proc.terminate()
            proc.wait(15)
        stored = Delivery.objects.filter(team=team).count()
        # The warm-up and paced deliveries are not what the processing figures count: settle them
        # as processing would (their team has no key to verify with), so the worker skips them.
        Delivery.objects.filter(team=warm, state=Delivery.State.RECEIVED).update(
            state=Delivery.State.FAILED, reason="Bench warm-up: not processed."
        )
        total = sum(sent["statuses"].values())
        ms = sorted(t * 1000 for t in sent["timings"])
        paced_ms = sorted(t * 1000 for t in paced["timings"]) if paced else []
        rows = [
            (
                "deliveries sent",
                str(total),
                f"{SENDERS} senders in {SENDER_PROCESSES} processes, "
                f"{WORKERS} gunicorn workers, {os.cpu_count()} CPUs, {database}",
            ),
            (
                "answered 202",
                str(sent["statuses"].get(202, 0)),
                "target: all"
                + ("" if set(sent["statuses"]) == {202} else f" (got {dict(sent['statuses'])})"),
            ),
            ("stored", str(stored), "target: = sent"),
            ("accepted per second", f"{total / sent['wall']:.0f}", "target ≥ 300"),
            ("p50 response", f"{statistics.median(ms):.1f} ms", ""),
            ("p99 response", f"{percentile(ms, 0.99):.1f} ms", "target ≤ 50 ms"),
            (
                "receiver CPU per delivery",
                f"{sent['server_cpu'] / total * 1000:.2f} ms",
                "gunicorn master + workers",
            ),
            ("sender CPU per delivery", f"{sent['sender_cpu'] / total * 1000:.2f} ms", ""),
            (
                "connections per worker",
                " / ".join(map(str, sent["spread"])),
                "the senders' keep-alive connections, busiest worker first",
            ),
        ]
        if paced:
            rows += [
                (
                    f"at {PACED_RATE:.0f}/s: p50 response",
                    f"{statistics.median(paced_ms):.1f} ms",
                    f"{len(paced_ms)} deliveries on schedule, {dict(paced['statuses'])} answered",
                ),
                (
                    f"at {PACED_RATE:.0f}/s: p99 response",
                    f"{percentile(paced_ms, 0.99):.1f} ms",
                    "from each delivery's due time",
                ),
            ]
        try:
            if PROCESS and stored == total:
                took = process_with_worker(env, team)
                states = Counter(Delivery.objects.filter(team=team).values_list("state", flat=True))
                runs = dict(
                    SyncRun.objects.filter(team=team, scope=SyncRun.Scope.INTERVIEW)
                    .values("target")
                    .annotate(n=Count("id"))
                    .values_list("target", "n")
                )
                fetches = requests.get(f"{sandbox_url}/_sandbox/state", timeout=10).json()["requests"]
                fetched = sum(b["by_endpoint"].get("GET /interview/{id}", 0) for b in fetches.values())
                # How many interviews were refreshed 0, 1, 2... times: "1×1000" is the target.
                per_interview = Counter(runs.get(i, 0) for _, i in interviews)
                rows += [
                    (
                        "processed by a worker",
                        f"{took:.1f} s",
                        ", ".join(f"{n} {s}" for s, n in states.most_common()),
                    ),
                    (
                        "refreshes per interview",
                        " ".join(f"{k}×{v}" for k, v in sorted(per_interview.items())),
                        f"target: {len(interviews)} interviews × 1 refresh",
                    ),
                    ("interview fetches from HeyMilo", str(fetched), f"target: = {len(interviews)}"),
                ]
        finally:
            table(rows)
            import redis
            from celery import current_app

            from dashboard.webhooks.processing import lane_keys

            # The bench's queue, and the teams' lanes named after it (left over when no worker ran).
            queue = current_app.conf.task_default_queue = env["CELERY_QUEUE"]
            lanes = [key for t in (team, warm) for key in lane_keys(t.id)]
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).delete(queue, *lanes)
    if stored != total:
        raise SystemExit(f"lost deliveries: sent {total}, stored {stored}")
