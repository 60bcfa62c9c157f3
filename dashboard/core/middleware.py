"""Project-wide middleware that belongs to no single app."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseNotFound, QueryDict
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control

WEBHOOK_PREFIX = "/hooks/"

type GetResponse = Callable[[HttpRequest], HttpResponseBase]


def refuse_nul(get_response: GetResponse) -> GetResponse:
    """PostgreSQL refuses a NUL character in any text query, so one in a path, a query string or
    a form value was a 500 for whoever sent it: answer up front instead, before any view runs.

    A path is a 404 (no id we route can hold a NUL), a query or form value a 400. The webhook
    receiver, the busiest path, takes its query and body as they come (it stores them with NULs
    made visible) and pays for nothing more than the path check."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path:
            return HttpResponseNotFound("Not found.", content_type="text/plain")
        if not request.path.startswith(WEBHOOK_PREFIX) and _nul_in_values(request):
            return HttpResponseBadRequest(
                "A query or form value holds a NUL character, which cannot be used: remove it and try again.",
                content_type="text/plain",
            )
        return get_response(request)

    return middleware


def _nul_in_values(request: HttpRequest) -> bool:
    # Percent-decoding makes a NUL only from "%00" or a raw NUL: most query strings are
    # dismissed without being parsed.
    query = request.META.get("QUERY_STRING", "")
    if ("%00" in query or "\x00" in query) and _holds_nul(request.GET):
        return True
    if request.method != "POST":
        return False
    try:
        # CSRF checking parses every POST body anyway (the result is kept): no second parse.
        # Only form bodies are parsed, and for multipart only the non-file fields are values
        # here; files stay under the upload handlers and their limits.
        form = request.POST
    except OSError:
        return False  # the client went away mid-body; the CSRF check answers that request
    return _holds_nul(form)


def _holds_nul(values: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in items) for key, items in values.lists())


def no_store_when_signed_in(get_response: GetResponse) -> GetResponse:
    """Whatever a signed-in person is sent (candidate pages, htmx partials, CSV, TXT and VTT
    downloads) holds the team's candidates' personal data: no browser or proxy may keep a copy.
    One place covers every view, downloads included; static files never get here (WhiteNoise
    answers them earlier)."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware
