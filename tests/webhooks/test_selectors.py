"""The webhook pages' reads (dashboard/webhooks/selectors.py): each sees its own team's rows only,
and a forged interview id is never looked up or linked."""

import pytest

from dashboard.mirror.models import Interview, Posting
from dashboard.webhooks import selectors
from dashboard.webhooks.models import EVENT_NAMES, Delivery, WebhookSubscription

pytestmark = pytest.mark.django_db

URL = "https://dash.example/webhooks/receive/t/"


def subscription(team, webhook_id, posting_id="P-1", event_type="interview_completed", **values):
    return WebhookSubscription.objects.create(
        team=team, webhook_id=webhook_id, posting_id=posting_id, event_type=event_type, url=URL, **values
    )


def test_the_webhooks_list_is_the_teams_filtered_and_titled(team, other_team):
    Posting.objects.create(team=team, remote_id="P-1", title="Backend Engineer")
    Posting.objects.create(team=other_team, remote_id="P-2", title="Their posting")
    subscription(team, "wh_1")
    subscription(team, "wh_2", event_type="report_available", is_active=False)
    subscription(team, "wh_3", posting_id="P-2")  # a posting this team does not have
    subscription(other_team, "wh_theirs")
    rows = selectors.subscription_rows(team)
    assert [r.webhook_id for r in rows] == ["wh_1", "wh_3", "wh_2"]  # active first
    assert [r.posting_title for r in rows] == ["Backend Engineer", "P-2", "Backend Engineer"]
    reports = selectors.subscription_rows(team, event_type="report_available")
    assert [r.webhook_id for r in reports] == ["wh_2"]
    assert [r.webhook_id for r in selectors.subscription_rows(team, posting="P-2")] == ["wh_3"]
    assert selectors.posting_choices(team) == [("P-1", "Backend Engineer")]


def test_a_posting_is_connected_only_by_its_active_hooks_to_this_receiver(team, other_team):
    for n, event in enumerate(EVENT_NAMES):
        subscription(other_team, f"wh_theirs_{n}", event_type=event)
    subscription(team, "wh_1", event_type=EVENT_NAMES[0])
    subscription(team, "wh_2", event_type=EVENT_NAMES[1], is_active=False)
    WebhookSubscription.objects.create(
        team=team,
        webhook_id="wh_3",
        posting_id="P-1",
        event_type=EVENT_NAMES[2],
        url="https://elsewhere.example/",
    )
    hook = selectors.connected_events(team, posting_id="P-1", url=URL)
    assert hook == {"connected": False, "events": [EVENT_NAMES[0]], "missing": EVENT_NAMES[1:]}


def test_the_event_log_labels_verified_deliveries_and_not_a_forged_id(team, other_team):
    posting = Posting.objects.create(team=team, remote_id="P-1", title="Backend Engineer")
    Interview.objects.create(team=team, posting=posting, remote_id="int_ada", name="Ada Lovelace")
    Interview.objects.create(team=team, posting=posting, remote_id="../int_ada", name="Forged")

    def delivery(owner, interview_id, state=Delivery.State.PROCESSED):
        return Delivery.objects.create(
            team=owner,
            method="POST",
            body="{}",
            state=state,
            event_type="interview_completed",
            interview_id=interview_id,
        )

    ada = delivery(team, "int_ada")
    forged = delivery(team, "../int_ada")
    rejected = delivery(team, "int_ada", state=Delivery.State.REJECTED)
    delivery(other_team, "int_ada")
    page = selectors.delivery_page(team)
    assert [d.id for d in page.object_list] == [rejected.id, forged.id, ada.id]
    labels = {d.id: d.label for d in page.object_list}
    assert labels[ada.id] is not None and labels[ada.id].name == "Ada Lovelace"
    assert labels[forged.id] is None and labels[rejected.id] is None
    assert [d.id for d in selectors.delivery_page(team, state=Delivery.State.REJECTED).object_list] == [
        rejected.id
    ]


def test_live_notices_are_the_teams_processed_deliveries_after_the_page(team, other_team):
    before = Delivery.objects.create(
        team=team,
        method="POST",
        body="{}",
        state=Delivery.State.PROCESSED,
        event_type="interview_completed",
        interview_id="int_old",
    )
    after = selectors.latest_delivery_id(team)
    assert after == before.id
    new = Delivery.objects.create(
        team=team,
        method="POST",
        body="{}",
        state=Delivery.State.PROCESSED,
        event_type="interview_completed",
        interview_id="int_new",
    )
    Delivery.objects.create(team=team, method="POST", body="{}", state=Delivery.State.RECEIVED)
    Delivery.objects.create(
        team=other_team,
        method="POST",
        body="{}",
        state=Delivery.State.PROCESSED,
        event_type="interview_completed",
        interview_id="int_theirs",
    )
    notices = selectors.notices(team, after=after)
    assert [(n["id"], n["name"], n["interview"]) for n in notices] == [(new.id, "A candidate", None)]
