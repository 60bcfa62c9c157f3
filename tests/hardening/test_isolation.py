"""Every URL the project defines, filled with another team's objects, is a 404 for our admin.

New URL patterns are walked automatically; one whose arguments the walker cannot fill fails
this test until FILLERS learns it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from dashboard.accounts.models import ConnectionCheck, Invitation, Membership
from dashboard.ingestion.models import CandidateIngest, ImportJob
from dashboard.mirror.models import Interview, Posting, SyncRun, TranscriptLine
from dashboard.notifications.models import Notification
from dashboard.review.models import BulkDecision
from dashboard.scorecards.models import ScorecardTemplate
from dashboard.webhooks.models import Delivery, WebhookJob, WebhookSubscription

pytestmark = pytest.mark.django_db

# URLs that are not team data: Django's admin has its own staff checks.
# Django's password reset confirm: its token is one user's, not a team's (tests/mail/test_password_reset.py).
SKIP_PREFIXES = ("admin/", "account/password/reset/")


def has_arguments(pattern) -> bool:
    return bool(pattern.pattern.regex.groupindex)


def walk(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


@pytest.fixture
def theirs(other_team, outsider):
    """One of each object, all belonging to the other team."""
    posting = Posting.objects.create(team=other_team, remote_id="THEIRS01", title="Secret role")
    interview = Interview.objects.create(
        team=other_team, posting=posting, remote_id="int_theirs", name="Secret Candidate", status="completed"
    )
    TranscriptLine.objects.create(
        interview=interview, position=0, speaker="candidate", text="secret words", offset_seconds=0
    )
    return {
        "team": other_team,
        "posting": posting,
        "interview": interview,
        "sync_run": SyncRun.objects.create(team=other_team, scope=SyncRun.Scope.TEAM),
        "check": ConnectionCheck.objects.create(team=other_team, requested_by=outsider),
        "membership": Membership.objects.get(user=outsider),
        # Another team's, addressed to someone else: our admin may neither cancel nor answer it.
        "invitation": Invitation.objects.create(
            team=other_team, email="someone.else@example.com", invited_by=outsider
        ),
        "bulk": BulkDecision.objects.create(team=other_team, value="hold"),
        "import_job": ImportJob.objects.create(
            team=other_team, posting=posting, file_name="x.csv", stored_name="imports/x.csv"
        ),
        "candidate_ingest": CandidateIngest.objects.create(
            team=other_team, posting=posting, name="Secret", email="s@example.com"
        ),
        "webhook_job": WebhookJob.objects.create(team=other_team, kind="refresh"),
        "webhook": WebhookSubscription.objects.create(
            team=other_team, webhook_id="wh_theirs", url="https://example.com/hook"
        ),
        "delivery": Delivery.objects.create(team=other_team, method="POST", body="{}"),
        "mention": make_mention(other_team, interview, outsider),
        "share_link": make_share_link(other_team, interview, outsider),
        "notification": Notification.objects.create(
            team=other_team, recipient=outsider, kind="mention", text="Secret Candidate", link="/"
        ),
        "scorecard_template": ScorecardTemplate.objects.create(team=other_team, name="Secret card"),
    }


def make_mention(team, interview, user):
    from dashboard.review.models import Mention, Note

    note = Note.objects.create(team=team, interview=interview, author=user, body=f"@{user.username} look")
    return Mention.objects.create(team=team, note=note, user=user)


def make_share_link(team, interview, user):
    from dashboard.sharing import services

    link, _token = services.share_link_create(team, user=user, interviews=[interview])
    return link


# URL name -> the kwargs that point at the other team's object.
FILLERS = {
    "posting": lambda o: {"remote_id": o["posting"].remote_id},
    "interview": lambda o: {"remote_id": o["interview"].remote_id},
    "transcript": lambda o: {"remote_id": o["interview"].remote_id},
    "transcript_txt": lambda o: {"remote_id": o["interview"].remote_id},
    "transcript_vtt": lambda o: {"remote_id": o["interview"].remote_id},
    "sync_progress": lambda o: {"run_id": o["sync_run"].id},
    "connection_check_status": lambda o: {"check_id": o["check"].id},
    "member_role": lambda o: {"membership_id": o["membership"].id},
    "member_remove": lambda o: {"membership_id": o["membership"].id},
    "invitation_cancel": lambda o: {"invitation_id": o["invitation"].id},
    "invitation_accept": lambda o: {"invitation_id": o["invitation"].id},
    "invitation_decline": lambda o: {"invitation_id": o["invitation"].id},
    "invitation_resend": lambda o: {"invitation_id": o["invitation"].id},
    # The emailed link's signed token is the credential; one that is not ours is a 404.
    "invitation_open": lambda o: {"token": "not-a-token"},
    # review
    "posting_export": lambda o: {"remote_id": o["posting"].remote_id},
    "posting_manage": lambda o: {"remote_id": o["posting"].remote_id},
    "interview_tab": lambda o: {"remote_id": o["interview"].remote_id, "tab": "resume"},
    "interview_refresh": lambda o: {"remote_id": o["interview"].remote_id},
    "decide": lambda o: {"remote_id": o["interview"].remote_id},
    "interview_stage": lambda o: {"remote_id": o["interview"].remote_id},
    "rate": lambda o: {"remote_id": o["interview"].remote_id},
    "add_note": lambda o: {"remote_id": o["interview"].remote_id},
    "shortlist": lambda o: {"remote_id": o["interview"].remote_id},
    "bulk_result": lambda o: {"batch_id": o["bulk"].id},
    "inbox_open": lambda o: {"mention_id": o["mention"].id},
    "bulk_undo": lambda o: {"batch_id": o["bulk"].id},
    "board": lambda o: {"remote_id": o["posting"].remote_id},
    "board_move": lambda o: {"remote_id": o["posting"].remote_id},
    "board_stages": lambda o: {"remote_id": o["posting"].remote_id},
    # ingestion
    "import_detail": lambda o: {"job_id": o["import_job"].id},
    "import_mapping": lambda o: {"job_id": o["import_job"].id},
    "import_start": lambda o: {"job_id": o["import_job"].id},
    "import_cancel": lambda o: {"job_id": o["import_job"].id},
    "import_progress": lambda o: {"job_id": o["import_job"].id},
    "import_invalid_csv": lambda o: {"job_id": o["import_job"].id},
    "import_results_csv": lambda o: {"job_id": o["import_job"].id},
    "candidate_add": lambda o: {"remote_id": o["posting"].remote_id},
    "candidate_status": lambda o: {"remote_id": o["posting"].remote_id, "item_id": o["candidate_ingest"].id},
    "exports": lambda o: {"remote_id": o["posting"].remote_id},
    # webhooks
    "webhook_job": lambda o: {"job_id": o["webhook_job"].id},
    "delivery_replay": lambda o: {"delivery_id": o["delivery"].id},
    "webhook_detail": lambda o: {"webhook_id": o["webhook"].webhook_id},
    "webhook_deactivate": lambda o: {"webhook_id": o["webhook"].webhook_id},
    # The receiver's token is the credential: another team's token is that team's receiver.
    # An unknown token is a 404, checked here; tests/webhooks cover the rest.
    "webhook_receiver": lambda o: {"token": "not-a-team-token"},
    # sharing
    "share_panel": lambda o: {"remote_id": o["interview"].remote_id},
    "share_create": lambda o: {"remote_id": o["interview"].remote_id},
    "interview_report": lambda o: {"remote_id": o["interview"].remote_id},
    "shortlist_share": lambda o: {"remote_id": o["posting"].remote_id},
    "shortlist_report": lambda o: {"remote_id": o["posting"].remote_id},
    "share_revoke": lambda o: {"link_id": o["share_link"].id},
    # The public page's token is the credential (no team id to forge): an unknown one is a 404
    # here; tests/sharing/test_links.py::test_a_forged_id_or_query_never_shows_another_teams_data
    # holds that a real token never shows another team's rows.
    "shared": lambda o: {"token": "not-a-share-token"},
    "shared_recording": lambda o: {"token": "not-a-share-token", "n": 1},
    # notifications
    "notification_open": lambda o: {"notification_id": o["notification"].id},
    "posting_follow": lambda o: {"remote_id": o["posting"].remote_id},
    # The emailed link's signed token is the credential; one that is not ours is a 404.
    "notifications_unsubscribe": lambda o: {"token": "not-a-token"},
    # analytics: the figure is no object; the posting in its filter is (the page itself says it
    # is not one of ours: tests/analytics)
    "analytics_csv": lambda o: {"figure": "weekly", "?": f"posting={o['posting'].remote_id}"},
    # scorecards
    "scorecard": lambda o: {"remote_id": o["interview"].remote_id},
    "posting_scorecard": lambda o: {"remote_id": o["posting"].remote_id},
    "scorecard_template": lambda o: {"template_id": o["scorecard_template"].id},
    "calibration_csv": lambda o: {"figure": "disputed", "?": f"posting={o['posting'].remote_id}"},
}


def team_urls():
    for route, pattern in walk():
        if route.startswith(SKIP_PREFIXES) or not has_arguments(pattern):
            continue
        yield route, pattern


def test_every_url_with_an_id_is_known_to_the_walker():
    unknown = [f"{route} ({pattern.name})" for route, pattern in team_urls() if pattern.name not in FILLERS]
    assert not unknown, f"teach FILLERS how to fill: {unknown}"


def test_another_teams_ids_are_404_for_get_and_post(login, admin, theirs):
    from django.urls import reverse

    client = login(admin)
    checked = 0
    for _route, pattern in team_urls():
        filler = FILLERS.get(pattern.name)
        if filler is None:
            continue  # the test above fails for it
        # A filler may add a query string under "?" (a filter naming another team's object).
        arguments = dict(filler(theirs))
        query = arguments.pop("?", "")
        url = reverse(pattern.name, kwargs=arguments) + (f"?{query}" if query else "")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            secret = theirs["interview"].name.encode()
            assert secret not in response.content, (method, url)
            if pattern.name == "interview" and response.status_code == 200:
                # Read-through: an unknown id asks HeyMilo with OUR key (which cannot see it)
                # and shows only a loading page meanwhile.
                assert b"Fetching this interview" in response.content
                continue
            assert response.status_code in (404, 405), (method, url, response.status_code)
            checked += 1
    assert checked >= len(FILLERS)
