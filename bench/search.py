"""Transcript search latency over ~500,000 turns (10,000 interviews), and the reader's server time.

Runs on SQLite by default; set BENCH_DATABASE_URL=postgres://... to measure PostgreSQL.
"""

import os
import random
import statistics
import time

from bench.common import SCALE, setup_cached_django, setup_django, table

INTERVIEWS = SCALE or int(os.environ.get("BENCH_INTERVIEWS", "10000"))
SMALL = 10_000
POSTINGS = 20
TURNS = int(os.environ.get("BENCH_TURNS", "50"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))

COMMON = ("the team project work system data time customer design product people process").split()  # noqa: SIM905
WORDS = [
    "python",
    "kubernetes",
    "latency",
    "roadmap",
    "stakeholder",
    "onboarding",
    "migration",
    "postgres",
    "billing",
    "hiring",
    "mentoring",
    "analytics",
    "pipeline",
    "incident",
    "budget",
    "launch",
    "backlog",
    "frontend",
    "backend",
    "testing",
    "security",
    "compliance",
    "research",
    "prototype",
    "feedback",
    "metrics",
    "scaling",
    "caching",
]
RARE = "zanzibar"


def sentence(rng: random.Random) -> str:
    words = [
        rng.choice(COMMON) if rng.random() < 0.5 else rng.choice(WORDS) for _ in range(rng.randint(8, 24))
    ]
    if rng.random() < 0.0002:
        words.insert(rng.randrange(len(words)), RARE)
    if rng.random() < 0.01:
        words[-2:] = ["system", "design"]
    return " ".join(words).capitalize() + "."


def build(team, count: int = INTERVIEWS, postings: int = 1) -> None:
    from django.db import transaction

    from dashboard.mirror import search_index
    from dashboard.mirror.models import Interview, Posting
    from dashboard.mirror.services import transcript_lines_insert

    rng = random.Random(7)
    rows_of = [
        Posting.objects.create(team=team, remote_id=f"BENCH{n or ''}", title=f"Bench posting {n + 1}")
        for n in range(postings)
    ]
    for start in range(0, count, 500):
        with transaction.atomic():
            rows = Interview.objects.bulk_create(
                [
                    Interview(
                        team=team,
                        posting=rows_of[i * postings // count],
                        remote_id=f"int_{i}",
                        name=f"Candidate {i}",
                        status="completed",
                    )
                    for i in range(start, min(start + 500, count))
                ]
            )
            with search_index.bulk_writes([row.pk for row in rows]):
                transcript_lines_insert(
                    (
                        row,
                        [
                            {
                                "position": p,
                                "speaker": "candidate" if p % 2 else "interviewer",
                                "text": sentence(rng),
                                "offset_seconds": p * 12.0,
                                "timestamp_str": "",
                            }
                            for p in range(TURNS)
                        ],
                    )
                    for row in rows
                )


def timed(fn, runs: int) -> tuple[float, float, float]:
    """p50 and p95 wall ms, and the median of this process's CPU ms (all of SQLite's work; on
    PostgreSQL only the client's share)."""
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], statistics.median(cpu)


SEARCHES = [
    ("rare word", RARE),
    ("common word", "design"),
    ("phrase", '"system design"'),
    ("prefix", "kube*"),
]


def build_scaled() -> None:
    """BENCH_SCALE's team (in 20 postings) and one of 10,000, kept under var/bench/ between runs."""
    from django.db import connection

    from dashboard.accounts.models import Team
    from dashboard.mirror.services import planner_statistics_refresh

    for slug, count, postings in (("bench-big", INTERVIEWS, POSTINGS), ("bench-small", SMALL, 1)):
        started = time.perf_counter()
        build(Team.objects.create(name=f"Bench {count:,}", slug=slug), count, postings)
        print(f"  built {count * TURNS:,} turns in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "SELECT 1")
    planner_statistics_refresh()


def main_scaled() -> None:
    """Search over BENCH_SCALE interviews' turns beside 10,000 interviews' in the same database,
    the two taking turns so the shared machine's noise falls on both alike."""
    setup_cached_django(f"search-{INTERVIEWS}", build_scaled)
    from django.db import connection

    from dashboard.accounts.models import Team
    from dashboard.mirror.models import TranscriptLine
    from dashboard.transcripts.search import search

    teams = {slug: Team.objects.get(slug=slug) for slug in ("bench-big", "bench-small")}
    rows = [("database", connection.vendor, "")]
    for slug, team in teams.items():
        lines = TranscriptLine.objects.filter(interview__team=team).count()
        rows.append((f"corpus ({slug})", f"{lines:,} turns", ""))
    for label, text in SEARCHES:
        samples: dict[str, list[float]] = {slug: [] for slug in teams}
        cpu: dict[str, list[float]] = {slug: [] for slug in teams}
        for team in teams.values():
            search(team, text, speaker="")  # warm-up
        for _ in range(RUNS):
            for slug, team in teams.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                search(team, text, speaker="")
                samples[slug].append((time.perf_counter() - started) * 1000)
                cpu[slug].append((time.process_time() - started_cpu) * 1000)
        big, small = (sorted(samples[slug]) for slug in teams)
        big_cpu, small_cpu = (statistics.median(cpu[slug]) for slug in teams)
        p95 = max(0, int(RUNS * 0.95) - 1)
        rows.append(
            (
                f"search: {label}",
                f"{statistics.median(big):.1f} / {big[p95]:.1f} ms",
                f"p50 / p95 at {INTERVIEWS:,} interviews, this process's CPU {big_cpu:.1f} ms "
                f"(target p95 ≤ 50 ms); {statistics.median(small):.1f} / {small[p95]:.1f} ms, "
                f"CPU {small_cpu:.1f} ms at {SMALL:,}",
            )
        )
    table(rows)


def main() -> None:
    if SCALE:
        main_scaled()
        return
    setup_django(os.environ.get("BENCH_DATABASE_URL"))
    from django.db import connection
    from django.test import Client

    from dashboard.accounts.models import Membership, Team
    from dashboard.mirror.models import Interview, TranscriptLine
    from dashboard.transcripts.search import search
    from tests.factories import UserFactory

    team = Team.objects.create(name=f"Bench {time.time_ns()}", slug=f"bench-{time.time_ns()}")
    started = time.perf_counter()
    build(team)
    if connection.vendor == "postgresql":
        # As autovacuum would after a bulk load: without statistics the planner walks every
        # interview and probes the full-text index once per interview.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    lines = TranscriptLine.objects.filter(interview__team=team).count()
    rows = [
        ("database", connection.vendor, ""),
        (
            "corpus",
            f"{lines:,} turns",
            f"{INTERVIEWS:,} interviews, built in {time.perf_counter() - started:.0f} s",
        ),
    ]
    for label, text in SEARCHES:
        p50, p95, cpu = timed(lambda text=text: search(team, text, speaker=""), RUNS)
        target = f"p50 / p95, CPU {cpu:.1f} ms (target p95 ≤ 50 ms)"
        rows.append((f"search: {label}", f"{p50:.1f} / {p95:.1f} ms", target))

    interview = Interview.objects.filter(team=team).first()
    interview.transcript_lines.all().delete()
    from dashboard.mirror.services import transcript_lines_insert

    rng = random.Random(1)
    transcript_lines_insert(
        [
            (
                interview,
                [
                    {
                        "position": p,
                        "speaker": "candidate" if p % 2 else "interviewer",
                        "text": sentence(rng),
                        "offset_seconds": p * 9.0,
                        "timestamp_str": "",
                    }
                    for p in range(300)
                ],
            )
        ]
    )
    user = UserFactory(username=f"bench-{time.time_ns()}")
    Membership.objects.create(user=user, team=team, role="viewer")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = f"/interviews/{interview.remote_id}/transcript/"
    assert client.get(url).status_code == 200
    p50, p95, cpu = timed(lambda: client.get(url), RUNS)
    target = f"server time p50 / p95, CPU {cpu:.1f} ms"
    rows.append(("reader, 300 turns", f"{p50:.1f} / {p95:.1f} ms", target))
    table(rows)


if __name__ == "__main__":
    main()
