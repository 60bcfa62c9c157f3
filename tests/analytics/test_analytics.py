"""The analytics page: each figure against an answer computed here, in Python, from the rows the
test made; the filter's bad input; the CSVs; who may see it; queries constant in the data."""

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.analytics import selectors
from dashboard.analytics.selectors import Scope
from dashboard.core.stamps import team_changed
from dashboard.ingestion.models import CandidateIngest, ImportJob, ImportRow
from dashboard.mirror.models import Interview, Posting
from dashboard.review.models import Decision, Rating
from dashboard.review.services import decisions_current_mark
from tests.csv_download import csv_rows
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db

START = date(2026, 9, 7)  # a Monday
END = date(2026, 11, 29)  # a Sunday: twelve whole weeks
STATUSES = ("pending", "started", "completed", "completed", "completed", "knocked_out")
SOURCES = ("career fair", "Referral", '=HYPERLINK("x")', None)


def at(day: date, minutes: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def in_range(moment: datetime | None, start=START, end=END) -> bool:
    return moment is not None and start <= moment.date() <= end


class World:
    """Two postings of ours with `size` candidates spread over four months (some outside the
    range), decisions and ratings by three people (some before completion, which do not count),
    imports and single adds with sources; and another team's data that must never count."""

    def __init__(self, team, other_team, size=60, seed=3, prefix=""):
        rng = random.Random(seed)
        self.team = team
        self.people = [
            UserFactory(username=f"{prefix}rev{n}", first_name=f"{prefix}Rev{n}") for n in range(3)
        ]
        for person in self.people:
            MembershipFactory(team=team, user=person, role="reviewer")
        self.postings = [
            Posting.objects.create(team=team, remote_id=f"{prefix}P{n}", title=f"{prefix}Role {n}")
            for n in range(2)
        ]
        self.interviews = []
        for n in range(size):
            entered = at(START - timedelta(days=20), rng.randrange(0, 130 * 24 * 60))
            status = rng.choice(STATUSES)
            started = (
                entered + timedelta(minutes=rng.randrange(60, 5 * 24 * 60)) if status != "pending" else None
            )
            engaged = started + timedelta(minutes=rng.randrange(10, 3000)) if started else entered
            self.interviews.append(
                Interview(
                    team=team,
                    posting=self.postings[n % 2],
                    remote_id=f"{prefix}int_{n}",
                    name=f"Candidate {n}",
                    status=status,
                    score=rng.choice([None, rng.uniform(0, 100), 79.5, 80, 64.6, 100]),
                    entered_on=entered,
                    interviewed_on=started,
                    last_engagement=engaged,
                    missing=n % 17 == 0,  # HeyMilo stopped returning it: never counted
                )
            )
        # In bulk: the data set is made quickly on a shared machine (pks come back on both databases).
        self.interviews = Interview.objects.bulk_create(self.interviews)
        self.decisions, self.ratings = [], []
        for interview in self.interviews:
            for _ in range(rng.choice((0, 0, 1, 2))):
                self.decisions.append(
                    Decision(
                        team=team,
                        interview=interview,
                        user=rng.choice(self.people),
                        value=rng.choice(("advance", "hold", "reject")),
                        created_at=interview.last_engagement + timedelta(minutes=rng.randrange(-600, 9000)),
                    )
                )
            for person in self.people:
                if rng.random() < 0.3:
                    self.ratings.append(
                        Rating(
                            team=team,
                            interview=interview,
                            user=person,
                            stars=rng.randint(1, 5),
                            created_at=interview.last_engagement
                            + timedelta(minutes=rng.randrange(-600, 9000)),
                        )
                    )
        self.decisions = Decision.objects.bulk_create(self.decisions)
        decisions_current_mark([decision.interview_id for decision in self.decisions])
        self.ratings = Rating.objects.bulk_create(self.ratings)
        self.rows = []
        for posting in self.postings:
            job = ImportJob.objects.create(
                team=team, posting=posting, file_name="a.csv", stored_name="x", created_at=at(START, 600)
            )
            late = ImportJob.objects.create(
                team=team, posting=posting, file_name="b.csv", stored_name="y", created_at=at(END, 60 * 30)
            )
            for number, interview in enumerate(i for i in self.interviews if i.posting == posting):
                source = SOURCES[number % len(SOURCES)]
                key = "Source" if number % 3 else "source"
                self.rows.append(
                    ImportRow(
                        job=late if number % 5 == 0 else job,
                        number=number + 2,
                        email=f"c{number}@example.com",
                        metadata={key: source} if source else {"team": "x"},
                        status="valid",
                        outcome="ingested" if number % 7 else "failed",
                        interview_id=interview.remote_id if number % 7 else "",
                    )
                )
        self.rows = ImportRow.objects.bulk_create(self.rows)
        self.added = CandidateIngest.objects.create(
            team=team,
            posting=self.postings[0],
            name="Single",
            email="single@example.com",
            metadata={"source": "Referral"},
            interview_id=self.interviews[0].remote_id,
            created_at=at(START, 5),
        )
        # Another team: the same ids and dates, none of which may count.
        theirs = Posting.objects.create(team=other_team, remote_id=f"{prefix}THEIRS", title="Their role")
        for n in range(10):
            interview = Interview.objects.create(
                team=other_team,
                posting=theirs,
                remote_id=f"{prefix}int_{n}",
                status="completed",
                score=90,
                entered_on=at(START, 100),
                interviewed_on=at(START, 200),
                last_engagement=at(START, 300),
            )
            Decision.objects.create(
                team=other_team, interview=interview, value="advance", created_at=at(START, 400), current=True
            )
        other_job = ImportJob.objects.create(
            team=other_team, posting=theirs, file_name="t.csv", stored_name="t", created_at=at(START, 60)
        )
        ImportRow.objects.create(
            job=other_job,
            number=2,
            email="t@example.com",
            metadata={"source": "career fair"},
            status="valid",
            outcome="ingested",
            interview_id="int_1",
        )

        # As the services that write these rows would: cached figures are of the old rows.
        team_changed(team.pk)

    def ours(self, posting=None):
        return [i for i in self.interviews if not i.missing and (posting is None or i.posting == posting)]


@pytest.fixture(params=[None, 1], ids=["all postings", "one posting"])
def world_scope(request, team, other_team):
    world = World(team, other_team)
    posting = None if request.param is None else world.postings[request.param]
    return world, posting, Scope(team, posting, START, END)


def test_candidates_and_interviews_per_week(world_scope):
    world, posting, scope = world_scope
    expected = {}
    for interview in world.ours(posting):
        for key, moment in (
            ("ingested", interview.entered_on),
            ("started", interview.interviewed_on),
            ("completed", interview.last_engagement if interview.status == "completed" else None),
        ):
            if in_range(moment):
                week = expected.setdefault(
                    monday(moment.date()), {"ingested": 0, "started": 0, "completed": 0}
                )
                week[key] += 1
    weeks, _ = selectors.weekly(scope)
    assert [w.start for w in weeks] == [START + timedelta(weeks=n) for n in range(12)]
    got = {w.start: {"ingested": w.ingested, "started": w.started, "completed": w.completed} for w in weeks}
    for week, counts in got.items():
        assert counts == expected.get(week, {"ingested": 0, "started": 0, "completed": 0}), week
    assert sum(w.ingested for w in weeks) > 10  # the data set is not trivially empty


def test_completion_rate(world_scope):
    world, posting, scope = world_scope
    started = [i for i in world.ours(posting) if in_range(i.interviewed_on)]
    completed = [i for i in started if i.status == "completed"]
    _, figure = selectors.weekly(scope)
    assert (figure.started, figure.completed) == (len(started), len(completed))
    assert figure.percent == pytest.approx(100 * len(completed) / len(started))


def shown(score: float) -> int:
    """The step the table writes: rounded half up, 100 and above in the top bar."""
    return min(9, max(0, math.floor(score + 0.5) // 10))


def test_score_distribution_by_posting(world_scope):
    world, posting, scope = world_scope
    expected = {}
    for interview in world.ours(posting):
        if interview.score is not None and in_range(interview.interviewed_on):
            bins = expected.setdefault(interview.posting.title, [0] * 10)
            bins[shown(interview.score)] += 1
    figures = selectors.scores_by_posting(scope)
    assert {f.title: [bar.count for bar in f.bars] for f in figures} == expected
    for figure in figures:
        strong = sum(
            1
            for i in world.ours(posting)
            if i.posting.title == figure.title
            and i.score is not None
            and in_range(i.interviewed_on)
            and math.floor(i.score + 0.5) >= 80
        )
        assert figure.strong == strong


def test_time_from_completion_to_first_review(world_scope):
    world, posting, scope = world_scope
    completed = [i for i in world.ours(posting) if i.status == "completed" and in_range(i.last_engagement)]
    waits = []
    for interview in completed:
        times = [
            r.created_at
            for r in world.decisions + world.ratings
            if r.interview_id == interview.pk and r.created_at >= interview.last_engagement
        ]
        if times:
            waits.append(min(times) - interview.last_engagement)
    waits.sort()
    n = len(waits)
    figure = selectors.review_time(scope)
    assert (figure.completed, figure.reviewed) == (len(completed), n)
    assert n >= 3
    middle = waits[(n - 1) // 2 : n // 2 + 1]
    assert figure.median == sum(middle, timedelta()) / len(middle)
    assert figure.p90 == waits[math.ceil(0.9 * n) - 1]


def test_median_and_percentile_on_known_waits(team, other_team):
    """Four waits of 1, 2, 3 and 10 hours: median 2.5 h, 90th percentile (nearest rank) 10 h."""
    posting = Posting.objects.create(team=team, remote_id="P", title="Role")
    for n, hours in enumerate((3, 1, 10, 2)):
        done = at(START, 60 * 24 * n)
        interview = Interview.objects.create(
            team=team, posting=posting, remote_id=f"i{n}", status="completed", last_engagement=done
        )
        Rating.objects.create(
            team=team,
            interview=interview,
            user=UserFactory(),
            stars=3,
            created_at=done + timedelta(hours=hours),
        )
        # A later decision does not make the first review later.
        Decision.objects.create(
            team=team, interview=interview, value="hold", created_at=done + timedelta(hours=50)
        )
    figure = selectors.review_time(Scope(team, None, START, END))
    assert figure.median == timedelta(hours=2.5)
    assert figure.p90 == timedelta(hours=10)


def test_workload_per_reviewer(world_scope):
    world, posting, scope = world_scope
    expected = {}
    for rows, key in ((world.decisions, 0), (world.ratings, 1)):
        for row in rows:
            if in_range(row.created_at) and (posting is None or row.interview.posting == posting):
                counts = expected.setdefault(row.user.first_name, [0, 0])
                counts[key] += 1
    got = {p.name: [p.decisions, p.ratings] for p in selectors.workload(scope)}
    assert got == expected
    assert len(got) == 3


def test_outcome_by_source(world_scope):
    world, posting, scope = world_scope
    expected = {}

    def count(source, interview_id):
        interview = next(i for i in world.interviews if i.remote_id == interview_id)
        entry = expected.setdefault(
            source, {"candidates": 0, "completed": 0, "advance": 0, "hold": 0, "reject": 0}
        )
        entry["candidates"] += 1
        if interview.missing:
            return
        entry["completed"] += interview.status == "completed"
        decisions = sorted(
            (d for d in world.decisions if d.interview_id == interview.pk), key=lambda d: (d.created_at, d.pk)
        )
        if decisions:
            entry[decisions[-1].value] += 1

    for row in world.rows:
        source = row.metadata.get("source") or row.metadata.get("Source")
        mine = posting is None or row.job.posting == posting
        if row.outcome == "ingested" and source and in_range(row.job.created_at) and mine:
            count(source, row.interview_id)
    if posting is None or world.added.posting == posting:
        count("Referral", world.added.interview_id)
    got = {
        s.name: {k: getattr(s, k) for k in ("candidates", "completed", "advance", "hold", "reject")}
        for s in selectors.sources(scope)
    }
    assert got == expected
    assert "career fair" in got


def read_csv(response) -> list[list[str]]:
    return csv_rows(response)


def test_each_figure_downloads_as_csv_with_the_page_filter(login, admin, team, other_team):
    world = World(team, other_team)
    client = login(admin)
    query = f"?posting=P1&start={START}&end={END}"
    scope = Scope(team, world.postings[1], START, END)
    weekly = read_csv(client.get(f"/analytics/weekly.csv{query}"))
    assert weekly[0] == ["Week of", "Candidates added", "Interviews started", "Interviews completed"]
    assert weekly[1:] == [
        [w.start.isoformat(), str(w.ingested), str(w.started), str(w.completed)]
        for w in selectors.weekly(scope)[0]
    ]
    review = read_csv(client.get(f"/analytics/review-time.csv{query}"))
    figure = selectors.review_time(scope)
    assert review[1][:3] == [str(figure.completed), str(figure.reviewed), str(figure.waiting)]
    assert float(review[1][3]) == pytest.approx(figure.median.total_seconds() / 3600, abs=0.05)
    # A source that looks like a formula is written as text, never run by a spreadsheet.
    sources = read_csv(client.get(f"/analytics/sources.csv?start={START}&end={END}"))
    names = [row[0] for row in sources[1:]]
    assert '\'=HYPERLINK("x")' in names and '=HYPERLINK("x")' not in names
    for figure_name in ("completion", "scores", "workload"):
        rows = read_csv(client.get(f"/analytics/{figure_name}.csv{query}"))
        assert len(rows) >= 2, figure_name
    assert client.get("/analytics/nothing.csv").status_code == 404


def test_the_page_draws_each_figure_with_a_table(login, reviewer, team, other_team):
    World(team, other_team)
    response = login(reviewer).get(f"/analytics/?start={START}&end={END}")
    assert response.status_code == 200
    body = response.content.decode()
    for title in (
        "Candidates and interviews per week",
        "Completion rate",
        "Time to first review",
        "Score distribution by posting",
        "Reviewer workload",
        "Outcome by source",
    ):
        assert title in body
    assert body.count('<details class="figure-table">') == 6
    assert body.count("<polyline") == 6  # three series, drawn wide and for a phone
    assert "Their role" not in body and "style=" not in body
    assert 'aria-current="page">Analytics' in body


def test_bad_dates_say_what_is_wrong_and_keep_the_rest(login, admin, team, other_team):
    World(team, other_team)
    client = login(admin)
    response = client.get(f"/analytics/?posting=P1&start=31/02/2026&end={END}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "“From” is not a date" in body
    scope = response.context["scope"]
    # The posting and the good end date are kept; only the bad start falls back.
    assert scope.posting.remote_id == "P1" and scope.end == END
    assert 'value="31/02/2026"' in body  # what was typed stays in the box to correct

    response = client.get(f"/analytics/?posting=P1&start={END}&end={START}")
    assert "“To” is before “From”" in response.content.decode()
    assert response.context["scope"].posting.remote_id == "P1"

    response = client.get("/analytics/?start=2020-01-01&end=2026-12-01")
    assert "longer than two years" in response.content.decode()
    assert response.context["scope"].start == date(2026, 12, 1) - timedelta(days=730)


def test_another_teams_posting_is_refused_with_a_message_and_shows_nothing_of_it(
    login, admin, team, other_team
):
    World(team, other_team)
    client = login(admin)
    theirs = Posting.objects.get(team=other_team)
    response = client.get(f"/analytics/?posting={theirs.remote_id}&start={START}&end={END}")
    assert "not one of this team" in response.content.decode()
    assert response.context["scope"].posting is None
    assert "Their role" not in response.content.decode()
    assert client.get("/analytics/weekly.csv?posting=nope").status_code == 404


def test_viewers_and_outsiders_cannot_open_it(login, viewer, outsider, team):
    response = login(viewer).get("/analytics/")
    assert response.status_code == 403
    assert login(viewer).get("/analytics/weekly.csv").status_code == 403
    home = login(viewer).get("/")
    assert b">Analytics<" not in home.content


def test_the_queries_do_not_grow_with_the_data(login, admin, team, other_team):
    client = login(admin)
    url = f"/analytics/?start={START}&end={END}"
    World(team, other_team, size=20)
    client.get(url)
    # No figures cached: the view computes them all, as a recompute would.
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    World(team, other_team, size=150, seed=9, prefix="b")
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as big:
        assert client.get(url).status_code == 200
    assert len(big) == len(small), [q["sql"][:120] for q in big.captured_queries]


def expected_weeks(world, posting=None, start=START, end=END) -> dict:
    """Candidates added, interviews started and completed per Monday, counted here from the rows."""
    expected: dict = {}
    for interview in world.ours(posting):
        for key, moment in (
            ("ingested", interview.entered_on),
            ("started", interview.interviewed_on),
            ("completed", interview.last_engagement if interview.status == "completed" else None),
        ):
            if in_range(moment, start, end):
                week = expected.setdefault(
                    monday(moment.date()), {"ingested": 0, "started": 0, "completed": 0}
                )
                week[key] += 1
    return expected


def week_counts(weeks) -> dict:
    return {
        w.start: {"ingested": w.ingested, "started": w.started, "completed": w.completed}
        for w in weeks
        if w.ingested or w.started or w.completed
    }


def decide(world, team):
    """A decision through the service, as a reviewer would: it renews the team's stamp."""
    from dashboard.review import services

    completed = next(i for i in world.ours() if i.status == "completed")
    services.decision_record(team, user=world.people[0], interview=completed, value="hold")


def test_a_change_serves_the_last_figures_as_updating_and_queues_one_recompute(
    login, admin, team, other_team, django_capture_on_commit_callbacks
):
    world = World(team, other_team, size=20)
    client = login(admin)
    today = timezone.localdate()
    url = f"/analytics/?start={START}&end={today}"
    first = client.get(url)  # the filter's first view ever: computed here
    assert "updating" not in first.content.decode()
    before = sum(p.decisions for p in first.context["workload"])

    decide(world, team)
    with django_capture_on_commit_callbacks() as queued:
        stale = client.get(url)
        again = client.get(url)
        polled = client.get(url, headers={"HX-Request": "true"})
    body = stale.content.decode()
    assert "Figures as of" in body and "· updating" in body and 'hx-trigger="every 2s"' in body
    assert sum(p.decisions for p in stale.context["workload"]) == before  # the last figures, at once
    assert "updating" in again.content.decode() and "updating" in polled.content.decode()
    assert "<h1>" not in polled.content.decode()  # the poll draws the figures region only
    assert len(queued) == 1  # three views while it is pending queue one recompute

    for run in queued:  # the worker's turn (tasks run inline in tests)
        run()
    fresh = client.get(url, headers={"HX-Request": "true"})
    body = fresh.content.decode()
    assert "updating" not in body and "hx-trigger" not in body  # the poll stops
    assert sum(p.decisions for p in fresh.context["workload"]) == before + 1
    assert week_counts(fresh.context["weeks"]) == expected_weeks(world, end=today)
    # Current again: the next view queues nothing.
    with django_capture_on_commit_callbacks() as queued:
        assert "updating" not in client.get(url).content.decode()
    assert queued == []


def test_the_csv_is_of_the_data_now_while_the_page_is_updating(
    login, admin, team, other_team, django_capture_on_commit_callbacks
):
    world = World(team, other_team, size=20)
    client = login(admin)
    today = timezone.localdate()
    query = f"?start={START}&end={today}"
    client.get(f"/analytics/{query}")
    decide(world, team)
    with django_capture_on_commit_callbacks():
        assert "updating" in client.get(f"/analytics/{query}").content.decode()
    rows = read_csv(client.get(f"/analytics/workload.csv{query}"))
    expected = selectors.workload(Scope(team, None, START, today))
    assert sum(int(row[1]) for row in rows[1:]) == sum(p.decisions for p in expected)


def test_the_cached_figures_are_each_teams_own_and_each_filters_own(login, admin, team, other_team):
    ours = World(team, other_team, size=12)
    theirs_admin = MembershipFactory(team=other_team, user=UserFactory(username="globex"), role="admin").user
    World(other_team, TeamFactory(name="Initech"), size=30, seed=5, prefix="g")
    url = f"/analytics/?start={START}&end={END}"
    mine = login(admin).get(url)
    assert week_counts(mine.context["weeks"]) == expected_weeks(ours)
    other = login(theirs_admin).get(url)  # the same filter, another team: never our figures
    theirs_now = selectors.weekly(Scope(other_team, None, START, END))[0]
    assert week_counts(other.context["weeks"]) == week_counts(theirs_now) != expected_weeks(ours)
    names = {p.name for p in other.context["workload"]}
    assert "gRev0" in names and not names & {"Rev0", "Rev1", "Rev2"}, names
    assert {p.name for p in login(admin).get(url).context["workload"]} == {"Rev0", "Rev1", "Rev2"}

    posting = ours.postings[0]
    keys = {
        selectors.figures_key(Scope(team, None, START, END)),
        selectors.figures_key(Scope(other_team, None, START, END)),
        selectors.figures_key(Scope(team, posting, START, END)),
        selectors.figures_key(Scope(team, None, START + timedelta(days=1), END)),
        selectors.figures_key(Scope(team, None, START, END - timedelta(days=1))),
    }
    assert len(keys) == 5


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_the_figures_and_the_poll_shows_them(
    celery_worker, login, admin, team, other_team
):
    world = World(team, other_team, size=12)
    client = login(admin)
    today = timezone.localdate()
    url = f"/analytics/?start={START}&end={today}"
    before = sum(p.decisions for p in client.get(url).context["workload"])
    decide(world, team)
    assert "· updating" in client.get(url).content.decode()

    def poll():
        response = client.get(url, headers={"HX-Request": "true"})
        return response if "updating" not in response.content.decode() else None

    fresh = wait_for(poll, timeout=30, interval=0.5, message="the worker's figures")
    assert sum(p.decisions for p in fresh.context["workload"]) == before + 1, celery_worker.log()[-2000:]
    assert week_counts(fresh.context["weeks"]) == expected_weeks(world, end=today)
