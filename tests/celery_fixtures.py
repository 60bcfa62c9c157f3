"""A real Celery worker process on the real Redis, sharing the test database."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_tests() -> str:
    """The test database (not the dev one) as a DATABASE_URL a child process understands."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """`celery worker` as a child process; .kill() is SIGKILL, as a crashed machine would."""

    def __init__(
        self,
        redis_url: str,
        *,
        concurrency: int = 1,
        extra_env: dict | None = None,
        argv: list[str] | None = None,
    ):
        """argv: a whole `celery ... worker ...` command to run instead of the tests' own (the
        Procfile's, say); `celery` is run with this Python, and `-Q <this run's queue>` added."""
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_tests(),
            "REDIS_URL": redis_url,
            "TASKS_INLINE": "0",
            "DEBUG": "1",
            **(extra_env or {}),
        }
        self.lines: list[str] = []
        self.ready = threading.Event()
        if argv is None:
            argv = [
                "celery",
                "-A",
                "dashboard",
                "worker",
                "--pool",
                "prefork" if concurrency > 1 else "solo",
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        assert argv[0] == "celery", argv
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *argv, "-Q", env["CELERY_QUEUE"]],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(
            lambda: self.ready.is_set() or self.proc.poll() is not None,
            timeout=30,
            message="the Celery worker to start",
        )
        if not self.ready.is_set():
            raise RuntimeError("Celery worker exited:\n" + "\n".join(self.lines[-30:]))

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if " ready." in line:
                self.ready.set()

    def log(self) -> str:
        return "\n".join(self.lines)

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(redis_url, transactional_db):
    """Factory: start_worker() -> WorkerProcess; every worker started is stopped afterwards."""
    workers: list[WorkerProcess] = []

    def _start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(redis_url, **kwargs)
        workers.append(worker)
        return worker

    yield _start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(start_worker):
    return start_worker()
