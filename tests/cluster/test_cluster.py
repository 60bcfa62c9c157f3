"""The dashboard on several hosts (issue 24): a database host, two web hosts behind nginx, two
worker hosts, beat and the HeyMilo sandbox, each a network namespace of its own, with faults.

Through the load balancer: a full sync, a CSV import of 5,000 rows whose upload, mapping and
start land on different web hosts, 2,000 webhook deliveries over both web hosts, and a reviewer's
session used on both hosts in turn. Meanwhile: one worker host SIGKILLed mid-sync and again
mid-import (then started again), the other cut off the network for 20 s, one web host stopped.
Then tests/cluster/check.py: the mirror equals the sandbox, each CSV row reached HeyMilo once,
each delivery was stored and processed once, no job is left running.

Run with `make test-cluster` (root, iproute2, nginx, PostgreSQL's and Redis's binaries).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
import urllib3

from heymilo.sandbox import SandboxHandle
from tests.cluster import netns
from tests.cluster.cluster import (
    API_KEY,
    NGINX,
    PUBLIC_HOST,
    REDIS_SERVER,
    Cluster,
    address,
    postgres_bin,
)
from tests.conftest import missing_service
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

POSTINGS, INTERVIEWS_PER_POSTING = 10, 70  # 700 interviews: 2,100 (event, interview) pairs
CSV_ROWS = 5000
DELIVERIES = 2000
DELIVERY_SECONDS = 60.0  # the deliveries are spread over this long, so the faults fall among them
EVENTS = ("interview_started", "interview_completed", "report_available")
PASSWORD = "cluster-reviewer-Pw-24"
ROOT = Path(__file__).resolve().parents[2]


class Log:
    """What the run did, printed at the end (also when it fails)."""

    def __init__(self):
        self.start = time.monotonic()
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(f"[{time.monotonic() - self.start:6.1f}s] {text}")


class Browser:
    """A reviewer's browser: one session (cookies) through the load balancer. `pin` asks nginx for
    one web host (X-Cluster-Pin, the test's config only); X-Upstream says which one answered."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        # The load balancer's certificate is made for this run (cluster.py), for no name a client
        # could check; TLS is there because deploy/nginx.conf serves only HTTPS. Senders do the same.
        self.served: list[tuple[str, str, int, str]] = []  # method path, upstream, status, pin

    def request(self, method: str, path: str, *, pin: str | None = None, **kwargs) -> requests.Response:
        headers = {"Host": PUBLIC_HOST, "Origin": f"https://{PUBLIC_HOST}"}
        if method != "GET":
            headers["X-CSRFToken"] = self.session.cookies.get("csrftoken", "")
        if pin:
            headers["X-Cluster-Pin"] = pin
        response = self.session.request(
            method,
            self.base + path,
            headers=headers,
            allow_redirects=False,
            verify=False,
            timeout=120,
            **kwargs,
        )
        self.served.append((f"{method} {path}", upstream_name(response), response.status_code, pin or ""))
        return response

    def login(self, *, pin: str) -> None:
        self.request("GET", "/login/", pin=pin)
        answer = self.request("POST", "/login/", pin=pin, data={"username": "reviewer", "password": PASSWORD})
        assert answer.status_code == 302, (answer.status_code, answer.text[:2000])

    def act(self, method: str, path: str, *, pin: str | None = None, expect=(200, 302), **kwargs):
        answer = self.request(method, path, pin=pin, **kwargs)
        assert answer.status_code in expect, (method, path, answer.status_code, answer.text[:2000])
        assert "/login/" not in answer.headers.get("Location", ""), f"{path}: the session was not known"
        return answer


def upstream_name(response: requests.Response) -> str:
    names = {f"{address(n)}:8000": n for n in ("web1", "web2")}
    last = response.headers.get("X-Upstream", "").split(", ")[-1]
    return names.get(last, last or "lb")


class Sender:
    """HeyMilo's webhook sender: DELIVERIES posts to the team's receiver URL through the load
    balancer, spread over DELIVERY_SECONDS, each a distinct (event, interview) with a marker. A
    post that fails or gets a 5xx (a web host went away under it) is sent again, as HeyMilo does."""

    def __init__(self, base: str, token: str, interviews: list[tuple[str, str]], threads: int = 8):
        pairs = [(e, i, p) for i, p in interviews for e in EVENTS][:DELIVERIES]
        assert len(pairs) == DELIVERIES, f"only {len(pairs)} (event, interview) pairs"
        self.base, self.token, self.pairs = base, token, pairs
        self.acknowledged: list[int] = []
        self.errors: list[str] = []
        self.resent = 0
        self.by_host: dict[str, int] = {}
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(n, threads), daemon=True) for n in range(threads)
        ]

    def start(self) -> Sender:
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    @property
    def sent(self) -> int:
        assert not self.errors, f"the receiver refused deliveries: {self.errors[:3]}"
        return len(self.acknowledged)

    def _run(self, offset: int, step: int) -> None:
        try:
            self._send(offset, step)
        except Exception as error:
            self.errors.append(repr(error)[:1000])

    def _send(self, offset: int, step: int) -> None:
        session = requests.Session()
        url = f"{self.base}/hooks/heymilo/{self.token}/"
        for n in range(offset, DELIVERIES, step):
            due = self.started + DELIVERY_SECONDS * n / DELIVERIES
            time.sleep(max(0.0, due - time.monotonic()))
            event, interview, posting = self.pairs[n]
            body = json.dumps(
                {"event_type": event, "interview_id": interview, "posting_id": posting, "delivery": n}
            )
            for attempt in range(20):
                try:
                    answer = session.post(
                        url,
                        data=body,
                        headers={"Host": PUBLIC_HOST, "Content-Type": "application/json"},
                        timeout=30,
                        verify=False,
                    )
                except requests.RequestException:
                    answer = None
                if answer is not None and answer.status_code < 500:
                    assert answer.status_code in (200, 202), (answer.status_code, answer.text[:500])
                    with self.lock:
                        self.acknowledged.append(n)
                        host = upstream_name(answer)
                        self.by_host[host] = self.by_host.get(host, 0) + 1
                    break
                with self.lock:
                    self.resent += 1
                time.sleep(0.5 * (attempt + 1))

    def join(self, timeout: float) -> None:
        for thread in self.threads:
            thread.join(timeout)


def needs() -> None:
    """Skips (or fails, under REQUIRE_SERVICES=1) naming what this machine lacks."""
    why = netns.unavailable()
    if why is None and not os.path.exists(NGINX):
        why = f"nginx is not installed at {NGINX} (apt-get install nginx)"
    if why is None and not os.path.exists(REDIS_SERVER):
        why = "redis-server is not installed (apt-get install redis-server)"
    if why is None and postgres_bin() is None:
        why = "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
    if why is None and shutil.which("runuser") is None:
        why = "runuser (util-linux) is not installed"
    if why:
        missing_service(why)


SETUP = """
from django.contrib.auth import get_user_model
from dashboard.accounts.models import Membership, Role, Team
user = get_user_model().objects.create_user(
    "reviewer", email="reviewer@cluster.example", password={password!r}
)
team = Team(name="Cluster", slug="cluster", heymilo_base_url={base!r})
team.set_api_key({key!r})
team.save()
Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
"""


def test_the_dashboard_on_seven_hosts_survives_killed_workers_a_cut_link_and_a_stopped_web_host(capsys):
    needs()
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    log = Log()
    stale = netns.remove_stale()
    if stale:
        log(f"removed namespaces a killed earlier run left: {', '.join(stale)}")
    workdir = Path(tempfile.mkdtemp(prefix=netns.TEMP_PREFIX))
    workdir.chmod(0o755)
    cluster: Cluster | None = None
    checked: dict = {}
    try:
        cluster = Cluster(workdir, postings=POSTINGS, interviews_per_posting=INTERVIEWS_PER_POSTING)
        for name, host in cluster.hosts.items():
            log(f"host {name:8} {host.address:12} namespace {host.ns}, VAR_DIR {host.var}")
        with netns.inside(cluster.hosts["client"].ns):
            checked = run(cluster, log, workdir)
    finally:
        if cluster is not None:
            summary(cluster, log, checked)
            cluster.stop_db()
            cluster.net.close()
        else:  # it failed while making the hosts: those made so far go
            netns.remove_stale()
        shutil.rmtree(workdir, ignore_errors=True)
        with capsys.disabled():
            print("\n== cluster run\n" + "\n".join(log.lines))
    assert not netns.namespaces(), "namespaces left behind"


def summary(cluster: Cluster, log: Log, checked: dict) -> None:
    try:
        log(f"requests per web host (nginx's access log): {dict(cluster.requests_per_web_host())}")
        for name, counts in cluster.tasks_per_worker_host().items():
            log(f"tasks run on {name}: {sum(counts.values())} ({dict(counts.most_common())})")
    except OSError as error:
        log(f"(no figures: {error})")
    for key, value in checked.items():
        log(f"checked: {key} = {value}")


def run(cluster: Cluster, log: Log, workdir: Path) -> dict:
    cluster.start_db()
    log(f"db: PostgreSQL ({cluster.pg_bin}) and Redis on {address('db')}")
    cluster.start_sandbox()
    log(f"sandbox on {cluster.sandbox_url}: {POSTINGS} postings x {INTERVIEWS_PER_POSTING} interviews")
    cluster.prepare_app()
    cluster.manage("shell", "-c", SETUP.format(password=PASSWORD, base=cluster.sandbox_url, key=API_KEY))
    token = cluster.sql("SELECT webhook_token FROM accounts_team WHERE slug = 'cluster'")[0][0]
    for name in ("web1", "web2"):
        cluster.start_web(name)
    cluster.start_lb()
    for name in ("worker1", "worker2"):
        cluster.start_worker(name)
    cluster.start_beat()
    log("migrated; gunicorn on web1 and web2, nginx on lb, celery on worker1 and worker2, beat on beat")

    browser = Browser(cluster.lb_url)
    browser.login(pin="web1")
    browser.act("GET", "/", pin="web2")
    log("reviewer signed in on web1, the home page opened on web2 with that session")

    # --- a full sync; the worker host running it SIGKILLed in the middle ------------------------
    sandbox = SandboxHandle(cluster.sandbox_url, api_key=API_KEY, other_api_key=None)
    # HeyMilo answering slowly until the kill, so it falls mid-sync on a fast machine too.
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)
    browser.act("POST", "/syncs/start/", pin="web2")
    team_runs = "SELECT id, state, pages_done FROM mirror_syncrun WHERE scope = 'team' ORDER BY id"
    wait_for(
        lambda: any(state == "running" and pages >= 2 for _, state, pages in cluster.sql(team_runs)),
        timeout=120,
        message="the sync to write pages",
        interval=0.1,
    )
    victim = cluster.last_to_receive("run_sync")
    killed = cluster.hosts[victim].kill()
    run_id, _, pages = cluster.sql(team_runs)[-1]
    log(f"FAULT: SIGKILL to {victim} ({killed} process group) mid-sync: run {run_id} at page {pages}")
    sandbox.clear_faults()
    time.sleep(3)
    cluster.start_worker(victim)
    log(f"{victim} started again")
    wait_for(
        lambda: (
            (runs := cluster.sql(team_runs))
            and runs[-1][1] == "done"
            and not any(state in ("queued", "running") for _, state, _ in runs)
        ),
        timeout=240,
        message="a full sync to finish after the kill",
        interval=1,
    )
    log(f"full sync finished: runs {cluster.sql(team_runs)}")

    # --- a CSV import, its steps on both web hosts, with the deliveries alongside --------------
    posting_pk, posting_remote = cluster.sql("SELECT id, remote_id FROM mirror_posting ORDER BY remote_id")[0]
    emails = [f"candidate{n:05d}@cluster.example" for n in range(CSV_ROWS)]
    lines = ["name,email,notes"] + [
        f"Candidate {n:05d},{email},Referred by the cluster test; row {n:05d}; padding {'x' * 50}"
        for n, email in enumerate(emails)
    ]
    csv = ("\n".join(lines) + "\n").encode()
    answer = browser.act(
        "POST",
        "/imports/upload/",
        pin="web1",
        data={"posting": posting_pk},
        files={"file": ("candidates.csv", csv, "text/csv")},
        expect=(302,),
    )
    job_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    job_state = "SELECT state, message FROM ingestion_importjob WHERE id = %s"

    def draft():
        state, message = cluster.sql(job_state, job_id)[0]
        assert state not in ("failed", "cancelled"), f"import {job_id} {state}: {message}"
        return state == "draft"

    wait_for(draft, timeout=120, message="the uploaded file's check", interval=0.3)
    log(f"CSV of {CSV_ROWS} rows ({len(csv)} bytes) uploaded on web1 as import {job_id}, checked by a worker")
    browser.act(
        "POST",
        f"/imports/{job_id}/mapping/",
        pin="web2",
        data={"col0": "name", "col1": "email", "col2": "metadata"},
        expect=(302,),
    )
    wait_for(draft, timeout=120, message="the mapping's check", interval=0.3)
    log("columns mapped on web2, checked again by a worker")
    interviews = cluster.sql(
        "SELECT i.remote_id, p.remote_id FROM mirror_interview i "
        "JOIN mirror_posting p ON p.id = i.posting_id ORDER BY i.remote_id"
    )
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)  # as for the sync: the kill falls mid-import
    browser.act("POST", f"/imports/{job_id}/start/", pin="web1", expect=(302,))
    sender = Sender(cluster.lb_url, token, interviews).start()
    log(f"import started on web1; {DELIVERIES} webhook deliveries being sent over {DELIVERY_SECONDS:.0f}s")

    rows_done = "SELECT count(*) FROM ingestion_importrow WHERE job_id = %s AND outcome <> 'pending'"
    wait_for(
        lambda: cluster.sql(rows_done, job_id)[0][0] >= CSV_ROWS // 5,
        timeout=180,
        message="a fifth of the import to be sent",
        interval=0.1,
    )
    victim = cluster.last_to_receive("run_import")
    killed = cluster.hosts[victim].kill()
    sent_rows = cluster.sql(rows_done, job_id)[0][0]
    log(f"FAULT: SIGKILL to {victim} ({killed} process group) mid-import: {sent_rows}/{CSV_ROWS} rows sent")
    sandbox.clear_faults()
    browser.act("GET", f"/imports/{job_id}/progress/", pin="web2")
    time.sleep(3)
    cluster.start_worker(victim)
    log(f"{victim} started again ({sender.sent} deliveries sent)")

    cut = "worker2" if victim == "worker1" else "worker1"
    cluster.net.cut(cut)
    log(f"FAULT: {cut}'s link down, cut off from the database host ({sender.sent} deliveries sent)")
    for n in range(10):  # the session on both hosts in turn while the link is down
        browser.act("GET", f"/imports/{job_id}/progress/", pin=("web1", "web2")[n % 2])
        time.sleep(2)
    cluster.net.restore(cut)
    log(f"{cut}'s link up again after 20 s ({sender.sent} deliveries sent)")

    wait_for(lambda: sender.sent >= DELIVERIES // 2, timeout=120, message="half the deliveries", interval=0.2)
    cluster.hosts["web2"].stop()
    log(f"FAULT: web2 stopped (SIGTERM to gunicorn; {sender.sent} deliveries sent)")

    sender.join(timeout=300)
    assert sender.sent == DELIVERIES, f"only {sender.sent} deliveries acknowledged"
    log(f"all {DELIVERIES} deliveries acknowledged ({sender.resent} resent after a 5xx or a lost connection)")

    def import_done():
        # Polling the progress page is what a person watching does; it resumes a stalled import.
        browser.act("GET", f"/imports/{job_id}/progress/")
        state, message = cluster.sql(job_state, job_id)[0]
        assert state not in ("failed", "cancelled"), f"import {job_id} {state}: {message}"
        return state == "done"

    wait_for(import_done, timeout=240, message="the import to finish", interval=2)
    log("import done")
    pending = "SELECT count(*) FROM webhooks_delivery WHERE state IN ('received', 'processing')"
    wait_for(
        lambda: cluster.sql(pending)[0][0] == 0,
        timeout=300,
        message="every delivery to be processed",
        interval=2,
    )
    log("every delivery processed")

    # --- a last full sync, then the checks -----------------------------------------------------
    before = cluster.sql(team_runs)[-1][0]
    browser.act("POST", "/syncs/start/")
    wait_for(
        lambda: (
            (runs := cluster.sql(team_runs))
            and runs[-1][0] > before
            and runs[-1][1] == "done"
            and not any(state in ("queued", "running") for _, state, _ in runs)
        ),
        timeout=240,
        message="the last full sync",
        interval=1,
    )
    active = (
        "SELECT 'sync', id, scope || ' ' || target, state, created_at::text FROM mirror_syncrun "
        "WHERE state IN ('queued', 'running') UNION ALL SELECT 'import', id, '', state, created_at::text "
        "FROM ingestion_importjob WHERE state IN ('checking', 'queued', 'running')"
    )
    try:
        wait_for(lambda: not cluster.sql(active), timeout=180, message="no sync or import left", interval=1)
    except AssertionError as error:
        raise AssertionError(f"{error}: {cluster.sql(active)}") from None
    log("last full sync done")
    served = {(what.split(" ")[1].split("/")[1], host) for what, host, _, _ in browser.served}
    hosts_used = {host for _, host, _, _ in browser.served}
    assert {"web1", "web2"} <= hosts_used, browser.served
    assert browser.served[1][1] == "web1" and browser.served[2][1] == "web2", browser.served[:3]
    assert {("imports", "web1"), ("imports", "web2")} <= served, browser.served

    on_disk = [str(p) for h in cluster.hosts.values() for p in (h.var / "uploads").rglob("*") if p.is_file()]
    assert not on_disk, f"uploads kept on a host's disk: {on_disk}"
    expected = workdir / "client" / "expected.json"
    expected.write_text(
        json.dumps(
            {
                "sandbox": cluster.sandbox_url,
                "api_key": API_KEY,
                "team": "cluster",
                "emails": emails,
                "deliveries": sorted(sender.acknowledged),
            }
        )
    )
    client = cluster.hosts["client"]
    done = subprocess.run(
        [sys.executable, "-m", "tests.cluster.check", str(expected)],
        env={**cluster.env(client), "DJANGO_SETTINGS_MODULE": "dashboard.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"failed": done.stderr[-4000:]}
    assert done.returncode == 0 and "failed" not in result, result.get("failed") or done.stderr[-4000:]
    result["reviewer_session"] = (
        f"{len(browser.served)} requests: {sum(h == 'web1' for _, h, _, _ in browser.served)} on web1, "
        f"{sum(h == 'web2' for _, h, _, _ in browser.served)} on web2, signed in once"
    )
    result["deliveries_per_web_host"] = sender.by_host
    result["upload_files_on_host_disks"] = 0
    return result
