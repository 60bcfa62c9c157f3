"""Who is notified of what, through which channel: real signals from the real services, mail
through a real SMTP server (tests/mail/smtp_fixtures.py)."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dashboard.accounts.models import KeyStatus, Membership
from dashboard.ingestion.models import ImportJob
from dashboard.mirror.services import interviews_upsert
from dashboard.notifications import services
from dashboard.notifications.models import Channel, Follow, Kind, Notification, Preference
from dashboard.review.models import Mention
from dashboard.review.selectors import candidates as candidates_of
from dashboard.review.services import bulk_decision_record, decision_record, note_add, rating_set
from heymilo.models import Interview as APIInterview
from tests.mail.smtp_fixtures import text_and_html
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db


def notes_of(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(kind=kind) if kind else rows)


def completes(team, posting, *remote_ids: str) -> None:
    """A sync brings these interviews as completed, through the mirror's own writer."""
    items = [
        APIInterview.from_dict(
            {"interview_id": rid, "details": {"name": f"Person {rid}", "status": "completed"}}
        )
        for rid in remote_ids
    ]
    interviews_upsert(team, items=items, posting=posting)


def test_a_mention_is_mailed_at_once_and_links_the_inboxs_mention(
    team, admin, reviewer, candidates, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note_add(
            team, user=reviewer, interview=candidates[0], body="@alice can you look at her answer on pricing?"
        )
    [row] = notes_of(admin, Kind.MENTION)
    mention = Mention.objects.get(user=admin)
    assert row.mention == mention and row.link == f"/inbox/{mention.pk}/"
    assert row.text.startswith("bob mentioned you on Ana Ruiz")
    [message] = smtp_server.wait(1)
    assert message["To"] == "alice@example.com"
    assert "mentioned you on Ana Ruiz" in message["Subject"]
    text, html = text_and_html(message)
    assert "can you look at her answer on pricing?" in text
    assert f"http://127.0.0.1:8000/inbox/{mention.pk}/" in text
    assert "/notifications/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.get(pk=row.pk).emailed_at is not None
    assert notes_of(reviewer) == []  # never for the person who acted


def test_one_click_unsubscribe_turns_that_kind_off_email_without_a_session_or_csrf(
    team, admin, reviewer, candidates, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note_add(team, user=reviewer, interview=candidates[0], body="@alice first")
    [message] = smtp_server.wait(1)
    url = message["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    mail_client = Client(enforce_csrf_checks=True)  # a mail provider: no cookie, no token
    page = mail_client.get(url)
    assert page.status_code == 200 and "Stop these emails?" in page.text
    assert Preference.objects.filter(user=admin).count() == 0  # GET changes nothing
    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Preference.objects.get(user=admin, kind=Kind.MENTION).channel == Channel.IN_APP
    with django_capture_on_commit_callbacks(execute=True):
        note_add(team, user=reviewer, interview=candidates[1], body="@alice second")
    assert len(smtp_server.messages) == 1  # no second email
    assert len(notes_of(admin, Kind.MENTION)) == 2  # still in the dashboard


def test_a_forged_unsubscribe_token_is_a_404_and_changes_nothing(admin):
    token = services.unsubscribe_token(admin, Kind.MENTION)
    response = Client(enforce_csrf_checks=True).post(f"/notifications/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 404
    assert not Preference.objects.exists()


def test_the_digest_for_a_realistic_day(
    team, admin, reviewer, posting, candidates, smtp_server, django_capture_on_commit_callbacks
):
    """Alice follows the posting and rated candidates; during the day interviews complete, Bob
    notes and decides, her import finishes; at her hour one email holds it all, by section."""
    Follow.objects.create(team=team, user=admin, posting=posting)
    rating_set(team, user=admin, interview=candidates[0], stars=4)
    note_add(team, user=admin, interview=candidates[1], body="Strong on discovery calls.")
    with django_capture_on_commit_callbacks(execute=True):
        completes(team, posting, "int_day_1")
        completes(team, posting, "int_day_2", "int_day_3", "int_day_4")
        decision_record(team, user=reviewer, interview=candidates[0], value="advance")
        note_add(team, user=reviewer, interview=candidates[1], body="Agreed, and her references are good.")
        job = ImportJob.objects.create(
            team=team,
            posting=posting,
            file_name="career-fair.csv",
            stored_name="imports/x.csv",
            requested_by=admin,
            state="running",
        )
        job.finish(message="240 candidates sent to HeyMilo")
    # The digest kinds waited; nothing was emailed during the day.
    assert smtp_server.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", "--now")
    [message] = smtp_server.wait(1)
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Acme Hiring: 4 updates in your daily digest"
    text, html = text_and_html(message)
    assert "New notes where you wrote one (1)" in text
    assert "bob added a note on Ben Osei after yours: “Agreed, and her references are good.”" in text
    assert "Decisions on candidates you rated (1)" in text
    assert "bob decided Advance on Ana Ruiz, whom you rated" in text
    assert "Interviews completed (2)" in text
    assert "Person int_day_1 completed the interview for Account Executive" in text
    assert "3 interviews completed in Account Executive" in text
    assert "Acme Hiring" in html and "Stop these emails" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The import was in-app only (its default); the digest holds only digest kinds.
    assert "career-fair.csv" not in text
    assert notes_of(admin, Kind.JOB)[0].text == (
        "Import of career-fair.csv into Account Executive finished: 240 candidates sent to HeyMilo"
    )
    # Sent once: the next run finds nothing waiting.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", "--now")
    assert len(smtp_server.messages) == 1


def test_the_digest_goes_at_the_persons_hour_in_their_time_zone(
    team, admin, reviewer, candidates, smtp_server, django_capture_on_commit_callbacks
):
    services.preferences_update(
        admin,
        channels={Kind.REPLY: Channel.DIGEST},
        time_zone="America/New_York",
        digest_hour=7,
        browser=False,
        sound=False,
    )
    note_add(team, user=admin, interview=candidates[0], body="First look.")
    with django_capture_on_commit_callbacks(execute=True):
        note_add(team, user=reviewer, interview=candidates[0], body="Second look.")
    winter_7am_new_york = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_send(now=datetime(2026, 12, 5, 7, 0, tzinfo=UTC)) == 0  # 2:00 there
        assert services.digests_send(now=winter_7am_new_york) == 1
        assert services.digests_send(now=winter_7am_new_york) == 0  # once
    assert len(smtp_server.wait(1)) == 1


def test_removed_members_and_deactivated_users_get_nothing(
    team, admin, reviewer, viewer, candidates, smtp_server, django_capture_on_commit_callbacks
):
    rating_set(team, user=reviewer, interview=candidates[0], stars=3)
    Follow.objects.create(team=team, user=reviewer, posting=candidates[0].posting)
    Follow.objects.create(team=team, user=viewer, posting=candidates[0].posting)
    Membership.objects.filter(user=reviewer).delete()
    viewer.is_active = False
    viewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(team, user=admin, interview=candidates[0], value="reject")
        note_add(team, user=admin, interview=candidates[0], body="@bob @carol see this")
        completes(team, candidates[0].posting, "int_after_removal")
    assert notes_of(reviewer) == [] and notes_of(viewer) == []
    assert smtp_server.messages == []


def test_a_digest_waiting_for_someone_who_has_left_is_not_sent(
    team, admin, reviewer, candidates, smtp_server, django_capture_on_commit_callbacks
):
    note_add(team, user=reviewer, interview=candidates[0], body="Mine first.")
    with django_capture_on_commit_callbacks(execute=True):
        note_add(team, user=admin, interview=candidates[0], body="Then mine.")
    assert len(notes_of(reviewer, Kind.REPLY)) == 1
    Membership.objects.filter(user=reviewer).delete()
    assert services.digests_send(everyone=True) == 0
    assert smtp_server.messages == []


def test_bulk_work_makes_one_notification_a_person(
    team, admin, reviewer, posting, django_capture_on_commit_callbacks
):
    many = [make_interview(team, posting, status="pending") for _ in range(60)]
    for interview in many:
        rating_set(team, user=reviewer, interview=interview, stars=3)
    Follow.objects.create(team=team, user=reviewer, posting=posting)
    chosen = candidates_of(team, admin, posting).filter(pk__in=[i.pk for i in many])
    with django_capture_on_commit_callbacks(execute=True):
        bulk_decision_record(team, user=admin, interviews=chosen, value="hold")
        completes(team, posting, *[i.remote_id for i in many])
        job = ImportJob.objects.create(
            team=team,
            posting=posting,
            file_name="big.csv",
            stored_name="imports/big.csv",
            requested_by=reviewer,
            state="running",
        )
        job.finish(message="10000 candidates sent to HeyMilo")
    [decided] = notes_of(reviewer, Kind.DECISION)
    assert decided.text == "alice decided Hold on 60 candidates you rated"
    [completed] = notes_of(reviewer, Kind.INTERVIEW_COMPLETED)
    assert completed.text == "60 interviews completed in Account Executive"
    assert len(notes_of(reviewer, Kind.JOB)) == 1


def test_preferences_are_respected(
    team, admin, reviewer, candidates, smtp_server, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=admin, kind=Kind.MENTION, channel=Channel.OFF)
    Preference.objects.create(user=reviewer, kind=Kind.MENTION, channel=Channel.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        note_add(team, user=reviewer, interview=candidates[0], body="@alice off for her")
        note_add(team, user=admin, interview=candidates[1], body="@bob digest for him")
    assert notes_of(admin, Kind.MENTION) == []
    [row] = notes_of(reviewer, Kind.MENTION)
    assert row.channel == Channel.DIGEST and row.emailed_at is None
    assert smtp_server.messages == []
    # Reading it in the dashboard first takes it out of the digest.
    services.notifications_mark_read(team, user=reviewer, ids=[row.pk])
    assert Mention.objects.get(user=reviewer).read_at is not None  # the Inbox's mention too
    assert services.digests_send(everyone=True) == 0


def test_admins_alone_hear_of_the_key_rejected_once(team, admin, reviewer):
    team.record_key_status(KeyStatus.VALID)
    team.record_key_status(KeyStatus.INVALID)
    team.record_key_status(KeyStatus.INVALID)  # a second failing sync says nothing new
    [row] = Notification.objects.filter(kind=Kind.KEY_REJECTED)
    assert row.recipient == admin and "rejected Acme Hiring's API key" in row.text
    assert notes_of(reviewer) == []


def test_admins_hear_when_syncs_have_failed_for_over_an_hour(team, admin):
    from datetime import timedelta

    from dashboard.mirror.models import SyncRun
    from dashboard.mirror.services import sync_fail

    early = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    early.fail("HeyMilo answered 502")
    SyncRun.objects.filter(pk=early.pk).update(finished_at=timezone.now() - timedelta(minutes=70))
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    sync_fail(run, error=RuntimeError("HeyMilo answered 502"))
    [row] = notes_of(admin, Kind.SYNC_FAILING)
    assert "failed for over an hour" in row.text
    again = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    sync_fail(again, error=RuntimeError("HeyMilo answered 502"))
    assert len(notes_of(admin, Kind.SYNC_FAILING)) == 1


def test_touching_a_posting_follows_it_unless_unfollowed(
    team, admin, reviewer, viewer, posting, candidates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rating_set(team, user=reviewer, interview=candidates[0], stars=5)
    assert Follow.objects.get(user=reviewer, posting=posting).following
    services.follow_set(team, user=reviewer, posting=posting, following=False)
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(team, user=reviewer, interview=candidates[1], value="advance")
        note_add(team, user=viewer, interview=candidates[0], body="a viewer's note")  # viewers do not follow
    assert not Follow.objects.get(user=reviewer, posting=posting).following
    assert not Follow.objects.filter(user=viewer).exists()


def test_beat_runs_the_digest_task_at_the_top_of_each_hour(settings):
    from dashboard.core.tasks import task_named

    entry = settings.CELERY_BEAT_SCHEDULE["send-digests"]
    assert entry["schedule"].minute == {0}
    assert task_named(entry["task"]).delay().get() == 0  # inline here: nothing waiting, nothing sent


def test_a_stage_move_on_a_candidate_i_rated_notifies_me(
    team, admin, reviewer, candidates, django_capture_on_commit_callbacks
):
    from dashboard.review import stages
    from dashboard.review.models import Stage

    rating_set(team, user=reviewer, interview=candidates[0], stars=4)
    offer = Stage.objects.get(team=team, name="Offer")
    with django_capture_on_commit_callbacks(execute=True):
        stages.stage_move(team, user=admin, interview=candidates[0], stage=offer)
    [row] = notes_of(reviewer, Kind.DECISION)
    assert row.text == "alice moved Ana Ruiz, whom you rated, to Offer"


def test_admins_hear_once_when_webhook_deliveries_are_rejected_repeatedly(
    client, team, admin, reviewer, settings
):
    settings.WEBHOOK_MAX_BODY_BYTES = 2048
    url = f"/hooks/heymilo/{team.webhook_token}/"
    for _ in range(4):
        assert client.post(url, "x" * 5000, content_type="application/json").status_code == 413
    assert notes_of(admin) == []  # four in an hour can be a sender's slip
    for _ in range(3):
        client.post(url, "x" * 5000, content_type="application/json")
    [row] = notes_of(admin, Kind.WEBHOOKS_REJECTED)
    assert row.text == "5 webhook deliveries were rejected in the last hour: see the event log"
    assert row.link == "/webhooks/events/" and notes_of(reviewer) == []


def test_an_export_that_fails_tells_whoever_asked_for_it(team, admin, reviewer, posting):
    from dashboard.ingestion.models import Export

    export = Export.objects.create(team=team, posting=posting, requested_by=reviewer, state="running")
    export.fail("HeyMilo answered 500 three times")
    [row] = notes_of(reviewer, Kind.JOB)
    assert row.text == "Export of Account Executive failed: HeyMilo answered 500 three times"
    assert row.link == f"/postings/{posting.remote_id}/exports/"
    assert notes_of(admin) == []


def test_the_digests_one_click_unsubscribe_keeps_its_kinds_in_the_dashboard_only(
    team, admin, reviewer, candidates, smtp_server, django_capture_on_commit_callbacks
):
    note_add(team, user=admin, interview=candidates[0], body="Mine.")
    with django_capture_on_commit_callbacks(execute=True):
        note_add(team, user=reviewer, interview=candidates[0], body="And mine.")
    with django_capture_on_commit_callbacks(execute=True):
        services.digests_send(everyone=True)
    [message] = smtp_server.wait(1)
    url = message["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    assert Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    digest_kinds = {Kind.INTERVIEW_COMPLETED, Kind.REPLY, Kind.DECISION}
    chosen = dict(Preference.objects.filter(user=admin).values_list("kind", "channel"))
    assert chosen == dict.fromkeys(digest_kinds, Channel.IN_APP)
