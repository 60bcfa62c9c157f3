"""CSV ingestion: validating a 50,000-row file, and importing 10,000 rows at HeyMilo's limit.

Validation runs the upload path (store, sniff, stream, validate, write rows) in this process;
the import runs its chunk steps here, as a worker would, against a sandbox subprocess.
Prints wall times, the ratio to the floor the rate limit allows, and peak RSS.
BENCH_VALIDATE_ROWS / BENCH_IMPORT_ROWS change the sizes (0 skips the import).
"""

import os
import resource
import time

from bench.common import sandbox, setup_django, table

VALIDATE_ROWS = int(os.environ.get("BENCH_VALIDATE_ROWS", "50000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))


def csv_bytes(rows: int, prefix: str = "c") -> bytes:
    lines = ["Candidate Name,Email Address,Phone Number,Source,Years"]
    lines += [
        f"Person {n},{prefix}{n}@example.com,(206) 555-{n % 10000:04d},fair,{n % 30}" for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dashboard.accounts.models import Team
    from dashboard.core import heymilo_api
    from dashboard.ingestion import services
    from dashboard.ingestion.models import ImportJob, ImportRow
    from dashboard.mirror.models import Posting
    from heymilo.ratelimit import TokenBucket

    rows = []
    common = ["--postings", "1", "--interviews-per-posting", "5", "--api-key", "bench-key"]
    with sandbox(*common, "--rate-limit", "300") as url:
        team = Team.objects.create(name="Bench", slug="bench", heymilo_base_url=url)
        team.set_api_key("bench-key")
        team.save()
        posting = Posting.objects.create(team=team, remote_id="", title="Bench")
        from heymilo import HeyMiloClient

        with HeyMiloClient("bench-key", base_url=url, prefix=settings.HEYMILO_API_PREFIX) as client:
            remote = next(client.iter_postings())
        posting.remote_id, posting.url_key = remote.posting_id, remote.url_key
        posting.save()

        # 1. Validation of a big file: the upload request stores and queues it, a worker checks it.
        data = csv_bytes(VALIDATE_ROWS)
        started = time.perf_counter()
        job = services.import_create(
            team, posting=posting, user=None, upload=SimpleUploadedFile("big.csv", data), retake=False
        )
        request = time.perf_counter() - started
        services.import_check(job.id)  # a big file's check, which a worker runs
        job.refresh_from_db()
        validate = time.perf_counter() - started
        assert job.rows_valid == VALIDATE_ROWS, (job.rows_valid, job.rows_invalid)
        rows.append(
            (
                f"validate {VALIDATE_ROWS:,} rows ({len(data) / 1e6:.1f} MB)",
                f"{validate:.1f} s",
                "target ≤ 5 s",
            )
        )
        rows.append(("  of which the upload request (store, sniff, queue)", f"{request:.2f} s", ""))
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(("  peak RSS after validation", f"{rss_mb:.0f} MB", "target ≤ 150 MB"))

        # 2. An import at HeyMilo's limit (300/min), paced by the dashboard's own limiter.
        if IMPORT_ROWS:
            limiter = TokenBucket(limit=settings.HEYMILO_RATE_LIMIT, period=settings.HEYMILO_RATE_PERIOD)
            heymilo_api.shared_rate_limiter = lambda: limiter
            job = services.import_create(
                team,
                posting=posting,
                user=None,
                upload=SimpleUploadedFile("i.csv", csv_bytes(IMPORT_ROWS, "i")),
                retake=False,
            )
            services.import_check(job.id)
            job.refresh_from_db()
            services.import_start(job)
            started = time.perf_counter()
            while services.import_step(job.id):
                pass
            elapsed = time.perf_counter() - started
            job.refresh_from_db()
            assert job.state == ImportJob.State.DONE, job.message
            assert job.rows.filter(outcome=ImportRow.Outcome.INGESTED).count() == IMPORT_ROWS
            requests = -(-IMPORT_ROWS // job.chunk_size)
            # The bucket starts with its burst; every further request waits for a refill.
            floor = max(requests - limiter.burst, 1) / limiter.rate
            rows.append(
                (
                    f"import {IMPORT_ROWS:,} rows at 300 req/min",
                    f"{elapsed:.1f} s",
                    f"{requests} requests of {job.chunk_size}",
                )
            )
            rows.append(("  ÷ floor the limit allows", f"{elapsed / floor:.2f}", "target ≤ 1.1"))
    print(f"bench/ingest.py: validation of {VALIDATE_ROWS:,} rows, import of {IMPORT_ROWS:,} rows")
    table(rows)


if __name__ == "__main__":
    main()
