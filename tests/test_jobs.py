"""One job model (dashboard/core/jobs.py) for the six kinds of work a worker does and a page polls,
one status region (templates/core/_job_status.html), and the migration that brought the old rows
into the one vocabulary with their meaning kept."""

import json

import pytest
from django.apps import apps
from django.template.loader import render_to_string

from dashboard.accounts.models import ConnectionCheck
from dashboard.core.jobs import Job
from dashboard.ingestion.models import CandidateIngest, Export, ImportJob, ImportRow
from dashboard.mail.models import OutgoingMail
from dashboard.mirror.models import Posting, SyncRun
from dashboard.webhooks.models import WebhookJob
from tests.migrations import migrate, migrate_to_latest

HTMX = {"HTTP_HX_REQUEST": "true"}
JOBS = [ConnectionCheck, SyncRun, WebhookJob, ImportJob, CandidateIngest, Export, OutgoingMail]


def events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_the_six_jobs_are_the_one_model_and_speak_one_vocabulary():
    assert sorted(m.__name__ for m in apps.get_models() if issubclass(m, Job)) == sorted(
        m.__name__ for m in JOBS
    )
    for model in JOBS:
        states = set(model.State.values)
        assert {"queued", "running", "done", "failed"} <= states, model
        assert set(model._meta.get_field("state").choices) == set(model.State.choices), model
        # Every state a job can end in or work in is one of its own, never both.
        assert set(model.ACTIVE_STATES) | set(model.FINISHED_STATES) <= states, model
        assert not set(model.ACTIVE_STATES) & set(model.FINISHED_STATES), model
        for field in (
            "team",
            "requested_by",
            "outcome",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ):
            model._meta.get_field(field)


@pytest.mark.django_db
def test_the_first_ending_wins_and_a_late_worker_cannot_overwrite_it(team):
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    late = SyncRun.objects.get(pk=run.pk)
    assert run.start() and not late.start()  # taken once
    assert run.finish(state=SyncRun.State.INTERRUPTED, outcome="superseded", message="A newer sync.")
    late.pages_done = 7
    assert not late.finish()  # the late worker's "done" is refused and its copy refreshed
    assert (late.state, late.outcome, late.pages_done) == (SyncRun.State.INTERRUPTED, "superseded", 0)
    assert SyncRun.objects.get(pk=run.pk).state == SyncRun.State.INTERRUPTED


@pytest.mark.django_db
def test_fail_saves_the_outcome_message_and_the_jobs_own_fields(team):
    job = WebhookJob.objects.create(team=team, kind=WebhookJob.Kind.CREATE)
    assert job.is_active and not job.is_finished
    job.fail(
        "HeyMilo did not accept these values.",
        outcome=WebhookJob.Outcome.INVALID,
        field_errors={"url": "Not a URL."},
    )
    saved = WebhookJob.objects.get(pk=job.pk)
    assert (saved.state, saved.outcome, saved.field_errors) == ("failed", "invalid", {"url": "Not a URL."})
    assert saved.is_finished and saved.finished_at is not None


@pytest.mark.django_db
def test_active_and_finished_follow_each_models_own_states(team):
    posting = Posting.objects.create(team=team, remote_id="p1", title="Nurse")

    def job(state):
        return ImportJob.objects.create(
            team=team, posting=posting, file_name="a.csv", stored_name="a", state=state
        ).id

    checking, draft, running = job("checking"), job("draft"), job("running")
    cancelled, done = job("cancelled"), job("done")
    assert set(ImportJob.objects.active().values_list("id", flat=True)) == {checking, running}
    assert set(ImportJob.objects.finished().values_list("id", flat=True)) == {cancelled, done}
    # A draft waits for a person: neither polled nor ended.
    assert not ImportJob.objects.get(id=draft).is_active and not ImportJob.objects.get(id=draft).is_finished


def test_the_status_region_polls_only_while_the_job_is_active():
    active = ConnectionCheck(pk=3, state="running")
    html = render_to_string("core/_job_status.html", {"job": active, "region": "connection-check"})
    assert 'id="connection-check"' in html and 'hx-get="/settings/connection-checks/3/"' in html
    assert 'hx-trigger="every 1s"' in html and 'hx-target="this"' in html and "Running…" in html
    ended = ConnectionCheck(pk=3, state="failed", outcome="unauthorized", message="<b>no</b>")
    html = render_to_string("core/_job_status.html", {"job": ended, "region": "connection-check"})
    assert "hx-get" not in html and "Key rejected." in html
    assert "&lt;b&gt;no&lt;/b&gt;" in html  # HeyMilo's text stays text


# --- the imports list follows a running import -------------------------------------------------


@pytest.fixture
def running_import(team):
    posting = Posting.objects.create(team=team, remote_id="p1", title="Nurse", url_key="k")
    job = ImportJob.objects.create(
        team=team,
        posting=posting,
        file_name="fair.csv",
        stored_name="x",
        state=ImportJob.State.RUNNING,
        rows_total=4,
        rows_valid=4,
    )
    for n in range(4):
        ImportRow.objects.create(
            job=job,
            number=n + 2,
            email=f"c{n}@example.com",
            chunk=0,
            status=ImportRow.Status.VALID,
            outcome=ImportRow.Outcome.INGESTED if n == 0 else ImportRow.Outcome.PENDING,
        )
    return job


@pytest.mark.django_db
def test_the_imports_list_polls_while_an_import_runs_and_shows_its_progress(login, reviewer, running_import):
    client = login(reviewer)
    page = client.get("/imports/").text
    assert 'id="imports-list"' in page and 'hx-get="/imports/"' in page and 'hx-trigger="every 1s"' in page
    assert "25 % · 1 of 4 sent" in page
    ImportRow.objects.filter(job=running_import).update(outcome=ImportRow.Outcome.INGESTED)
    poll = client.get("/imports/", HTTP_HX_TARGET="imports-list", **HTMX)
    assert poll.status_code == 200 and "HX-Trigger" not in poll.headers
    assert poll.text.lstrip().startswith('<div id="imports-list"') and "<html" not in poll.text
    assert "100 % · 4 of 4 sent" in poll.text and "hx-get" in poll.text
    running_import.finish()
    ended = client.get("/imports/", HTTP_HX_TARGET="imports-list", **HTMX)
    # The row says Done, the polling stops (286) and the import's event is fired, once.
    assert ended.status_code == 286 and "import-finished" in events(ended)
    assert ">Done</span>" in ended.text and "hx-get" not in ended.text and "% · " not in ended.text


@pytest.mark.django_db
def test_a_list_with_nothing_running_does_not_poll(login, reviewer, running_import):
    running_import.finish(state=ImportJob.State.CANCELLED)
    page = login(reviewer).get("/imports/").text
    region = page.split('id="imports-list"')[1].split("</section>")[0]
    assert ">Cancelled</span>" in region and "hx-get" not in region


@pytest.mark.django_db
def test_the_imports_list_poll_shows_only_the_teams_own_imports(login, outsider, running_import):
    poll = login(outsider).get("/imports/", HTTP_HX_TARGET="imports-list", **HTMX)
    # The other team's running import is neither listed nor a reason to keep polling.
    assert poll.status_code == 286 and "fair.csv" not in poll.text and "No imports yet" in poll.text


# --- the migration keeps every row's meaning ---------------------------------------------------

BEFORE = [
    ("accounts", "0004_membership_home_seen_at"),
    ("mirror", "0007_syncrun_skipped"),
    ("webhooks", "0002_delivery_claimed_at"),
    ("ingestion", "0002_import_checking"),
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_migrating_maps_every_old_state_to_the_one_vocabulary_and_back():
    old = migrate(BEFORE)
    try:
        team = old.get_model("accounts", "Team").objects.create(slug="acme", name="Acme")
        posting = old.get_model("mirror", "Posting").objects.create(team=team, remote_id="p1")
        checks = old.get_model("accounts", "ConnectionCheck").objects
        for state, outcome in [
            ("pending", ""),
            ("running", ""),
            ("done", "ok"),
            ("done", "unauthorized"),
            ("done", "no_key"),
        ]:
            checks.create(team=team, state=state, outcome=outcome, message=f"{state} {outcome}")
        runs = old.get_model("mirror", "SyncRun").objects
        for state, code in [
            ("queued", ""),
            ("succeeded", ""),
            ("failed", "not_found"),
            ("skipped", "busy"),
            ("interrupted", "superseded"),
        ]:
            runs.create(team=team, scope="team", state=state, error=f"why {state}", error_code=code)
        hooks = old.get_model("webhooks", "WebhookJob").objects
        for state, outcome in [("pending", ""), ("done", "ok"), ("done", "invalid"), ("done", "error")]:
            hooks.create(team=team, kind="refresh", state=state, outcome=outcome)
        old.get_model("ingestion", "ImportJob").objects.create(
            team=team, posting=posting, file_name="a.csv", stored_name="a", state="failed", error="Bad file."
        )
        old.get_model("ingestion", "CandidateIngest").objects.create(
            team=team, posting=posting, name="Ada", email="a@example.com", state="failed", error="Refused."
        )
        old.get_model("ingestion", "Export").objects.create(team=team, posting=posting, state="queued")
    finally:
        new = migrate_to_latest()

    assert sorted(ConnectionCheck.objects.values_list("state", "outcome")) == [
        ("done", "ok"),
        ("failed", "no_key"),
        ("failed", "unauthorized"),
        ("queued", ""),
        ("running", ""),
    ]
    assert ConnectionCheck.objects.get(outcome="unauthorized").message == "done unauthorized"
    assert sorted(SyncRun.objects.values_list("state", "outcome", "message")) == [
        ("done", "", "why succeeded"),
        ("failed", "not_found", "why failed"),
        ("interrupted", "superseded", "why interrupted"),
        ("queued", "", "why queued"),
        ("skipped", "busy", "why skipped"),
    ]
    assert sorted(WebhookJob.objects.values_list("state", "outcome")) == [
        ("done", "ok"),
        ("failed", "error"),
        ("failed", "invalid"),
        ("queued", ""),
    ]
    assert ImportJob.objects.get().message == "Bad file."
    assert CandidateIngest.objects.get().message == "Refused." and Export.objects.get().is_active
    assert new.get_model("mirror", "SyncRun")._meta.get_field("message")

    # And back: the old code would read the rows as it wrote them.
    old = migrate(BEFORE)
    try:
        checks = old.get_model("accounts", "ConnectionCheck").objects
        assert sorted(checks.values_list("state", "outcome")) == [
            ("done", "no_key"),
            ("done", "ok"),
            ("done", "unauthorized"),
            ("pending", ""),
            ("running", ""),
        ]
        assert sorted(old.get_model("mirror", "SyncRun").objects.values_list("state", "error_code")) == [
            ("failed", "not_found"),
            ("interrupted", "superseded"),
            ("queued", ""),
            ("skipped", "busy"),
            ("succeeded", ""),
        ]
        assert sorted(old.get_model("webhooks", "WebhookJob").objects.values_list("state", flat=True)) == [
            "done",
            "done",
            "done",
            "pending",
        ]
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_renaming_created_by_to_requested_by_keeps_who_asked():
    old = migrate([("ingestion", "0003_jobs")])
    try:
        user = old.get_model("auth", "User").objects.create(username="ada")
        team = old.get_model("accounts", "Team").objects.create(slug="acme", name="Acme")
        posting = old.get_model("mirror", "Posting").objects.create(team=team, remote_id="p1")
        old.get_model("ingestion", "ImportJob").objects.create(
            team=team, posting=posting, file_name="a.csv", stored_name="a", created_by=user
        )
        old.get_model("ingestion", "CandidateIngest").objects.create(
            team=team, posting=posting, name="Ada", email="a@example.com", created_by=user
        )
        old.get_model("ingestion", "Export").objects.create(team=team, posting=posting, created_by=user)
    finally:
        migrate_to_latest()
    for model in (ImportJob, CandidateIngest, Export):
        assert model.objects.get().requested_by.username == "ada", model
