"""Fixtures for the review tests: a team synced from the sandbox, or rows made by hand."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.mirror.models import Interview, Posting, SyncRun
from tests.mirror.helpers import point_team_at

_ids = itertools.count(1)


@pytest.fixture
def synced(team, sandbox, settings, django_capture_on_commit_callbacks):
    from dashboard.mirror import services

    settings.HEYMILO_PAGE_SIZE = 100
    point_team_at(team, sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_request(team)
    assert SyncRun.objects.get().state == SyncRun.State.DONE
    return team


def make_posting(team, **fields) -> Posting:
    n = next(_ids)
    fields.setdefault("title", f"Posting {n}")
    return Posting.objects.create(team=team, remote_id=f"post_{n}", **fields)


def make_interview(team, posting=None, **fields) -> Interview:
    """An Interview row with a minimal API document; fields override the derived columns."""
    n = next(_ids)
    remote_id = fields.pop("remote_id", f"int_{n:05d}")
    fields.setdefault("name", f"Candidate {n:05d}")
    fields.setdefault("email", f"c{n}@example.com")
    fields.setdefault("status", "completed")
    fields.setdefault("interviewed_on", timezone.now() - timedelta(days=n % 30))
    document = fields.pop("document", None) or {
        "interview_id": remote_id,
        "details": {"name": fields["name"], "email": fields["email"], "status": fields["status"]},
    }
    return Interview.objects.create(
        team=team,
        posting=posting,
        remote_id=remote_id,
        posting_remote_id=posting.remote_id if posting else "",
        document=document,
        **fields,
    )


@pytest.fixture
def posting(team):
    return make_posting(team, title="Backend engineer")
