"""/metrics: refused without the token or outside the allow-list; every named metric exposed after
the matching work ran, added up across two gunicorn workers and a Celery worker (multiprocess)."""

import http.client
import json
import os
import re
import threading
from pathlib import Path

import pytest
from django.core.cache import cache

from bench.common import free_port
from dashboard.core.metrics import heymilo_endpoint
from dashboard.ingestion import services as ingestion_services
from dashboard.ingestion.models import ImportJob
from dashboard.mirror import services as mirror_services
from dashboard.mirror.models import Posting, SyncRun
from dashboard.webhooks.models import Delivery
from tests.ingestion.conftest import upload
from tests.ingestion.test_import import people
from tests.mirror.helpers import point_team_at
from tests.ops.conftest import start_gunicorn, stop_process
from tests.waiting import wait_for
from tests.webhooks.helpers import hook_url

TOKEN = "metrics-token-for-the-test-0123456789"


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    settings.TRUSTED_PROXY_HOPS = 0
    return settings


def test_refused_without_the_token_and_outside_the_allow_list(client, db, metrics_settings):
    import ipaddress

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    refused = client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    assert b"dashboard_" not in refused.content and b"metrics" not in refused.content.lower()
    ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200
    assert ok["Content-Type"].startswith("text/plain")
    assert b"dashboard_scrape_ok" in ok.content

    metrics_settings.METRICS_TOKEN = None
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404
    metrics_settings.METRICS_ALLOWED_IPS = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    # Behind one proxy the address is the one the proxy saw, not what the client wrote.
    metrics_settings.TRUSTED_PROXY_HOPS = 1
    spoofed = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.7"}
    assert client.get("/metrics", **spoofed).status_code == 404
    through = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.9.9.9"}
    assert client.get("/metrics", **through).status_code == 200


@pytest.mark.parametrize(
    "path,endpoint",
    [
        ("/api/postings?page=2&limit=5", "postings"),
        ("/api/interview/abc-123", "interview"),
        ("/api/interviews/post-1", "interviews"),
        ("/api/interviews/export/json", "interviews_export"),
        ("/api/webhook/fetch/wh_9", "webhook_fetch"),
        ("/api/ingest/x/bulk/key", "ingest_bulk"),
        ("/api/ingest/x/key", "ingest"),
        ("/files/export-77.json", "other"),
    ],
)
def test_heymilo_paths_become_endpoints_without_ids(path, endpoint):
    assert heymilo_endpoint(path, "/api") == endpoint


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Prometheus text format as {(name, labels): value}."""
    found = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        assert match, line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        found[(match.group(1), labels)] = float(match.group(3))
    return found


def value(found, name, **labels) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and wanted <= set(ls))


def get(port: int, path: str, **headers) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def pids_writing(directory: Path, kind: str) -> set[int]:
    return {int(p.stem.rsplit("_", 1)[1]) for p in directory.glob(f"{kind}_*.db")}


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_each_metric_after_its_work_across_two_gunicorn_workers_and_a_celery_worker(
    start_worker, team, admin, sandbox, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "METRICS_TOKEN": TOKEN, "HEYMILO_PAGE_SIZE": "10"}
    worker = start_worker(extra_env=env)
    port = free_port()
    gunicorn = start_gunicorn(tmp_path, port, workers=2, env=env)
    try:
        # A sync through the sandbox, with one 429 on the way (the client waits and retries).
        point_team_at(team, sandbox)
        sandbox.add_fault("rate_limit", count=1, retry_after=0)
        run_id = mirror_services.sync_request(team).id
        run = wait_for(
            lambda: SyncRun.objects.filter(id=run_id, state__in=SyncRun.FINISHED_STATES).first(),
            timeout=60,
            message="the sync",
        )
        assert run.state == SyncRun.State.DONE, run.message + worker.log()[-3000:]

        # A webhook delivery, received by gunicorn and processed by the worker.
        posting = sandbox.postings()[0]
        remote_id = sandbox.interviews(posting["posting_id"])[0]["interview_id"]
        cache.delete(f"webhooks:dedup:{team.id}:interview_completed:{remote_id}")
        body = json.dumps({"event_type": "interview_completed", "interview_id": remote_id})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST", hook_url(team), body, {"Host": "localhost", "Content-Type": "application/json"}
        )
        assert connection.getresponse().status in (200, 202)
        connection.close()
        wait_for(
            lambda: Delivery.objects.filter(team=team, state=Delivery.State.PROCESSED).exists(),
            timeout=60,
            message="the delivery processed",
        )

        # An import of three rows.
        live = Posting.objects.get(team=team, remote_id=posting["posting_id"])
        job = ingestion_services.import_create(
            team, posting=live, user=admin, upload=upload("people.csv", people(3)), retake=False
        )
        assert ingestion_services.import_start(job)
        done = wait_for(
            lambda: ImportJob.objects.filter(id=job.id, state__in=ImportJob.FINISHED_STATES).first(),
            timeout=60,
            message="the import",
        )
        assert done.state == ImportJob.State.DONE, done.message

        # Requests from several clients at once, so both gunicorn workers answer some.
        def probe_many():
            for _ in range(10):
                assert get(port, "/healthz")[0] == 200

        threads = [threading.Thread(target=probe_many) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert get(port, "/metrics")[0] == 404
        status, text = get(port, "/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200
        found = samples(text.decode())
    finally:
        stop_process(gunicorn)
    log = (tmp_path / "gunicorn.log").read_text()

    # Added up across processes: two gunicorn workers wrote request histograms...
    web_pids = {pid for pid in pids_writing(metrics_dir, "histogram") if pid != worker.proc.pid}
    assert len(web_pids) >= 2, (web_pids, log[-2000:])
    # ...and all 60 probes are counted whichever worker answered them.
    healthz = value(
        found, "dashboard_request_duration_seconds_count", view="healthz", method="GET", status="200"
    )
    assert healthz == 60
    assert (
        value(found, "dashboard_request_duration_seconds_count", view="webhook_receiver", method="POST") == 1
    )
    # The Celery worker (one solo process) wrote its counts beside them, into the same answer.
    assert worker.proc.pid in pids_writing(metrics_dir, "counter")
    assert value(found, "dashboard_heymilo_responses_total", endpoint="postings", status="200") >= 1
    assert value(found, "dashboard_heymilo_responses_total", endpoint="interviews", status="200") >= 1
    assert value(found, "dashboard_heymilo_responses_total", status="429") == 1
    assert value(found, "dashboard_heymilo_responses_total", endpoint="ingest_bulk", status="200") >= 1
    assert value(found, "dashboard_heymilo_rate_limit_wait_seconds_count") >= 1
    assert value(found, "dashboard_celery_tasks_total", state="SUCCESS") >= 3
    # Read at scrape time from the database and Redis.
    assert 0 <= value(found, "dashboard_sync_lag_seconds", team=str(team.id)) < 600
    assert ("dashboard_celery_queue_depth", frozenset({("queue", os.environ["CELERY_QUEUE"])})) in found
    assert value(found, "dashboard_webhook_deliveries", state="processed") == 1
    assert value(found, "dashboard_webhook_backlog") == 0
    assert value(found, "dashboard_import_rows", outcome="ingested") == 3
    assert value(found, "dashboard_scrape_ok") == 4
    # No label holds a path, an id of HeyMilo's, or a person's address.
    assert remote_id not in text.decode() and "@" not in text.decode()
