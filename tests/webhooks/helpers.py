"""Shared helpers for webhook tests: a synced team and deliveries sent to its receiver."""

import json

from dashboard.mirror.models import SyncRun
from tests.mirror.helpers import point_team_at


def sync(team, sandbox, capture, key=None):
    from dashboard.mirror import services

    point_team_at(team, sandbox, key)
    with capture(execute=True):
        services.sync_request(team)
    assert SyncRun.objects.filter(scope=SyncRun.Scope.TEAM).first().state == SyncRun.State.DONE
    return team


def hook_url(team) -> str:
    return f"/hooks/heymilo/{team.webhook_token}/"


def post_event(client, team, capture=None, **payload):
    body = json.dumps(payload)
    if capture is None:
        return client.post(hook_url(team), body, content_type="application/json")
    with capture(execute=True):
        return client.post(hook_url(team), body, content_type="application/json")
