"""Figures read when /metrics is scraped, from the database and Redis: right whichever process did
the work, and nothing to keep in step across processes. Each query is one small aggregate over an
index; a part that fails (the database is down) is left out and `dashboard_scrape_ok` says so.

These read across teams on purpose: /metrics is the operator's view of the whole deployment, never
a team's page, and it names teams by id only."""

import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from dashboard.accounts.models import Team
from dashboard.ingestion.models import ImportRow
from dashboard.mirror.models import SyncRun
from dashboard.ops import health
from dashboard.webhooks.models import Delivery

logger = logging.getLogger(__name__)

# Webhook deliveries and import rows are counted over this window: enough for a rate of failures,
# small enough that the count stays a cheap index range however long the tables grow.
WINDOW = timedelta(hours=24)
BACKLOG = (Delivery.State.RECEIVED, Delivery.State.PROCESSING)
# kombu's Redis transport keeps a queue's prioritised messages in lists beside the plain one.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def sync_lag() -> Iterator[GaugeMetricFamily]:
    now = timezone.now()
    lag = GaugeMetricFamily(
        "dashboard_sync_lag_seconds",
        "Seconds since the team's last successful whole-team sync (teams with an API key).",
        labels=["team"],
    )
    never = GaugeMetricFamily(
        "dashboard_teams_never_synced", "Teams with an API key and no successful whole-team sync yet."
    )
    last = dict(
        SyncRun.objects.filter(scope=SyncRun.Scope.TEAM, state=SyncRun.State.DONE)
        .values("team_id")
        .annotate(last=Max("finished_at"))
        .values_list("team_id", "last")
    )
    unsynced = 0
    for team_id in Team.objects.exclude(api_key_encrypted="").values_list("id", flat=True):
        finished = last.get(team_id)
        if finished is None:
            unsynced += 1
        else:
            lag.add_metric([str(team_id)], (now - finished).total_seconds())
    never.add_metric([], unsynced)
    yield lag
    yield never


def counted_by(name: str, doc: str, queryset, field: str, values: list[str]) -> GaugeMetricFamily:
    """One sample per value of `field` (every known value, 0 when none), in one GROUP BY."""
    family = GaugeMetricFamily(name, doc, labels=[field])
    counts = dict(queryset.order_by().values(field).annotate(n=Count("id")).values_list(field, "n"))
    for known in values:
        family.add_metric([known], counts.get(known, 0))
    return family


def webhooks() -> Iterator[GaugeMetricFamily]:
    now = timezone.now()
    yield counted_by(
        "dashboard_webhook_deliveries",
        "Webhook deliveries received in the last 24 hours, by their state now.",
        Delivery.objects.filter(received_at__gte=now - WINDOW),
        "state",
        Delivery.State.values,
    )
    waiting = Delivery.objects.filter(state__in=BACKLOG).aggregate(n=Count("id"), oldest=Min("received_at"))
    yield GaugeMetricFamily(
        "dashboard_webhook_backlog",
        "Deliveries stored and not yet processed (received or processing), any age.",
        value=waiting["n"],
    )
    oldest = waiting["oldest"]
    yield GaugeMetricFamily(
        "dashboard_webhook_backlog_oldest_seconds",
        "Age of the oldest delivery not yet processed (0 with none).",
        value=(now - oldest).total_seconds() if oldest else 0,
    )


def import_rows() -> Iterator[GaugeMetricFamily]:
    yield counted_by(
        "dashboard_import_rows",
        "Rows of candidate imports created in the last 24 hours, by outcome.",
        ImportRow.objects.filter(job__created_at__gte=timezone.now() - WINDOW),
        "outcome",
        ImportRow.Outcome.values,
    )


def queue_depth() -> Iterator[GaugeMetricFamily]:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client = health.redis_for(settings.REDIS_URL)
    pipe = client.pipeline()
    for suffix in PRIORITY_SUFFIXES:
        pipe.llen(queue + suffix)
    family = GaugeMetricFamily(
        "dashboard_celery_queue_depth", "Tasks waiting in the Celery queue (Redis LLEN).", labels=["queue"]
    )
    family.add_metric([queue], sum(pipe.execute()))
    yield family


PARTS = {"sync_lag": sync_lag, "webhooks": webhooks, "import_rows": import_rows, "queue": queue_depth}


class DashboardCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        ok = GaugeMetricFamily(
            "dashboard_scrape_ok", "1 when this part of the scrape could be read, else 0.", labels=["part"]
        )
        for name, part in PARTS.items():
            if name == "queue" and settings.TASKS_INLINE:
                continue
            try:
                families = list(part())
            except Exception:
                logger.warning("metrics: could not read %s", name, exc_info=True)
                ok.add_metric([name], 0)
                continue
            ok.add_metric([name], 1)
            yield from families
        yield ok
