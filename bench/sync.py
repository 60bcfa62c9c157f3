"""Sync throughput: a full sync of 10,000 interviews at HeyMilo's limit, unlimited, and a quiet re-sync.

Runs the sync steps in this process (as a worker would, one page per step) against a sandbox
subprocess; prints wall times, the ratio to the floor the rate limit allows, and peak RSS.
"""

import os
import resource
import time

from bench.common import sandbox, setup_django, table

POSTINGS = int(os.environ.get("BENCH_POSTINGS", "10"))
PER_POSTING = int(os.environ.get("BENCH_INTERVIEWS_PER_POSTING", "1000"))


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


def main() -> None:
    setup_django()
    from django.conf import settings

    from dashboard.accounts.models import Team
    from dashboard.core import heymilo_api
    from dashboard.mirror.models import Interview
    from heymilo.ratelimit import TokenBucket

    total = POSTINGS * PER_POSTING
    rows = []
    common = [
        "--postings",
        str(POSTINGS),
        "--interviews-per-posting",
        str(PER_POSTING),
        "--api-key",
        "bench-key",
    ]

    # 1. At HeyMilo's limit (300/min), with the dashboard's own limiter doing the pacing.
    with sandbox(*common, "--rate-limit", "300") as url:
        team = Team.objects.create(name="Limited", slug="limited", heymilo_base_url=url)
        team.set_api_key("bench-key")
        team.save()
        limiter = TokenBucket(limit=settings.HEYMILO_RATE_LIMIT, period=settings.HEYMILO_RATE_PERIOD)
        heymilo_api.shared_rate_limiter = lambda: limiter
        run, limited = run_full_sync(team)
        requests = run.pages_done
        floor = requests / (settings.HEYMILO_RATE_LIMIT / settings.HEYMILO_RATE_PERIOD)
        assert Interview.objects.filter(team=team).count() == total
        rows.append(("full sync at 300 req/min", f"{limited:.1f} s", f"{requests} requests"))
        rows.append(("  ÷ floor (requests ÷ 5/s)", f"{limited / floor:.2f}", "target ≤ 1.15"))

    # 2. With the limit lifted: how fast the mirror itself writes.
    with sandbox(*common, "--rate-limit", "1000000") as url:
        team = Team.objects.create(name="Unlimited", slug="unlimited", heymilo_base_url=url)
        team.set_api_key("bench-key")
        team.save()
        limiter = TokenBucket(limit=10**9, period=60)
        heymilo_api.shared_rate_limiter = lambda: limiter
        _, unlimited = run_full_sync(team)
        rows.append(("full sync, limit lifted", f"{unlimited:.1f} s", ""))
        rows.append(("  throughput", f"{total / unlimited:.0f} int/s", "target ≥ 500"))
        quiet_run, quiet = run_full_sync(team)
        assert quiet_run.rows_created == quiet_run.rows_updated == 0
        rows.append(("no-change re-sync", f"{quiet:.1f} s", f"{quiet_run.rows_unchanged} unchanged"))

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak RSS of the syncing process", f"{rss_mb:.0f} MB", "target ≤ 250 MB"))
    print(f"bench/sync.py: {POSTINGS} postings x {PER_POSTING} interviews = {total:,} interviews")
    table(rows)


if __name__ == "__main__":
    main()
