"""Settings helpers reject bad values; production mode demands its secrets and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from dashboard import settings as s

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("helper", "value", "message"),
    [
        (lambda: s.env_bool("X_TEST", False), "maybe", "not a boolean"),
        (lambda: s.env_int("X_TEST", 1), "ten", "not a whole number"),
        (lambda: s.env_int("X_TEST", 1, minimum=1), "0", "too small"),
        (lambda: s.env_url("X_TEST", None), "api.heymilo.network", "not a valid URL"),
        (lambda: s.env_url("X_TEST", None), "ftp://example.com", "not a valid URL"),
    ],
)
def test_it_rejects_bad_values(monkeypatch, helper, value, message):
    monkeypatch.setenv("X_TEST", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        helper()


def test_it_reads_good_values(monkeypatch):
    monkeypatch.setenv("X_TEST", "yes")
    assert s.env_bool("X_TEST", False) is True
    monkeypatch.setenv("X_TEST", " a, b ,,c ")
    assert s.env_list("X_TEST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_TEST", "https://api.example.com/")
    assert s.env_url("X_TEST", None) == "https://api.example.com"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://db/x", "only sqlite"),
        ("postgres://localhost/", "names no database"),
        ("sqlite://", "names no SQLite file"),
    ],
)
def test_it_rejects_bad_database_urls(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        s.database_from_url(url)


def test_it_parses_database_urls():
    pg = s.database_from_url("postgres://u:p%40ss@db.example:6543/hire")
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "hire",
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert s.database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == Path("/tmp/x.sqlite3")


def production_env(**overrides):
    # Nothing from the test process leaks in (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x7!Lq2#vR9@pZ4$wT6^kM8&nB1*cF3(hJ5)dG0-sA+eY=uI~oP",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "dashboard.example.com",
            "PUBLIC_BASE_URL": "https://dashboard.example.com",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_it_passes_check_deploy_in_production_mode():
    result = run_manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
    ],
)
def test_it_refuses_to_start_in_production_without_a_secret(missing, message):
    result = run_manage(production_env(**{missing: None}), "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_it_refuses_the_inline_task_mode_in_production():
    result = run_manage(production_env(TASKS_INLINE="1"), "check")
    assert result.returncode != 0
    assert "TASKS_INLINE is a development mode" in result.stderr
