"""A Redis of the test's own (to stop and start), and a real gunicorn on the test database."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import tcp_socket_inodes
from tests.celery_fixtures import ROOT, database_url_for_tests
from tests.conftest import missing_service
from tests.hardening.test_restarts import PrivateRedis
from tests.waiting import wait_for


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own (tests/hardening's), to stop and start again."""
    if shutil.which("redis-server") is None:
        missing_service("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def start_gunicorn(workdir: Path, port: int, *, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn as the Procfile runs it (its config file and worker class), on the test database."""
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "TASKS_INLINE": "0",
        "DEBUG": "1",
        "VAR_DIR": str(workdir),
        **env,
    }
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (workdir / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dashboard.wsgi",
            "--config",
            "deploy/gunicorn.conf.py",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for(
        lambda: tcp_socket_inodes(port, "0A") or proc.poll() is not None,
        timeout=30,
        message="gunicorn listening",
    )
    assert proc.poll() is None, (workdir / "gunicorn.log").read_text()[-3000:]
    return proc


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
