"""The security baseline's account items that tests/accounts leaves open: session fixation, every
session ended by a password change however it is made, a throttle that cookies cannot dodge, the
API key absent from logs and stored state during syncs and failures, and where uploads are kept.
"""

import logging
import re
from importlib import import_module
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve

from dashboard.accounts import throttle
from dashboard.accounts.models import ConnectionCheck, KeyStatus, Team
from dashboard.mirror.models import SyncRun
from tests.factories import PASSWORD
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db

SECRET_KEY_LOOKALIKE = "hm_live_SECRET_4c1d9e8f7a6b5c4d3e2f1a0b"


def sign_in(username: str, ip: str = "10.0.0.1") -> Client:
    """A real sign-in through the form (not force_login), as a browser does it."""
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.status_code
    return client


def signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "_auth_user_id" in client.session


def session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


# --- sessions -----------------------------------------------------------------------------------


def test_a_session_id_planted_before_sign_in_is_dropped_at_sign_in(admin):
    """Session fixation: an attacker who set the victim's session cookie gains nothing."""
    planted = session_store()()
    planted["planted"] = True
    planted.create()
    victim = Client()
    victim.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    response = victim.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert victim.cookies[settings.SESSION_COOKIE_NAME].value != planted.session_key
    assert not session_store()().exists(planted.session_key)  # deleted, not only abandoned
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert not signed_in(attacker)
    assert signed_in(victim)


def test_a_password_change_ends_every_other_session_and_a_copied_cookie(admin, viewer):
    laptop, phone = sign_in("alice"), sign_in("alice", ip="10.0.0.2")
    stolen = Client()  # a copy of the laptop's cookie taken before the change
    stolen.cookies[settings.SESSION_COOKIE_NAME] = laptop.cookies[settings.SESSION_COOKIE_NAME].value
    someone_else = sign_in("carol")
    assert signed_in(phone) and signed_in(stolen)
    response = laptop.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase 42",
            "new_password2": "a brand new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert signed_in(laptop)  # the session that changed it stays, under a new key
    assert not signed_in(phone)
    assert not signed_in(stolen)
    assert signed_in(someone_else)  # other people are not signed out


def test_a_password_set_by_an_operator_ends_every_session_of_that_user(admin, viewer, monkeypatch):
    laptop, phone, someone_else = sign_in("alice"), sign_in("alice", ip="10.0.0.2"), sign_in("carol")
    # `manage.py changepassword alice`, as an operator resets a forgotten password.
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "an operator set this 73")
    call_command("changepassword", "alice", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(someone_else)
    assert (
        Client().post("/login/", {"username": "alice", "password": "an operator set this 73"}).status_code
        == 302
    )


# --- login throttling -----------------------------------------------------------------------------


def test_the_throttle_holds_against_fresh_cookies_and_many_addresses(admin, settings):
    """Failures are counted on the server per username: dropping cookies or rotating addresses
    (a botnet) does not reset them."""
    settings.LOGIN_THROTTLE_FAILURES = 4
    for n in range(4):
        Client().post("/login/", {"username": "alice", "password": f"guess {n}"}, REMOTE_ADDR=f"10.7.0.{n}")
    fresh = Client()
    response = fresh.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.7.9.9")
    assert response.status_code == 200 and "Too many failed sign-in attempts" in response.text
    assert "_auth_user_id" not in fresh.session


def test_the_throttle_ignores_x_forwarded_for_spoofing(admin, settings, monkeypatch):
    """Each attempt claims a new client address in X-Forwarded-For; the slow-down per address holds."""
    settings.LOGIN_THROTTLE_IP_FAILURES = 3
    # Every attempt in one delay window: on a loaded machine the last one once fell in the next
    # window, which lets one attempt through (as it should).
    monkeypatch.setattr(throttle, "_now", lambda: 1000.0)
    for n in range(3):
        Client().post(
            "/login/",
            {"username": f"user{n}", "password": "x"},
            REMOTE_ADDR="10.8.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = Client().post(
        "/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.8.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert "Too many failed" in response.text


# --- the API key: encrypted at rest, never in logs or stored errors -------------------------------


def raw_key_column(team) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_encrypted FROM accounts_team WHERE id = %s", [team.id])
        return cursor.fetchone()[0]


def test_the_key_column_holds_a_fernet_token_that_only_the_configured_key_opens(team, other_team, settings):
    team.set_api_key(SECRET_KEY_LOOKALIKE)
    team.save()
    other_team.set_api_key(SECRET_KEY_LOOKALIKE)
    other_team.save()
    raw, raw_other = raw_key_column(team), raw_key_column(other_team)
    assert SECRET_KEY_LOOKALIKE not in raw and SECRET_KEY_LOOKALIKE[8:20] not in raw
    # Encrypted, not encoded: the same key gives different ciphertexts (a random IV each time),
    # and the configured Fernet key, and only it, opens them.
    assert raw != raw_other
    newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    assert newest.decrypt(raw.encode()).decode() == SECRET_KEY_LOOKALIKE
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(raw.encode())
    assert SECRET_KEY_LOOKALIKE not in repr(Team.objects.get(id=team.id).__dict__)


def everything_stored_about(team) -> str:
    """Every text column the team's runs and checks keep, as one string to grep."""
    texts = [repr(row) for row in SyncRun.objects.filter(team=team).values()]
    texts += [repr(row) for row in ConnectionCheck.objects.filter(team=team).values()]
    return "\n".join(texts)


@pytest.fixture
def all_logs(caplog):
    """Every logger at DEBUG, urllib3's and requests' included (they print URLs and headers)."""
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "requests", "heymilo", "celery", "django", "dashboard"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def pages_of(client, team) -> str:
    run = SyncRun.objects.filter(team=team).order_by("-id").first()
    urls = ["/", "/settings/", "/postings/"] + ([f"/syncs/{run.id}/"] if run else [])
    return "".join(client.get(url).text for url in urls)


def test_a_sync_never_logs_stores_or_shows_the_key(
    login, admin, team, sandbox, all_logs, django_capture_on_commit_callbacks
):
    from dashboard.mirror import services

    point_team_at(team, sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_request(team)
    run = SyncRun.objects.get(team=team)
    assert run.state == SyncRun.State.DONE, run.message
    assert any(r.name.startswith("heymilo") for r in all_logs.records)  # the logs were captured
    key = sandbox.api_key
    assert key not in all_logs.text
    assert key not in everything_stored_about(team)
    assert key not in pages_of(login(admin), team)


def test_a_rejected_key_is_not_echoed_in_logs_errors_or_pages(
    login, admin, team, sandbox, all_logs, django_capture_on_commit_callbacks
):
    """HeyMilo's 401 is where a key most often leaks: error bodies and messages quote it."""
    from dashboard.mirror import services

    point_team_at(team, sandbox, key=SECRET_KEY_LOOKALIKE)
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_request(team)
        client.post("/settings/connection-checks/", HTTP_HX_REQUEST="true")
    run = SyncRun.objects.get(team=team)
    check = ConnectionCheck.objects.get(team=team)
    assert run.state == SyncRun.State.FAILED
    assert check.outcome == ConnectionCheck.Outcome.UNAUTHORIZED
    team.refresh_from_db()
    assert team.api_key_status == KeyStatus.INVALID
    for text in (all_logs.text, everything_stored_about(team), pages_of(client, team)):
        assert SECRET_KEY_LOOKALIKE not in text
        assert SECRET_KEY_LOOKALIKE[:-4] not in text  # not even all but the shown last four


@pytest.mark.parametrize(
    "bad",
    ["hm_live_SECRET_4c1d9e8f7a6b\n5c4d3e2f", "hm_live_SECRET_4c1d9e8f7a6b\u200b5c4d"],
    ids=["newline_inside", "zero_width_space_inside"],
)
def test_a_key_with_characters_no_header_may_hold_fails_the_check_cleanly_without_leaking(
    login, admin, team, sandbox, all_logs, django_capture_on_commit_callbacks, bad
):
    """A key pasted with a line break or an invisible character (copied from a PDF or a chat)."""
    point_team_at(team, sandbox, key=bad)
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/connection-checks/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    check = ConnectionCheck.objects.get(team=team)
    assert check.state == ConnectionCheck.State.FAILED and check.outcome != ConnectionCheck.Outcome.OK
    for text in (all_logs.text, everything_stored_about(team), pages_of(client, team)):
        assert bad not in text and bad[8:26] not in text


@pytest.mark.parametrize("bad", ["abc def", "abc\ndef", "abc\u200bdef", "clé"])
def test_the_settings_form_refuses_a_key_no_http_header_can_carry(login, admin, team, bad):
    response = login(admin).post(
        "/settings/",
        {
            "name": team.name,
            "heymilo_base_url": team.heymilo_base_url,
            "default_phone_region": "US",
            "api_key": bad,
        },
    )
    assert response.status_code == 200
    assert "copy it again from HeyMilo" in response.text
    team.refresh_from_db()
    assert not team.has_api_key


# --- uploads: limits, and kept out of reach under generated names -------------------------------


def test_uploads_are_stored_outside_everything_the_web_serves():
    """The production settings, not a test override: the upload directory is neither static nor
    templates, and no URL maps onto it."""
    location = Path(settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    served = [
        Path(settings.STATIC_ROOT),
        *map(Path, settings.STATICFILES_DIRS),
        *(Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])),
    ]
    for directory in served:
        directory = directory.resolve()
        assert not location.is_relative_to(directory), (location, directory)
        assert not directory.is_relative_to(location), (location, directory)
    assert not getattr(settings, "MEDIA_ROOT", "") or Path(settings.MEDIA_ROOT).resolve() != location
    for probe in ("/media/imports/x.csv", "/uploads/imports/x.csv", "/imports/x.csv"):
        with pytest.raises(Resolver404):
            resolve(probe)


@pytest.fixture
def upload_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    settings.UPLOAD_STORAGE = "default"  # on disk, to look at the files
    return tmp_path / "uploads"


@pytest.mark.parametrize(
    "name",
    [
        "../../static/js/app.js",
        "evil.html",
        "..\\..\\settings.py",
        "a" * 300 + ".csv",
        "café résumé.csv",
        "x.csv\x00.php",
    ],
    ids=["traversal", "html", "windows_traversal", "too_long", "non_ascii", "nul_in_name"],
)
def test_an_upload_is_kept_under_a_generated_name_whatever_it_was_called(
    login, reviewer, team, upload_storage, name
):
    from dashboard.ingestion.models import ImportJob

    posting = team.postings.create(remote_id="P-UP", title="Role", url_key="k")
    upload = SimpleUploadedFile(name, b"name,email\nAda,ada@example.com\n", content_type="text/html")
    response = login(reviewer).post("/imports/upload/", {"posting": posting.id, "file": upload})
    assert response.status_code in (302, 400), response.status_code
    files = [p for p in upload_storage.rglob("*") if p.is_file()]
    if response.status_code == 400:
        assert not files and not ImportJob.objects.exists()
        return
    job = ImportJob.objects.get()
    assert re.fullmatch(r"imports/[0-9a-f]{32}\.csv", job.stored_name), job.stored_name
    assert files == [upload_storage / job.stored_name]
    assert not (upload_storage.parent / "static").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a text file"),
        (b"PK\x03\x04" + b"\x00" * 64, "Excel workbook"),
        (b"%PDF-1.7\n" + b"x" * 64, "not a text file"),
        (b"MZ\x90\x00\x03" + b"\x00" * 64, "binary"),
    ],
    ids=["png_named_csv", "xlsx_named_csv", "pdf_named_csv", "exe_named_csv"],
)
def test_the_type_is_judged_by_content_not_by_the_name(
    login, reviewer, team, upload_storage, content, message
):
    from dashboard.ingestion.models import ImportJob

    posting = team.postings.create(remote_id="P-UP", title="Role", url_key="k")
    upload = SimpleUploadedFile("candidates.csv", content, content_type="text/csv")
    response = login(reviewer).post("/imports/upload/", {"posting": posting.id, "file": upload})
    assert response.status_code == 400 and message in response.text
    assert not ImportJob.objects.exists() and not any(p.is_file() for p in upload_storage.rglob("*"))


def test_the_upload_size_limit_is_checked_before_the_file_is_stored(
    login, reviewer, team, upload_storage, settings
):
    settings.UPLOAD_MAX_BYTES = 2048
    posting = team.postings.create(remote_id="P-UP", title="Role", url_key="k")
    upload = SimpleUploadedFile("big.csv", b"name,email\n" + b"Ada,ada@example.com\n" * 200)
    response = login(reviewer).post("/imports/upload/", {"posting": posting.id, "file": upload})
    assert response.status_code == 413 and "the most one import takes" in response.text
    assert not upload_storage.exists() or not any(p.is_file() for p in upload_storage.rglob("*"))
