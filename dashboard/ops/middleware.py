"""First middleware of all: the request id for the request's logs and tasks, and its latency."""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from dashboard.core.metrics import REQUEST_SECONDS
from dashboard.ops.context import request_id_from, request_id_var

logger = logging.getLogger("dashboard.request")

# Asked every few seconds by machines: counted in the metrics, not written to the log.
PROBES = frozenset({"healthz", "readyz", "metrics"})

type GetResponse = Callable[[HttpRequest], HttpResponseBase]

# Methods outside these are counted as "other": a label must not take whatever a client sends.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_context(get_response: GetResponse) -> GetResponse:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        token = request_id_var.set(request_id)
        try:
            response = get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        # The URL's name, never its path: ids in paths would make a series per object. A path no
        # pattern matched (a 404 before any view) is "unmatched".
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        method = request.method if request.method in METHODS else "other"
        elapsed = time.perf_counter() - started
        REQUEST_SECONDS.labels(view, method, str(response.status_code)).observe(elapsed)
        if view in PROBES:
            return response
        # The access log gunicorn does not keep by default, under the request's id (reset above,
        # so passed along). The URL name, not the path: a path can hold a token.
        logger.info(
            "%s %s %s %.3fs",
            method,
            view,
            response.status_code,
            elapsed,
            extra={"request_id": request_id, "status_code": response.status_code},
        )
        return response

    return middleware
