"""Webhooks: storing and processing deliveries (fetch-to-verify), and managing HeyMilo webhooks."""

import json
import logging
import time
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

import redis.exceptions
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from dashboard.accounts.models import KeyStatus, Team
from dashboard.heymilo_api import client_for
from dashboard.mirror import services as mirror
from dashboard.mirror.models import Interview, SyncRun
from dashboard.webhooks.models import EVENT_NAMES, EVENT_VERBS, Delivery, WebhookJob, WebhookSubscription
from heymilo.errors import (
    TRANSIENT_ERRORS,
    APIConnectionError,
    APITimeoutError,
    HeyMiloError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationError,
)
from heymilo.models import Webhook

log = logging.getLogger(__name__)

TRANSIENT = TRANSIENT_ERRORS  # see heymilo.errors
# Never stored: a sender (or a proxy in front of us) may put credentials in these.
SECRET_HEADERS = {"cookie", "authorization", "proxy-authorization", "x-api-key"}
BROKER_DOWN = (OperationalError, redis.exceptions.RedisError, ConnectionError, OSError)


# --- the receiver's URL --------------------------------------------------------------------

def receiver_url(team: Team) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("webhook_receiver", args=[team.webhook_token])


def receiver_is_local() -> bool:
    """HeyMilo cannot call an address that only this machine knows."""
    host = (urlsplit(settings.PUBLIC_BASE_URL).hostname or "").lower()
    return host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} or host.endswith(".local")  # noqa: S104


# --- receiving -------------------------------------------------------------------------------

def _clean(text: str) -> str:
    # PostgreSQL text and jsonb cannot hold NUL characters.
    return text.replace("\x00", "\ufffd")


def safe_headers(headers) -> dict:
    return {_clean(k): _clean(v)[:1000] for k, v in headers.items() if k.lower() not in SECRET_HEADERS}


def receive(team: Team, request) -> tuple[Delivery, int]:
    """Stores the request as a Delivery and enqueues its processing; returns it and the status to send.

    The row is written before anything can fail, so nothing HeyMilo sent is lost.
    """
    cap = settings.WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # Read one byte past the cap (never the whole body) to tell "at the cap" from "over it".
    raw = b"" if declared > cap else request.read(cap + 1)
    too_large = declared > cap or len(raw) > cap
    query = {_clean(k): _clean(v)[:2000] for k, v in request.GET.items()}
    delivery = Delivery(
        team=team,
        method=request.method,
        headers=safe_headers(request.headers),
        query=query,
        body="" if too_large else _clean(raw.decode("utf-8", errors="replace")),
    )
    if too_large:
        size = declared or len(raw)
        delivery.state = Delivery.State.REJECTED
        delivery.reason = (f"The body ({size} bytes or more) is over the limit of {cap} bytes; "
                           "it was not kept.")
        delivery.processed_at = timezone.now()
        delivery.save()
        return delivery, 413
    with transaction.atomic():
        delivery.save()
        # On commit (the worker must find the row), and tolerant of a broker that is down:
        # the delivery is stored either way and the sweep picks it up later.
        transaction.on_commit(partial(enqueue, delivery.id))
    return delivery, 202


# After a failed enqueue, skip the broker for a while: connecting to a dead Redis takes seconds,
# and a receiver must answer at once. The sweep enqueues what was stored meanwhile.
BROKER_PAUSE_SECONDS = 15.0
_broker_paused_until = 0.0


def enqueue(delivery_id: int, force: bool = False, sweeping: bool = False) -> bool:
    global _broker_paused_until
    from dashboard.webhooks import tasks  # tasks import this module

    if not sweeping and time.monotonic() < _broker_paused_until:
        return False
    try:
        # retry=False: a receiver must answer quickly; the sweep retries for us.
        tasks.process_delivery.apply_async((delivery_id,), {"force": force}, retry=False)
    except BROKER_DOWN as error:
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        log.warning("Delivery %s stored but not queued (%s); the sweep will process it.", delivery_id, error)
        return False
    _broker_paused_until = 0.0
    return True


# --- processing ------------------------------------------------------------------------------

def parse(delivery: Delivery) -> tuple[dict | None, str]:
    """The event the delivery names, or None and why not."""
    if delivery.method == "GET":
        data = dict(delivery.query)
    else:
        try:
            data = json.loads(delivery.body)
        except ValueError:
            return None, "The body is not JSON."
        if not isinstance(data, dict):
            return None, "The body is JSON but not an object."
    missing = [f for f in ("event_type", "interview_id") if not isinstance(data.get(f), str) or not data[f]]
    if missing:
        return None, f"Missing {' and '.join(missing)}."
    return data, ""


def dedup_key(delivery: Delivery) -> str:
    return f"webhooks:dedup:{delivery.team_id}:{delivery.event_type}:{delivery.interview_id}"


def claim(delivery: Delivery) -> bool:
    """Takes the delivery for this worker; False when another one took it or it is finished."""
    taken = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.RECEIVED).update(
        state=Delivery.State.PROCESSING, attempts=F("attempts") + 1
    )
    if taken:
        delivery.state = Delivery.State.PROCESSING
        delivery.attempts += 1
    return bool(taken)


def process_delivery(delivery: Delivery, force: bool = False) -> None:
    """Parses, deduplicates and verifies one delivery by fetching its interview from HeyMilo.

    Raises a TRANSIENT HeyMiloError (the delivery back to `received`) for the task to retry.
    """
    if not claim(delivery):
        return
    data, problem = parse(delivery)
    if data is None:
        delivery.finish(Delivery.State.REJECTED, problem)
        return
    delivery.event_type = data["event_type"][:100]
    delivery.interview_id = data["interview_id"][:100]
    delivery.posting_id = str(data.get("posting_id") or "")[:100]
    if delivery.event_type not in EVENT_NAMES:
        delivery.finish(Delivery.State.IGNORED, f"Unknown event type {delivery.event_type!r}.")
        return
    if not delivery.team.has_api_key:
        delivery.finish(Delivery.State.FAILED, "The team has no HeyMilo API key to verify the event with.")
        return
    key, window = dedup_key(delivery), settings.WEBHOOK_DEDUP_SECONDS
    # cache.add is atomic (Redis SET NX): of concurrent deliveries of one event, one wins.
    if window and not force and not cache.add(key, delivery.pk, window):
        first = cache.get(key)
        delivery.finish(Delivery.State.DUPLICATE,
                        f"Same event for this interview as delivery #{first} within {window} s.")
        return
    try:
        run = verify(delivery)
    except TRANSIENT as error:
        cache.delete(key)  # let the retry (or another delivery) do it
        delivery.state, delivery.reason = Delivery.State.RECEIVED, f"Will retry: {error}"
        delivery.save(update_fields=["state", "reason"])
        raise
    except HeyMiloError as error:
        cache.delete(key)
        reason = str(error)
        if isinstance(error, Unauthorized):
            reason = "HeyMilo rejected the team's API key."
        delivery.finish(Delivery.State.FAILED, reason)
        return
    if run.error_code == "not_found":
        delivery.finish(Delivery.State.REJECTED, "The interview is not visible to this team.")
    elif run.state == SyncRun.State.SKIPPED:
        delivery.finish(Delivery.State.PROCESSED, "A refresh of this interview was already running.")
    elif run.state == SyncRun.State.FAILED:
        delivery.finish(Delivery.State.FAILED, run.error)
    else:
        delivery.finish(Delivery.State.PROCESSED, "")


def verify(delivery: Delivery) -> SyncRun:
    """The event is only a hint: fetch the interview with the team's own key and upsert it.

    mirror.refresh_interview's steps, keeping the run so a failed fetch releases its lock.
    """
    run = SyncRun.objects.create(team=delivery.team, scope=SyncRun.Scope.INTERVIEW,
                                 target=delivery.interview_id)
    try:
        mirror.sync_step(run)
    except HeyMiloError as error:
        mirror.fail(run, error)
        raise
    return run


def fail_for_good(delivery_id: int, error: Exception) -> None:
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.RECEIVED).update(
        state=Delivery.State.FAILED, reason=f"Gave up: {error}", processed_at=timezone.now()
    )


def process_pending(older_than: float | None = None) -> int:
    """Enqueues deliveries stored but never processed (the broker was down); returns how many."""
    if older_than is None:
        older_than = settings.WEBHOOK_SWEEP_AFTER_SECONDS
    cutoff = timezone.now() - timedelta(seconds=older_than)
    ids = list(Delivery.objects.filter(state=Delivery.State.RECEIVED, received_at__lte=cutoff)
               .order_by("id").values_list("id", flat=True)[:1000])
    for delivery_id in ids:
        if not enqueue(delivery_id, sweeping=True):
            break  # still down: the next sweep tries again
    return len(ids)


def replay(delivery: Delivery) -> None:
    """Processes a delivery again, even if it was a duplicate or already processed."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.RECEIVED, reason="Replayed.", processed_at=None)
        transaction.on_commit(partial(enqueue, delivery.pk, True))


def notices(team: Team, after: int, limit: int = 5) -> list[dict]:
    """What changed since the page loaded: processed deliveries newer than `after`, newest first."""
    rows = list(Delivery.objects.for_team(team).filter(id__gt=after, state=Delivery.State.PROCESSED)
                .only("id", "event_type", "interview_id", "processed_at").order_by("-id")[:limit])
    interviews = {i.remote_id: i for i in Interview.objects.for_team(team)
                  .filter(remote_id__in={d.interview_id for d in rows})
                  .only("remote_id", "name", "status", "score")}
    return [{
        "id": d.id,
        "interview_id": d.interview_id,
        "interview": interviews.get(d.interview_id),
        "name": getattr(interviews.get(d.interview_id), "name", "") or "A candidate",
        "verb": EVENT_VERBS.get(d.event_type, d.event_type),
        "at": d.processed_at,
    } for d in rows]


# --- managing webhooks (run by workers) ------------------------------------------------------

def upsert_subscriptions(team: Team, hooks: list[Webhook]) -> None:
    now = timezone.now()
    for hook in hooks:
        WebhookSubscription.objects.update_or_create(
            team=team, webhook_id=hook.webhook_id,
            defaults={
                "posting_id": hook.posting_id or "",
                "url": hook.url or "",
                "event_type": hook.event_type or "",
                "http_method": (hook.http_method or "post").lower(),
                "is_active": hook.is_active is not False,
                "created_remote": hook.created_at,
                "updated_remote": hook.updated_at,
                "synced_at": now,
            },
        )


def refresh_subscriptions(team: Team, client) -> list[Webhook]:
    hooks = client.list_webhooks()
    with transaction.atomic():
        upsert_subscriptions(team, hooks)
        WebhookSubscription.objects.for_team(team).exclude(
            webhook_id__in=[h.webhook_id for h in hooks]).delete()
    return hooks


def connect(team: Team, client, posting_ids: list[str], url: str) -> int:
    """Subscribes the three events of each posting to `url`, skipping those already subscribed."""
    hooks = refresh_subscriptions(team, client)
    have = {(h.posting_id, h.event_type) for h in hooks if h.is_active is not False and h.url == url}
    created = 0
    for posting_id in posting_ids:
        for event in EVENT_NAMES:
            if (posting_id, event) not in have:
                upsert_subscriptions(team, [client.create_webhook(posting_id, url, event, "post")])
                created += 1
    return created


def repoint(team: Team, client, old_url: str, new_url: str) -> int:
    """After a token rotation: every webhook pointing at the old receiver URL moves to the new one."""
    moved = 0
    for hook in refresh_subscriptions(team, client):
        if hook.is_active is False or hook.url != old_url:
            continue
        # Create first: a failure in between leaves an extra hook, never a missing one.
        upsert_subscriptions(team, [client.create_webhook(
            hook.posting_id or "", new_url, hook.event_type or "", hook.http_method or "post")])
        client.deactivate_webhook(hook.webhook_id)
        moved += 1
    refresh_subscriptions(team, client)
    return moved


def run_job(job: WebhookJob, client=None) -> None:
    """Carries out a job and records its outcome in words a person can act on."""
    team = job.team
    client = client or client_for(team)
    p = job.params
    try:
        if job.kind == WebhookJob.Kind.CREATE:
            hook = client.create_webhook(p["posting_id"], p["url"], p["event_type"], p["http_method"])
            upsert_subscriptions(team, [hook])
            message = f"Webhook {hook.webhook_id} created."
        elif job.kind == WebhookJob.Kind.DEACTIVATE:
            client.deactivate_webhook(p["webhook_id"])
            upsert_subscriptions(team, [client.get_webhook(p["webhook_id"])])
            message = f"Webhook {p['webhook_id']} deactivated."
        elif job.kind == WebhookJob.Kind.REFRESH:
            message = f"{len(refresh_subscriptions(team, client))} webhooks loaded from HeyMilo."
        elif job.kind == WebhookJob.Kind.CONNECT:
            created = connect(team, client, p["posting_ids"], p["url"])
            refresh_subscriptions(team, client)
            message = (f"Connected: {created} webhooks created." if created
                       else "Already connected: nothing to create.")
        elif job.kind == WebhookJob.Kind.ROTATE:
            moved = repoint(team, client, p["old_url"], p["new_url"])
            message = f"New receiver URL in use; {moved} webhooks re-pointed to it."
        else:
            raise ValueError(f"unknown job kind {job.kind!r}")
    except ValidationError as error:
        job.finish(WebhookJob.Outcome.INVALID, "HeyMilo did not accept these values.", error.field_errors)
    except Unauthorized:
        team.record_key_status(KeyStatus.INVALID)
        job.finish(WebhookJob.Outcome.ERROR,
                   "HeyMilo rejected the team's API key. An admin can replace it in Settings.")
    except RateLimited as error:
        wait = f" Try again in {error.retry_after:.0f} s." if error.retry_after else " Try again shortly."
        job.finish(WebhookJob.Outcome.ERROR, "HeyMilo is rate-limiting this team's key." + wait)
    except NotFound:
        job.finish(WebhookJob.Outcome.ERROR, "HeyMilo does not know this posting or webhook.")
    except (ServerError, APIConnectionError, APITimeoutError, MalformedResponse) as error:
        job.finish(WebhookJob.Outcome.ERROR,
                   f"HeyMilo is unavailable right now ({type(error).__name__}). Try again later.")
    except HeyMiloError as error:
        job.finish(WebhookJob.Outcome.ERROR, f"HeyMilo error: {error}")
    else:
        job.finish(WebhookJob.Outcome.OK, message)


def start_job(team: Team, kind: str, params: dict, user=None) -> WebhookJob:
    from dashboard.webhooks import tasks

    with transaction.atomic():
        job = WebhookJob.objects.create(team=team, kind=kind, params=params, requested_by=user)
        tasks.run_webhook_job.delay_on_commit(job.id)
    return job


def rotate_token(team: Team, user=None) -> WebhookJob:
    """A new receiver token at once (the old URL stops working), then webhooks re-pointed by a worker."""
    from dashboard.accounts.models import new_webhook_token

    with transaction.atomic():
        old_url = receiver_url(team)
        team.webhook_token = new_webhook_token()
        team.save(update_fields=["webhook_token"])
        return start_job(team, WebhookJob.Kind.ROTATE,
                         {"old_url": old_url, "new_url": receiver_url(team)}, user)
