"""Faults around the app: a dropped database connection, HeyMilo down while pages keep serving."""

import pytest
from django.db import close_old_connections, connection

from dashboard.mirror.models import Posting, SyncRun
from dashboard.webhooks.models import Delivery
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db(transaction=True)


def kill_our_backend() -> None:
    """Terminates this thread's PostgreSQL backend, as a database restart or a proxy timeout would."""
    import psycopg

    pid = connection.cursor().connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True
    ) as admin_conn:
        admin_conn.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_dropped_postgres_connection_fails_one_request_cleanly_and_the_next_works(login, viewer, team):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://... (CI does)")
    client = login(viewer)
    assert client.get("/").status_code == 200
    kill_our_backend()
    client.raise_request_exception = False
    first = client.get("/")
    assert first.status_code in (200, 500)  # at worst a clean error page, no hang
    connection.close()  # Django drops a broken connection at the end of a request
    assert client.get("/").status_code == 200


def test_a_webhook_delivery_on_a_dropped_postgres_connection_is_stored_not_lost(client, team):
    """A kept connection the database dropped is replaced at the start of the next request by
    Django's CONN_HEALTH_CHECKS, and the delivery is stored on the new one."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://... (CI does)")
    url = f"/hooks/heymilo/{team.webhook_token}/"
    body = '{"event_type": "interview_started", "interview_id": "int_1"}'
    assert client.post(url, body, content_type="application/json").status_code == 202
    kill_our_backend()
    # What the real handler does on request_started (the test client leaves it out): mark the kept
    # connection for a health check before its next use.
    close_old_connections()
    client.raise_request_exception = False
    response = client.post(url, body.replace("int_1", "int_2"), content_type="application/json")
    assert response.status_code == 202
    assert Delivery.objects.get(pk=response.json()["delivery"]).body.endswith('"int_2"}')
    assert Delivery.objects.filter(team=team).count() == 2


def test_heymilo_down_keeps_the_mirror_serving_with_a_stale_banner(
    login, viewer, team, sandbox, settings, django_capture_on_commit_callbacks
):
    from dashboard.mirror import services

    settings.HEYMILO_MAX_RETRIES = 0
    point_team_at(team, sandbox)
    services.sync_request(team)  # transaction=True: on-commit work runs at once
    assert SyncRun.objects.get().state == SyncRun.State.DONE
    sandbox.add_fault("drop", rate=1.0)  # HeyMilo unreachable
    services.sync_request(team)
    html = login(viewer).get("/postings/").text
    assert "The last sync with HeyMilo failed" in html
    assert Posting.objects.first().title in html
    sandbox.clear_faults()  # HeyMilo is back: the next sync completes and the banner goes
    services.sync_request(team)
    assert "The last sync with HeyMilo failed" not in login(viewer).get("/postings/").text
