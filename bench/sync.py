"""Sync throughput: a full sync of 10,000 interviews at HeyMilo's limit, unlimited, and a quiet re-sync.

Runs the sync steps in this process (as a worker would, one page per step) against a sandbox
subprocess; prints wall times, the ratio to the floor the rate limit allows, and peak RSS.
"""

import os
import resource
import time

from bench.common import SCALE, sandbox, setup_django, table

POSTINGS = int(os.environ.get("BENCH_POSTINGS", "10"))
PER_POSTING = int(os.environ.get("BENCH_INTERVIEWS_PER_POSTING", "1000"))
# BENCH_SCALE=100000: 20 postings of 5,000 after the default 10 of 1,000 (peak memory grows only).
SIZES = [(POSTINGS, PER_POSTING), *([(20, SCALE // 20)] if SCALE else [])]


def run_full_sync(team):
    from dashboard.mirror import services
    from dashboard.mirror.models import SyncRun

    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    started = time.perf_counter()
    while services.sync_step(run):
        pass
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    assert run.state == SyncRun.State.DONE, run.message
    return run, elapsed


def measure(postings: int, per_posting: int) -> list[tuple[str, str, str]]:
    """Full syncs of `postings` x `per_posting` interviews: at HeyMilo's limit, unlimited, and a
    quiet re-sync; with the syncing process's peak memory so far."""
    from django.conf import settings

    from dashboard.accounts.models import Team
    from dashboard.core import heymilo_api
    from dashboard.mirror.models import Interview
    from heymilo.ratelimit import TokenBucket

    total = postings * per_posting
    stamp = time.time_ns()
    rows = []
    common = [
        "--postings",
        str(postings),
        "--interviews-per-posting",
        str(per_posting),
        "--api-key",
        "bench-key",
    ]

    # 1. At HeyMilo's limit (300/min), with the dashboard's own limiter doing the pacing.
    with sandbox(*common, "--rate-limit", "300") as url:
        team = Team.objects.create(name=f"Limited {stamp}", slug=f"limited-{stamp}", heymilo_base_url=url)
        team.set_api_key("bench-key")
        team.save()
        limiter = TokenBucket(limit=settings.HEYMILO_RATE_LIMIT, period=settings.HEYMILO_RATE_PERIOD)
        heymilo_api.shared_rate_limiter = lambda: limiter
        run, limited = run_full_sync(team)
        requests = run.pages_done
        floor = requests / (settings.HEYMILO_RATE_LIMIT / settings.HEYMILO_RATE_PERIOD)
        assert Interview.objects.filter(team=team).count() == total
        rows.append((f"full sync at 300 req/min, {total:,}", f"{limited:.1f} s", f"{requests} requests"))
        rows.append(("  ÷ floor (requests ÷ 5/s)", f"{limited / floor:.2f}", "target ≤ 1.15"))

    # 2. With the limit lifted: how fast the mirror itself writes.
    with sandbox(*common, "--rate-limit", "1000000") as url:
        team = Team.objects.create(name=f"Unlimited {stamp}", slug=f"unlimited-{stamp}", heymilo_base_url=url)
        team.set_api_key("bench-key")
        team.save()
        limiter = TokenBucket(limit=10**9, period=60)
        heymilo_api.shared_rate_limiter = lambda: limiter
        _, unlimited = run_full_sync(team)
        rows.append((f"full sync, limit lifted, {total:,}", f"{unlimited:.1f} s", ""))
        rows.append(("  throughput", f"{total / unlimited:.0f} int/s", "target ≥ 500"))
        quiet_run, quiet = run_full_sync(team)
        assert quiet_run.rows_created == quiet_run.rows_updated == 0
        rows.append(("no-change re-sync", f"{quiet:.1f} s", f"{quiet_run.rows_unchanged} unchanged"))

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak RSS of the syncing process", f"{rss_mb:.0f} MB", "target ≤ 250 MB"))
    return rows


def main() -> None:
    setup_django(os.environ.get("BENCH_DATABASE_URL"))
    from django.db import connection

    rows = [("database", connection.vendor, "")]
    for postings, per_posting in SIZES:
        print(f"bench/sync.py: {postings} postings x {per_posting} interviews = {postings * per_posting:,}")
        rows += measure(postings, per_posting)
    table(rows)


if __name__ == "__main__":
    main()
