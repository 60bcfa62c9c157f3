"""A team admin cannot send the team's stored API key to a host of their choosing.

The base URL is where the key goes: changing it needs the key typed again; it must be https (plain
http only to allow-listed hosts), with no fragment, userinfo or query; it may not reach a private,
loopback, link-local or metadata address, checked when connecting (a name's DNS can change after
saving); and whatever the far end answers is never shown raw.
"""

import json

import pytest

from dashboard.accounts.models import ConnectionCheck, KeyStatus
from dashboard.mirror.models import SyncRun
from tests.heymilo.recording_listener import RecordingListener, local_private_name

pytestmark = pytest.mark.django_db

KEY = "hm_live_7d1f0a9c3e5b4d2f8a6c0e1b3d5f7a9c"
NEW_KEY = "hm_live_0a2c4e6b8d1f3a5c7e9b0d2f4a6c8e1b"
BASE = "http://127.0.0.1:9"  # the factory's


@pytest.fixture
def keyed_team(team):
    team.set_api_key(KEY)
    team.save()
    return team


@pytest.fixture
def production(settings):
    """The allow-list production starts with (DEBUG=0 and HEYMILO_ALLOWED_HOSTS unset)."""
    settings.HEYMILO_ALLOWED_HOSTS = []
    return settings


def post_settings(client, team, **fields):
    data = {
        "name": team.name,
        "heymilo_base_url": BASE,
        "default_phone_region": "US",
        "api_key": "",
        **fields,
    }
    return client.post("/settings/", data)


def assert_unchanged(team, url=BASE, key=KEY, name="Acme Hiring"):
    team.refresh_from_db()
    assert (team.heymilo_base_url, team.api_key, team.name) == (url, key, name)


# --- the settings form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://api.example.com", "Use an https:// address."),
        ("http://api.example.com", "plain http:// would send the API key unencrypted"),
        ("https://api.example.com/x#", "Remove the #fragment from the address."),
        ("https://user:secret@api.example.com", "Remove the user name or password from the address."),
        ("https://api.example.com/?debug=1", "Remove the ?query from the address."),
        ("https://169.254.169.254", "169.254.169.254 is a cloud metadata address: not allowed."),
        ("https://10.0.0.5", "10.0.0.5 is a private address: not allowed."),
        ("https://10.0.0.5:22", "10.0.0.5 is a private address: not allowed."),
    ],
)
def test_the_form_refuses_a_base_url_the_key_must_not_go_to(login, admin, keyed_team, url, message):
    response = post_settings(login(admin), keyed_team, heymilo_base_url=url, api_key=NEW_KEY)

    assert response.status_code == 200
    assert message in response.text
    assert_unchanged(keyed_team)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8765", "plain http:// would send the API key unencrypted"),
        ("http://localhost:8765", "plain http:// would send the API key unencrypted"),
        ("https://[::1]:8765", "::1 is a loopback address: not allowed."),
        ("https://localhost", "localhost is a loopback address: not allowed."),
    ],
)
def test_loopback_is_for_development_only(login, admin, keyed_team, settings, url, message):
    client = login(admin)
    development = settings.HEYMILO_ALLOWED_HOSTS
    settings.HEYMILO_ALLOWED_HOSTS = []  # production's default

    response = post_settings(client, keyed_team, heymilo_base_url=url, api_key=NEW_KEY)

    assert message in response.text
    assert_unchanged(keyed_team)

    settings.HEYMILO_ALLOWED_HOSTS = development  # the local sandbox must keep working
    post_settings(client, keyed_team, heymilo_base_url=url, api_key=NEW_KEY)
    assert_unchanged(keyed_team, url=url, key=NEW_KEY)


def test_an_operator_can_allow_list_an_internal_host(login, admin, keyed_team, production):
    client = login(admin)
    url = "http://heymilo-proxy.internal:8080"

    assert "unencrypted" in post_settings(client, keyed_team, heymilo_base_url=url, api_key=NEW_KEY).text
    assert_unchanged(keyed_team)

    production.HEYMILO_ALLOWED_HOSTS = ["heymilo-proxy.internal:8080"]
    post_settings(client, keyed_team, heymilo_base_url=url, api_key=NEW_KEY)
    assert_unchanged(keyed_team, url=url, key=NEW_KEY)


def test_a_new_base_url_needs_the_key_typed_again(login, admin, keyed_team):
    client = login(admin)
    # The same address (a trailing slash aside) needs no key.
    post_settings(client, keyed_team, heymilo_base_url=BASE + "/", name="Renamed")
    assert_unchanged(keyed_team, name="Renamed")

    response = post_settings(
        client, keyed_team, name="Renamed again", heymilo_base_url="https://attacker.example"
    )

    assert response.status_code == 200
    assert "Enter the API key again to use it with a new base URL." in response.text
    assert_unchanged(keyed_team, name="Renamed")  # old URL, same key, not even the new name

    post_settings(
        client, keyed_team, heymilo_base_url="https://eu.heymilo.example", api_key=NEW_KEY, name="Renamed"
    )
    assert_unchanged(keyed_team, url="https://eu.heymilo.example", key=NEW_KEY, name="Renamed")


# --- at connection time: a stored URL whose name now resolves inside --------------------------


@pytest.fixture
def inside():
    """A listener at this machine's non-public address, and a base URL naming it by host name:
    what a saved https URL looks like after its DNS was changed to point inside."""
    found = local_private_name()
    if found is None:
        pytest.skip("this machine's host name does not resolve to a local non-public address")
    name, address = found
    with RecordingListener(address) as listener:
        listener.base_url = f"https://{name}:{listener.port}"
        yield listener


def test_a_sync_never_sends_the_key_to_a_name_that_resolves_to_a_private_address(
    keyed_team, production, inside, django_capture_on_commit_callbacks
):
    from dashboard.mirror import services

    keyed_team.heymilo_base_url = inside.base_url  # saved before its DNS changed
    keyed_team.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.sync_request(keyed_team)

    run = SyncRun.objects.get()
    assert run.state == SyncRun.State.FAILED
    assert run.outcome == "AddressNotAllowed"
    assert f"resolves to {inside.host}" in run.message and "address: not allowed" in run.message
    assert inside.connections == 0 and inside.requests == []


def test_test_connection_refuses_a_private_address_without_connecting(
    login, admin, keyed_team, production, inside, django_capture_on_commit_callbacks
):
    keyed_team.heymilo_base_url = inside.base_url
    keyed_team.save()
    client = login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/connection-checks/", HTTP_HX_REQUEST="true")

    check = ConnectionCheck.objects.get(team=keyed_team)
    assert check.outcome == ConnectionCheck.Outcome.UNREACHABLE
    assert "address: not allowed. Nothing was sent: check the base URL." in check.message
    assert inside.connections == 0
    keyed_team.refresh_from_db()
    assert keyed_team.api_key_status == KeyStatus.UNTESTED  # not blamed on the key


def test_a_stored_plain_http_loopback_url_is_refused_in_production(
    login, admin, keyed_team, production, django_capture_on_commit_callbacks
):
    from dashboard.mirror import services

    with RecordingListener() as listener:
        keyed_team.heymilo_base_url = listener.url  # put there before the rules, or by the admin site
        keyed_team.save()
        with django_capture_on_commit_callbacks(execute=True):
            services.sync_request(keyed_team)
            login(admin).post("/settings/connection-checks/", HTTP_HX_REQUEST="true")

        assert SyncRun.objects.get().message.startswith("Base URL refused. Use https://")
        assert "Base URL refused" in ConnectionCheck.objects.get().message
        assert listener.connections == 0


# --- what the far end answers is never shown raw ----------------------------------------------

HTML_BODY = (
    "<!doctype html><html><head><title>Internal admin</title></head><body>"
    + "<p>secret-internal-banner row</p>" * 160
    + "</body></html>"
)


@pytest.mark.parametrize("status", [400, 500])
def test_an_html_error_body_never_reaches_the_syncs_or_settings_page(
    login, admin, keyed_team, settings, django_capture_on_commit_callbacks, status
):
    from dashboard.mirror import services

    settings.HEYMILO_MAX_RETRIES = 0
    assert len(HTML_BODY) > 5000
    with RecordingListener(status=status, body=HTML_BODY, content_type="text/html") as listener:
        keyed_team.heymilo_base_url = listener.url  # allow-listed loopback, as in development
        keyed_team.save()
        client = login(admin)
        with django_capture_on_commit_callbacks(execute=True):
            services.sync_request(keyed_team)
            client.post("/settings/connection-checks/", HTTP_HX_REQUEST="true")
        assert listener.requests  # it did answer, with its page

    run = SyncRun.objects.get()
    assert run.state == SyncRun.State.FAILED
    assert f"HeyMilo API returned {status} for GET /postings" in run.message
    syncs, settings_page = client.get("/syncs/").text, client.get("/settings/").text
    assert f"returned {status}" in syncs
    assert f"({status})" in ConnectionCheck.objects.get().message
    for page in (syncs, settings_page, run.message, ConnectionCheck.objects.get().message):
        assert "secret-internal-banner" not in page and "Internal admin" not in page


def test_a_long_json_detail_is_shown_short(
    login, admin, keyed_team, settings, django_capture_on_commit_callbacks
):
    from dashboard.mirror import services

    detail = "Posting archived. " + "<b>internal trace</b> " * 300
    body = json.dumps({"detail": detail})
    with RecordingListener(status=409, body=body) as listener:
        keyed_team.heymilo_base_url = listener.url
        keyed_team.save()
        with django_capture_on_commit_callbacks(execute=True):
            services.sync_request(keyed_team)

    error = SyncRun.objects.get().message
    assert "HeyMilo API returned 409 for GET /postings: Posting archived. <b>internal trace</b>" in error
    assert error.count("internal trace") < 10 and len(error) < 300
    page = login(admin).get("/syncs/").text
    assert "&lt;b&gt;internal trace&lt;/b&gt;" in page and "<b>internal trace</b>" not in page
