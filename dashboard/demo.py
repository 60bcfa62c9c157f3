"""`make demo`: the dashboard, a HeyMilo sandbox, a Celery worker and beat, on one laptop.

Run again, it reuses the database, the users and their passwords (kept in var/demo-users.json).
Ctrl-C stops every process it started.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


def mail_destination() -> str:
    """Where the demo's email goes (settings.py's rule): a mail server, or one file per message."""
    if os.environ.get("EMAIL_URL") or os.environ.get("EMAIL_HOST"):
        return "Email (invitations, password resets, notifications) goes to the configured mail server"
    var = Path(os.environ.get("VAR_DIR", VAR))
    return f"Email (invitations, password resets, notifications) is written as files to {var / 'mail'}/"


WEB_PORT = int(os.environ.get("DEMO_PORT", "8000"))
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "8765"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# One API key per demo team: the sandbox gives each key its own company and data.
TEAMS = [("Acme Hiring", "demo-key-acme"), ("Globex Talent", "demo-key-globex")]
USERS = [("admin", "admin"), ("reviewer", "reviewer"), ("viewer", "viewer")]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), 0.3):
            return True
    except OSError:
        return False


def redis_up() -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    return port_open(parts.port or 6379, parts.hostname or "127.0.0.1")


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if proc.poll() is not None:
            sys.exit(f"{what} exited before it started listening on port {port}.")
        if time.monotonic() > deadline:
            sys.exit(f"{what} did not start listening on port {port} within {timeout:.0f}s.")
        time.sleep(0.2)


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def passwords() -> dict[str, str]:
    path = VAR / "demo-users.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    for username, _role in USERS:
        saved.setdefault(username, f"{username}-{secrets.token_urlsafe(6)}")
    path.write_text(json.dumps(saved, indent=2))
    path.chmod(0o600)
    return saved


def seed(env: dict, sandbox_url: str, creds: dict[str, str]) -> None:
    """Users and teams through Django itself (one short script), so it is idempotent."""
    script = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
User = get_user_model()
creds = {creds!r}
for username, role in {USERS!r}:
    user, _ = User.objects.get_or_create(username=username, defaults={{"email": username + "@demo.test"}})
    user.set_password(creds[username]); user.is_staff = username == "admin"; user.save()
for index, (name, key) in enumerate({TEAMS!r}):
    call_command("createteam", name, "--api-key", key, "--base-url", {sandbox_url!r})
    for username, role in {USERS!r}:
        # admin is admin of both teams (to try the switcher); the others are in the first team.
        if index == 0 or username == "admin":
            call_command("addmember", name.lower().replace(" ", "-"), username, "--role", role)
# A first sync right away (a worker or, without Redis, this process runs it); beat keeps it fresh.
from dashboard.accounts.models import Team
from dashboard.mirror.services import sync_request
for team in Team.objects.exclude(api_key_encrypted=""):
    sync_request(team)
"""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    VAR.mkdir(exist_ok=True)
    if port_open(WEB_PORT):
        sys.exit(f"Port {WEB_PORT} is busy. Stop what runs there or set DEMO_PORT=8001.")
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1"), "PYTHONUNBUFFERED": "1"}
    with_redis = redis_up()
    if not with_redis:
        env["TASKS_INLINE"] = "1"
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{WEB_PORT}")

    children: list[subprocess.Popen] = []

    def start(args: list[str], name: str) -> subprocess.Popen:
        print(f"→ starting {name}", flush=True)
        proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        children.append(proc)
        return proc

    def stop_all(*_args) -> None:
        for proc in reversed(children):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in children:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        manage("migrate", "--noinput", env=env)
        sandbox_url = f"http://127.0.0.1:{SANDBOX_PORT}"
        if port_open(SANDBOX_PORT):
            print(f"→ reusing the HeyMilo sandbox already on {sandbox_url}")
        else:
            sandbox = start(
                [
                    sys.executable,
                    "-m",
                    "heymilo.sandbox",
                    "--port",
                    str(SANDBOX_PORT),
                    "--postings",
                    "8",
                    "--interviews-per-posting",
                    "60",
                    "--seed",
                    "2026",
                    *[arg for _, key in TEAMS for arg in ("--api-key", key)],
                    "--time-speed",
                    "60",
                ],
                "the HeyMilo sandbox",
            )
            wait_port(SANDBOX_PORT, sandbox, "The HeyMilo sandbox")
        creds = passwords()
        if with_redis:
            celery = [sys.executable, "-m", "celery", "-A", "dashboard"]
            start([*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"], "a Celery worker")
            start(
                [*celery, "beat", "--loglevel", "INFO", "--schedule", str(VAR / "celerybeat-schedule")],
                "Celery beat",
            )
        else:
            print("→ Redis is not reachable: tasks run inline in the web server (a banner says so).")
        seed(env, sandbox_url, creds)
        web = start(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload"],
            "the web server",
        )
        wait_port(WEB_PORT, web, "The web server", timeout=60)
        print(f"\n  HeyMilo Dashboard is running at http://127.0.0.1:{WEB_PORT}/\n")
        for username, role in USERS:
            print(f"  {role:9} {username} / {creds[username]}")
        print(f"\n  HeyMilo sandbox: {sandbox_url}  (keys: {', '.join(k for _, k in TEAMS)})")
        print(f"  {mail_destination()}")
        print("  Every waiting daily digest now: .venv/bin/python manage.py send_digests --now")
        print("  Press Ctrl-C to stop everything.\n", flush=True)
        while all(proc.poll() is None for proc in children):
            time.sleep(1)
        print("A demo process stopped; shutting the rest down.")
    except KeyboardInterrupt:
        print("\nStopping…")
    finally:
        stop_all()


if __name__ == "__main__":
    main()
