"""API keys: write-only in the UI, encrypted at rest, rotatable."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from dashboard.accounts.models import KeyStatus, Team

pytestmark = pytest.mark.django_db

KEY = "hm_live_5b7e2c9a1f3d4e6b8c0a2d4f6e8b0c2d"


def raw_key_column(team) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_encrypted FROM accounts_team WHERE id = %s", [team.id])
        return cursor.fetchone()[0]


def settings_form(**overrides):
    return {
        "name": "Acme Hiring",
        "heymilo_base_url": "http://127.0.0.1:9",
        "default_phone_region": "US",
        **overrides,
    }


def test_it_stores_a_new_key_encrypted_and_never_renders_it(login, admin, team):
    client = login(admin)
    response = client.post("/settings/", settings_form(api_key=KEY), follow=True)
    assert response.status_code == 200
    team.refresh_from_db()
    assert team.api_key == KEY
    assert team.api_key_status == KeyStatus.UNTESTED
    raw = raw_key_column(team)
    assert KEY not in raw and KEY[-12:] not in raw
    page = client.get("/settings/").text
    assert KEY not in page
    assert "•••• 0c2d" in page


def test_it_keeps_the_key_when_the_field_is_left_empty(login, admin, team):
    team.set_api_key(KEY)
    team.save()
    login(admin).post("/settings/", settings_form(api_key="", name="Renamed"))
    team.refresh_from_db()
    assert team.name == "Renamed"
    assert team.api_key == KEY


def test_it_rejects_a_bad_phone_region(login, admin):
    response = login(admin).post("/settings/", settings_form(default_phone_region="U1"))
    assert "two-letter country code" in response.text


def test_it_rotates_keys_to_the_newest_encryption_key(settings, team):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    team.set_api_key(KEY)
    team.save()
    before = raw_key_column(team)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_keys")
    after = raw_key_column(team)
    assert after != before
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone and the value still decrypts
    assert Team.objects.get(id=team.id).api_key == KEY


def test_it_fails_clearly_when_the_encryption_key_is_lost(settings, team):
    from django.core.exceptions import ImproperlyConfigured

    team.set_api_key(KEY)
    team.save()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="rotate_keys"):
        _ = Team.objects.get(id=team.id).api_key
