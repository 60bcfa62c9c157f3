"""Receiving: the receiver's URL, and storing what HeyMilo sends before answering it."""

from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.webhooks.models import Delivery
from dashboard.webhooks.processing import clean_text, delivery_enqueue
from dashboard.webhooks.signals import delivery_rejected

# Never stored: a sender (or a proxy in front of us) may put credentials in these.
SECRET_HEADERS = {"cookie", "authorization", "proxy-authorization", "x-api-key"}


def receiver_url(team: Team) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("webhook_receiver", args=[team.webhook_token])


def receiver_is_local() -> bool:
    """HeyMilo cannot call an address that only this machine knows."""
    host = (urlsplit(settings.PUBLIC_BASE_URL).hostname or "").lower()
    return host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} or host.endswith(".local")  # noqa: S104


def _safe_headers(headers) -> dict:
    return {
        clean_text(k): clean_text(v)[:1000] for k, v in headers.items() if k.lower() not in SECRET_HEADERS
    }


def delivery_receive(token: str, *, request) -> tuple[int, str, int] | None:
    """Stores the request as a Delivery of the team whose token this is and enqueues its processing.

    Returns the delivery's id, its state and the status to answer, or None for an unknown token.
    The row is committed before the answer, so nothing HeyMilo sent and we acknowledged is lost.
    """
    cap = settings.WEBHOOK_MAX_BODY_BYTES
    length = request.META.get("CONTENT_LENGTH")
    try:
        declared = int(length or 0)
    except ValueError:
        declared = 0
    # Read one byte past the cap (never the whole body) to tell "at the cap" from "over it".
    if declared > cap:
        raw = b""
    elif not length and request.META.get("wsgi.input_terminated"):
        # A chunked body has no Content-Length, and Django reads nothing past a length it does
        # not know; a server that ends the stream itself (gunicorn says so) lets us read to EOF.
        raw = request.META["wsgi.input"].read(cap + 1)
    else:
        raw = request.read(cap + 1)
    too_large = declared > cap or len(raw) > cap
    values = {
        "method": request.method,
        "headers": _safe_headers(request.headers),
        "query": {clean_text(k): clean_text(v)[:2000] for k, v in request.GET.items()},
        "body": "" if too_large else clean_text(raw.decode("utf-8", errors="replace")),
    }
    if too_large:
        size = declared or len(raw)
        values.update(
            state=Delivery.State.REJECTED,
            processed_at=timezone.now(),
            reason=(f"The body ({size} bytes or more) is over the limit of {cap} bytes; it was not kept."),
        )
    # Outside a transaction (autocommit) the row is committed when the statement returns.
    stored = Delivery.objects.store_for_token(token, **values)
    if stored is None:
        return None
    delivery_id, team_id = stored
    if too_large:
        delivery_rejected.send(sender=Delivery, team_id=team_id)
        return delivery_id, Delivery.State.REJECTED, 413
    # Runs at once when committed already; inside a caller's transaction it waits for the commit,
    # as the worker must find the row. A broker that is down loses nothing: the sweep has the row.
    transaction.on_commit(partial(delivery_enqueue, delivery_id, team_id=team_id))
    return delivery_id, Delivery.State.RECEIVED, 202
