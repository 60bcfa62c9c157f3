"""Read-through (issue 25): made-up interview ids cannot make the dashboard spend the team's HeyMilo
rate limit. Ids HeyMilo named (a delivery, an import) are fetched freely; others a few a minute."""

import pytest

from dashboard.mirror.models import SyncRun
from dashboard.webhooks.models import Delivery
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewing(login, viewer, team, sandbox, settings):
    settings.READ_THROUGH_PER_MINUTE = 3
    point_team_at(team, sandbox)
    return login(viewer)


def _runs(remote_id: str) -> int:
    return SyncRun.objects.filter(scope=SyncRun.Scope.INTERVIEW, target=remote_id).count()


def test_a_person_has_only_a_few_unknown_ids_fetched_a_minute(viewing):
    for n in range(3):
        response = viewing.get(f"/interviews/int_made_up_{n}/")
        assert response.status_code == 200 and "Fetching this interview" in response.text
    response = viewing.get("/interviews/int_made_up_3/")
    assert response.status_code == 429
    assert "This interview is not in the dashboard" in response.text
    assert "3 such interviews fetched from HeyMilo in the last minute" in response.text
    assert _runs("int_made_up_3") == 0  # nothing asked of HeyMilo
    # An id already asked for is polled, not counted again.
    assert viewing.get("/interviews/int_made_up_0/").status_code == 200
    assert _runs("int_made_up_0") == 1


def test_an_id_named_by_a_webhook_delivery_is_fetched_past_the_limit(viewing, team, settings):
    settings.READ_THROUGH_PER_MINUTE = 0
    assert viewing.get("/interviews/int_made_up/").status_code == 429
    Delivery.objects.create(
        team=team,
        method="GET",
        interview_id="int_announced",
        query={"event_type": "interview_completed", "interview_id": "int_announced"},
    )
    response = viewing.get("/interviews/int_announced/")
    assert response.status_code == 200 and "Fetching this interview" in response.text
    assert _runs("int_announced") == 1


def test_an_id_named_by_an_import_is_fetched_past_the_limit(viewing, team, settings):
    from dashboard.ingestion.models import CandidateIngest
    from tests.review.conftest import make_posting

    settings.READ_THROUGH_PER_MINUTE = 0
    assert viewing.get("/interviews/int_made_up/").status_code == 429
    CandidateIngest.objects.create(
        team=team, posting=make_posting(team), name="Ada", email="a@x.io", interview_id="int_invited"
    )
    assert viewing.get("/interviews/int_invited/").status_code == 200
    assert _runs("int_invited") == 1


def test_another_teams_delivery_does_not_vouch_for_an_id(viewing, other_team, settings):
    settings.READ_THROUGH_PER_MINUTE = 0
    Delivery.objects.create(team=other_team, method="GET", interview_id="int_theirs")
    assert viewing.get("/interviews/int_theirs/").status_code == 429
    assert _runs("int_theirs") == 0
