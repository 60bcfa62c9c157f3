"""/healthz, /readyz and /metrics: for load balancers, orchestrators and Prometheus, not people."""

import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from dashboard.accounts.throttle import client_ip
from dashboard.ops.collector import DashboardCollector
from dashboard.ops.health import readiness


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers: nothing else is touched, so a dead database never restarts the web."""
    return JsonResponse({"status": "ok"})


@login_not_required
@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """503 until every check passes; only each check's name and ok/fail, never why (the log says)."""
    checks = readiness()
    ready = all(checks.values())
    response = JsonResponse(
        {
            "status": "ok" if ready else "fail",
            "checks": {k: "ok" if v else "fail" for k, v in checks.items()},
        },
        status=200 if ready else 503,
    )
    # Django logs every 5xx as an ERROR (and Sentry would make each an event): a probe every few
    # seconds would bury the log. Each failing check has logged its WARNING with the reason.
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own marker, log_response()
    return response


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())
    if not settings.METRICS_ALLOWED_IPS:
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_IPS)


@login_not_required
@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, to an allow-listed address or a bearer token; anyone else gets the
    site's plain 404, as if there were nothing here."""
    if not _allowed(request):
        raise Http404
    if settings.PROMETHEUS_MULTIPROC_DIR:
        # Every process's files added up: gunicorn's workers and the Celery workers on this host.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    figures = CollectorRegistry()
    figures.register(DashboardCollector())
    return HttpResponse(
        generate_latest(registry) + generate_latest(figures), content_type=CONTENT_TYPE_LATEST
    )
