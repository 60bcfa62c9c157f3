"""Project-wide middleware that belongs to no single app."""

from django.http import HttpResponseNotFound


def refuse_nul_in_path(get_response):
    """No id we route can hold a NUL character, and PostgreSQL refuses one in any text query
    (a 500 for whoever sent it, anonymous webhook callers included): answer 404 up front."""

    def middleware(request):
        if "\x00" in request.path:
            return HttpResponseNotFound("Not found.", content_type="text/plain")
        return get_response(request)

    return middleware
