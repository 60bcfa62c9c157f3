"""Transcript search latency over ~500,000 turns (10,000 interviews), and the reader's server time.

Runs on SQLite by default; set BENCH_DATABASE_URL=postgres://... to measure PostgreSQL.
"""

import os
import random
import statistics
import time

from bench.common import setup_django, table

INTERVIEWS = int(os.environ.get("BENCH_INTERVIEWS", "10000"))
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


def build(team) -> None:
    from django.db import transaction

    from dashboard.mirror import search_index
    from dashboard.mirror.models import Interview, Posting
    from dashboard.mirror.services import transcript_lines_insert

    rng = random.Random(7)
    posting = Posting.objects.create(team=team, remote_id="BENCH", title="Bench posting")
    for start in range(0, INTERVIEWS, 500):
        with transaction.atomic():
            rows = Interview.objects.bulk_create(
                [
                    Interview(
                        team=team,
                        posting=posting,
                        remote_id=f"int_{i}",
                        name=f"Candidate {i}",
                        status="completed",
                    )
                    for i in range(start, min(start + 500, INTERVIEWS))
                ]
            )
            with search_index.bulk_writes([row.pk for row in rows]):
                transcript_lines_insert(
                    (
                        row.pk,
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


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
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
    for label, text in [
        ("rare word", RARE),
        ("common word", "design"),
        ("phrase", '"system design"'),
        ("prefix", "kube*"),
    ]:
        p50, p95 = timed(lambda text=text: search(team, text, speaker=""), RUNS)
        rows.append((f"search: {label}", f"{p50:.1f} / {p95:.1f} ms", "p50 / p95 (target p95 ≤ 50 ms)"))

    interview = Interview.objects.filter(team=team).first()
    interview.transcript_lines.all().delete()
    from dashboard.mirror.services import transcript_lines_insert

    rng = random.Random(1)
    transcript_lines_insert(
        [
            (
                interview.pk,
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
    p50, p95 = timed(lambda: client.get(url), RUNS)
    rows.append(("reader, 300 turns", f"{p50:.1f} / {p95:.1f} ms", "server time p50 / p95"))
    table(rows)


if __name__ == "__main__":
    main()
