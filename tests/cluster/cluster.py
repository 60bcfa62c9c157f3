"""The cluster's hosts and what runs on each, started from this machine's binaries.

db       PostgreSQL (initdb in a temporary directory, run as the postgres user) and Redis
sandbox  the HeyMilo sandbox (python -m heymilo.sandbox), the team's base URL
web1/2   the Procfile's gunicorn with deploy/gunicorn.conf.py
lb       nginx from deploy/nginx.conf, its one upstream server made two
worker1/2  the Procfile's celery worker
beat     the Procfile's celery beat
client   this test: the browser, the webhook sender and the operator

The code and the virtualenv are shared read-only (the design allows it); each host has its own
VAR_DIR and writes nowhere else.
"""

from __future__ import annotations

import glob
import os
import re
import socket
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

from bench.common import procfile_command, procfile_web_options
from tests.cluster.netns import ROOT, SUBNET, Host, Network
from tests.hardening.test_slow_clients import self_signed_certificate

ADDRESSES = {
    "client": 1,
    "db": 2,
    "sandbox": 9,
    "lb": 10,
    "web1": 11,
    "web2": 12,
    "worker1": 21,
    "worker2": 22,
    "beat": 30,
}
API_KEY = "cluster-key"
SANDBOX_PORT = 8765
PUBLIC_HOST = "localhost"  # what the browser and HeyMilo call the site (ALLOWED_HOSTS)
NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
REDIS_SERVER = "/usr/bin/redis-server"


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def address(name: str) -> str:
    return f"{SUBNET}.{ADDRESSES[name]}"


def wait_port(host: str, port: int, *, proc=None, timeout: float = 60, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), 0.5).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:] if log else ""
                raise RuntimeError(f"{host}:{port} exited before listening:\n{tail}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listening on {host}:{port} after {timeout}s") from None
            time.sleep(0.2)


class Cluster:
    def __init__(self, workdir: Path, *, postings: int, interviews_per_posting: int):
        self.workdir = workdir
        self.net = Network(workdir)
        for name, octet in ADDRESSES.items():
            self.net.add(name, octet)
        self.hosts: dict[str, Host] = self.net.hosts
        self.postings, self.interviews_per_posting = postings, interviews_per_posting
        self.database_url = f"postgres://postgres@{address('db')}:5432/dashboard"
        self.sandbox_url = f"http://{address('sandbox')}:{SANDBOX_PORT}"
        self.lb_url = f"https://{address('lb')}"
        self.env_common = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # the code is read-only to the hosts
            "DEBUG": "0",
            "SECRET_KEY": "cluster-" + "q8!Zr3#vT6@kW1$yP4^mN7&bX2*cG5(hJ9)dF0-sL+eU=oI~aQ",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "PUBLIC_BASE_URL": f"https://{PUBLIC_HOST}",
            "TRUSTED_PROXY_HOPS": "1",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://{address('db')}:6379/0",
            "HEYMILO_ALLOWED_HOSTS": f"{address('sandbox')}:{SANDBOX_PORT}",
            "HEYMILO_RATE_LIMIT": "100000",
            "HEYMILO_READ_TIMEOUT": "10",
            # Recovery on the test's clock: beat's sync round every minute, a dead worker's lock,
            # a silent import and a stuck delivery noticed in seconds rather than minutes.
            "SYNC_INTERVAL_MINUTES": "1",
            "SYNC_LOCK_TTL": "15",
            "SYNC_QUEUED_TIMEOUT": "120",
            "INGEST_STALL_SECONDS": "15",
            "WEBHOOK_SWEEP_AFTER_SECONDS": "10",
            "WEBHOOK_PROCESSING_TIMEOUT": "100",
            "LOG_LEVEL": "INFO",
        }
        self.pg_bin = postgres_bin()

    # --- environment --------------------------------------------------------------------------

    def env(self, host: Host) -> dict:
        return {**self.env_common, "VAR_DIR": str(host.var), "HOME": str(host.var)}

    def log(self, name: str) -> Path:
        return self.hosts[name].var / f"{name}.log"

    def manage(self, *args: str, host: str = "web1", timeout: float = 300) -> str:
        h = self.hosts[host]
        return h.call([sys.executable, "manage.py", *args], env=self.env(h), timeout=timeout)

    # --- the database host --------------------------------------------------------------------

    def start_db(self) -> None:
        db = self.hosts["db"]
        assert self.pg_bin is not None
        pgdir = self.workdir / "db" / "pg"
        pgdir.mkdir(mode=0o700)
        os.chown(pgdir, *_postgres_ids())
        env = {"PATH": self.env_common["PATH"], "LANG": "C.UTF-8", "HOME": str(pgdir)}
        db.call(
            [
                "runuser", "-u", "postgres", "--",
                str(self.pg_bin / "initdb"), "-D", str(pgdir / "data"), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-sync",
            ],
            env=env,
            timeout=120,
        )  # fmt: skip
        with (pgdir / "data" / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {SUBNET}.0/24 trust\n")
        log = self.log("db")
        os.chown(db.var, *_postgres_ids())
        os.chmod(self.workdir / "db", 0o755)
        proc = db.run(
            [
                str(self.pg_bin / "postgres"), "-D", str(pgdir / "data"),
                "-c", f"listen_addresses={db.address}", "-c", f"unix_socket_directories={pgdir}",
                "-c", "max_connections=300", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "shared_buffers=128MB",
            ],
            env=env,
            log=log,
            user="postgres",
        )  # fmt: skip
        self.pg_proc = proc
        deadline = time.monotonic() + 60
        while True:
            try:
                server = self.database_url.replace("/dashboard", "/postgres")
                with psycopg.connect(server, autocommit=True) as conn:
                    conn.execute("CREATE DATABASE dashboard")
                break
            except psycopg.OperationalError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not start:\n" + log.read_text()[-3000:]) from None
                time.sleep(0.3)
        db.run(
            [
                REDIS_SERVER, "--bind", db.address, "--port", "6379", "--save", "", "--appendonly", "no",
                "--protected-mode", "no", "--dir", str(db.var),
            ],
            env=env,
            log=db.var / "redis.log",
        )  # fmt: skip
        wait_port(db.address, 6379, timeout=30)

    def stop_db(self) -> None:
        """PostgreSQL's fast shutdown, so no shared memory is left behind."""
        import signal

        self.hosts["db"].stop(signal.SIGINT, timeout=20)

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            return conn.execute(query, params).fetchall()  # type: ignore[arg-type]

    # --- the sandbox ---------------------------------------------------------------------------

    def start_sandbox(self) -> None:
        host = self.hosts["sandbox"]
        log = self.log("sandbox")
        proc = host.run(
            [
                sys.executable, "-m", "heymilo.sandbox", "--host", host.address, "--port", str(SANDBOX_PORT),
                "--postings", str(self.postings),
                "--interviews-per-posting", str(self.interviews_per_posting),
                "--api-key", API_KEY, "--rate-limit", "100000", "--seed", "24",
                # Slow simulated time: seeded interviews hold still, so the mirror can equal them.
                "--time-speed", "0.001", "--allow-remote-control", "--quiet",
            ],
            env=self.env(host),
            log=log,
        )  # fmt: skip
        wait_port(host.address, SANDBOX_PORT, proc=proc, log=log)

    # --- the app -------------------------------------------------------------------------------

    def prepare_app(self) -> None:
        """The release step (migrate) once, collectstatic on each web host (its own STATIC_ROOT)."""
        self.manage("migrate", "--noinput", "-v0", timeout=600)
        for name in ("web1", "web2"):
            self.manage("collectstatic", "--noinput", "-v0", host=name)

    def start_web(self, name: str) -> None:
        host = self.hosts[name]
        log = self.log(name)
        argv = [
            sys.executable, "-m", "gunicorn", "dashboard.wsgi",
            *procfile_web_options(skip=("--bind", "--workers")),
            # Two workers a host on this 2-core machine (the Procfile's 3 are per production host).
            "--workers", "2", "--bind", f"{host.address}:8000",
        ]  # fmt: skip
        proc = host.run(argv, env=self.env(host), log=log)
        wait_port(host.address, 8000, proc=proc, log=log)

    def start_worker(self, name: str) -> None:
        host = self.hosts[name]
        command = procfile_command("worker")
        assert command[:4] == ["celery", "-A", "dashboard", "worker"], command
        # The Procfile's --concurrency 4 is for a production host; two here, two hosts.
        command = [*command, "--concurrency", "2", "--hostname", f"celery@{name}"]
        self.mark_start(name)
        host.run([sys.executable, "-m", *command], env=self.env(host), log=self.log(name))
        deadline = time.monotonic() + 60
        while "ready." not in self.log(name).read_text(errors="replace").split("==== start")[-1]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n" + self.log(name).read_text()[-3000:])
            time.sleep(0.3)

    def mark_start(self, name: str) -> None:
        with self.log(name).open("a") as log:
            log.write(f"==== start {time.time()}\n")

    def start_beat(self) -> None:
        host = self.hosts["beat"]
        command = procfile_command("beat")
        command = [arg.replace("var/", f"{host.var}/") for arg in command]
        host.run([sys.executable, "-m", *command], env=self.env(host), log=self.log("beat"))

    def start_lb(self) -> None:
        host = self.hosts["lb"]
        conf = render_nginx(host.var, listen=host.address, upstreams=[address("web1"), address("web2")])
        log = self.log("lb")
        proc = host.run([NGINX, "-c", str(conf), "-g", "daemon off;"], env=self.env(host), log=log)
        wait_port(host.address, 443, proc=proc, log=log)

    # --- what the run prints --------------------------------------------------------------------

    def requests_per_web_host(self) -> Counter:
        """From nginx's access log: the upstream that answered each request."""
        names = {f"{address(n)}:8000": n for n in ("web1", "web2")}
        counts: Counter = Counter()
        for line in (self.hosts["lb"].var / "access.log").read_text().splitlines():
            # "a, b" when nginx tried one upstream and then the other; the last one answered.
            last = line.split(" | ")[0].split(", ")[-1].strip()
            counts[names.get(last, last)] += 1
        return counts

    def last_to_receive(self, task: str) -> str:
        """The worker host that took `task` (dashboard.<app>.tasks.<name>) most recently, from
        the workers' logs (their clocks are this machine's): the one to kill mid-run."""
        pattern = re.compile(
            r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})[^\n]*"
            r"Task dashboard\.[\w.]*\." + task + r"\[[^\]]+\] received"
        )
        latest = {}
        for name in ("worker1", "worker2"):
            found = pattern.findall(self.log(name).read_text(errors="replace"))
            latest[name] = found[-1] if found else ""
        return max(latest, key=lambda name: (latest[name], name == "worker1"))

    def tasks_per_worker_host(self) -> dict[str, Counter]:
        counts: dict[str, Counter] = {}
        pattern = re.compile(r"Task (dashboard\.[\w.]+)\[[^\]]+\] (succeeded|raised|retry)")
        for name in ("worker1", "worker2"):
            text = self.log(name).read_text(errors="replace")
            counts[name] = Counter(m[1].rsplit(".", 1)[-1] for m in pattern.finditer(text))
        return counts


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def render_nginx(workdir: Path, *, listen: str, upstreams: list[str]) -> Path:
    """deploy/nginx.conf as the load balancer: its one upstream server becomes the two web hosts,
    its paths go under workdir, and a throwaway certificate. For the test alone: the access log
    names the upstream that answered, the answer says so in X-Upstream, and a request may ask for
    one web host (X-Cluster-Pin), so a session's steps land on the host the test chose."""
    cert, key = self_signed_certificate(workdir)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp_paths = "".join(f"\n    {kind}_temp_path {workdir / kind};" for kind in kinds)
    pins = "".join(
        f"\n    upstream web{n} {{ server {a}:8000; }}" for n, a in enumerate(upstreams, start=1)
    ) + (
        '\n    map $http_x_cluster_pin $cluster_upstream { default dashboard; "web1" web1; "web2" web2; }'
        "\n    log_format cluster '$upstream_addr | $status $request_method $uri';"
    )
    servers = "\n        ".join(f"server {a}:8000 max_fails=1 fail_timeout=10s;" for a in upstreams)
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new, count in [
        ("user www-data;", "user root;", 1),
        ("pid /run/nginx.pid;", f"pid {workdir / 'nginx.pid'};", 1),
        ("error_log /var/log/nginx/error.log;", f"error_log {workdir / 'error.log'};", 1),
        (
            "access_log /var/log/nginx/dashboard.access.log;",
            f"{pins}\n    access_log {workdir / 'access.log'} cluster;{temp_paths}",
            1,
        ),
        ("server 127.0.0.1:8000;", servers, 1),
        ("listen 80;", f"listen {listen}:80;", 1),
        ("listen 443 ssl;", f"listen {listen}:443 ssl;", 1),
        ("ssl_certificate /etc/ssl/dashboard/fullchain.pem;", f"ssl_certificate {cert};", 1),
        ("ssl_certificate_key /etc/ssl/dashboard/privkey.pem;", f"ssl_certificate_key {key};", 1),
        (
            "proxy_pass http://dashboard;",
            "proxy_pass http://$cluster_upstream;\n            add_header X-Upstream $upstream_addr always;",
            2,
        ),
    ]:
        assert text.count(old) == count, f"deploy/nginx.conf no longer has {old!r} {count} time(s)"
        text = text.replace(old, new)
    conf = workdir / "nginx.conf"
    conf.write_text(text)
    return conf
