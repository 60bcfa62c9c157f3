"""Project-wide middleware that belongs to no single app."""

from django.http import HttpResponseNotFound
from django.utils.cache import patch_cache_control


def refuse_nul_in_path(get_response):
    """No id we route can hold a NUL character, and PostgreSQL refuses one in any text query
    (a 500 for whoever sent it, anonymous webhook callers included): answer 404 up front."""

    def middleware(request):
        if "\x00" in request.path:
            return HttpResponseNotFound("Not found.", content_type="text/plain")
        return get_response(request)

    return middleware


def no_store_when_signed_in(get_response):
    """Whatever a signed-in person is sent (candidate pages, htmx partials, CSV, TXT and VTT
    downloads) holds the team's candidates' personal data: no browser or proxy may keep a copy.
    One place covers every view, downloads included; static files never get here (WhiteNoise
    answers them earlier)."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware
