"""Faults around the app: a dropped database connection, HeyMilo down while pages keep serving."""

import pytest
from django.db import connection

from dashboard.mirror.models import Posting, SyncRun
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_dropped_postgres_connection_fails_one_request_cleanly_and_the_next_works(login, viewer, team):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://... (CI does)")
    from django.db import connections

    client = login(viewer)
    assert client.get("/").status_code == 200
    pid = connection.cursor().connection.info.backend_pid
    # Kill our own server-side backend, as a database restart or a proxy timeout would.
    with connections["default"].cursor():
        pass
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"},
                         autocommit=True) as admin_conn:
        admin_conn.execute("SELECT pg_terminate_backend(%s)", [pid])
    client.raise_request_exception = False
    first = client.get("/")
    assert first.status_code in (200, 500)  # at worst a clean error page, no hang
    connection.close()  # Django drops a broken connection at the end of a request
    assert client.get("/").status_code == 200


def test_heymilo_down_keeps_the_mirror_serving_with_a_stale_banner(
        login, viewer, team, sandbox, settings, django_capture_on_commit_callbacks):
    from dashboard.mirror import services

    settings.HEYMILO_MAX_RETRIES = 0
    point_team_at(team, sandbox)
    services.request_sync(team)  # transaction=True: on-commit work runs at once
    assert SyncRun.objects.get().state == SyncRun.State.SUCCEEDED
    sandbox.add_fault("drop", rate=1.0)  # HeyMilo unreachable
    services.request_sync(team)
    html = login(viewer).get("/postings/").text
    assert "The last sync with HeyMilo failed" in html
    assert Posting.objects.first().title in html
    sandbox.clear_faults()  # HeyMilo is back: the next sync completes and the banner goes
    services.request_sync(team)
    assert "The last sync with HeyMilo failed" not in login(viewer).get("/postings/").text
