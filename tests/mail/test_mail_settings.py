"""EMAIL_URL and the EMAIL_* variables become Django's MAILERS; a bad value stops the start, named."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from dashboard.settings import email_from_url
from tests.test_settings import ROOT, production_env


def test_it_reads_each_kind_of_email_url():
    assert email_from_url("smtp://mail.internal") == ("mail.internal", 25, "", "", False, False)
    assert email_from_url("smtp+tls://apikey:p%40ss%2Fword@smtp.example.com:2587") == (
        "smtp.example.com",
        2587,
        "apikey",
        "p@ss/word",
        True,
        False,
    )
    assert email_from_url("smtp+ssl://u:p@smtp.example.com") == (
        "smtp.example.com",
        465,
        "u",
        "p",
        False,
        True,
    )
    assert email_from_url("smtp+tls://smtp.example.com")[1] == 587


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://smtp.example.com", "EMAIL_URL must look like"),
        ("smtp://", "EMAIL_URL must look like"),
        ("smtp://host:notaport", "not a number"),
    ],
)
def test_it_refuses_a_bad_email_url(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        email_from_url(url)


def mailer(**env) -> str:
    """The default mailer's backend and options as the settings module builds them from `env` (or
    the error that stopped it)."""
    code = (
        "from django.conf import settings; m = settings.MAILERS['default']; print(m['BACKEND'], m['OPTIONS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout + result.stderr


def test_production_sends_through_the_configured_server():
    out = mailer(EMAIL_URL="smtp+tls://u:secret@smtp.example.com:587")
    assert "smtp.EmailBackend" in out and "'host': 'smtp.example.com'" in out and "'use_tls': True" in out
    out = mailer(EMAIL_HOST="relay.internal", EMAIL_PORT="2525", EMAIL_USE_SSL="1")
    assert "'host': 'relay.internal'" in out and "'port': 2525" in out and "'use_ssl': True" in out


def test_tls_and_ssl_together_stop_the_start():
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on" in mailer(
        EMAIL_HOST="relay.internal", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1"
    )


def test_development_without_a_server_writes_files_under_var_mail(tmp_path):
    out = mailer(DEBUG="1", VAR_DIR=str(tmp_path), SECRET_KEY=None, FIELD_ENCRYPTION_KEYS=None)
    assert "filebased.EmailBackend" in out and str(tmp_path / "mail") in out
