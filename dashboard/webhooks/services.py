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
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from dashboard.accounts.models import KeyStatus, Team, new_webhook_token
from dashboard.core.heymilo_api import client_for
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
from heymilo.ratelimit import RateLimitWait

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


def receive(token: str, request) -> tuple[int, str, int] | None:
    """Stores the request as a Delivery of the team whose token this is and enqueues its processing.

    Returns the delivery's id, its state and the status to answer, or None for an unknown token.
    The row is committed before the answer, so nothing HeyMilo sent and we acknowledged is lost.
    """
    team_id = Team.objects.filter(webhook_token=token).values_list("id", flat=True).first()
    if team_id is None:
        return None
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
        "headers": safe_headers(request.headers),
        "query": {_clean(k): _clean(v)[:2000] for k, v in request.GET.items()},
        "body": "" if too_large else _clean(raw.decode("utf-8", errors="replace")),
    }
    if too_large:
        size = declared or len(raw)
        values.update(state=Delivery.State.REJECTED, processed_at=timezone.now(), reason=(
            f"The body ({size} bytes or more) is over the limit of {cap} bytes; it was not kept."))
    # Outside a transaction (autocommit) the row is committed when create() returns.
    delivery = Delivery.objects.create(team_id=team_id, **values)
    if too_large:
        return delivery.id, Delivery.State.REJECTED, 413
    # Runs at once when committed already; inside a caller's transaction it waits for the commit,
    # as the worker must find the row. A broker that is down loses nothing: the sweep has the row.
    transaction.on_commit(partial(enqueue, delivery.id, team_id=team_id))
    return delivery.id, Delivery.State.RECEIVED, 202


# After a failed enqueue, skip the broker for a while: connecting to a dead Redis takes seconds,
# and a receiver must answer at once. The sweep enqueues what was stored meanwhile.
BROKER_PAUSE_SECONDS = 15.0
_broker_paused_until = 0.0


def enqueue(delivery_id: int, *, team_id: int | None = None, force: bool = False,
            sweeping: bool = False) -> bool:
    """Has a worker process the delivery: in its team's lane from the receiver, else as a task."""
    global _broker_paused_until
    from dashboard.webhooks import tasks  # tasks import this module

    if not sweeping and time.monotonic() < _broker_paused_until:
        return False
    try:
        # Inline mode has no worker to work a lane; replays and sweeps are rare, so they pay for a
        # task of their own. retry=False: a receiver must answer quickly; the sweep retries.
        if team_id is None or force or sweeping or tasks.process_delivery.app.conf.task_always_eager:
            tasks.process_delivery.apply_async((delivery_id,), {"force": force}, retry=False)
        else:
            to_lane(team_id, delivery_id)
    except BROKER_DOWN as error:
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        log.warning("Delivery %s stored but not queued (%s); the sweep will process it.", delivery_id, error)
        return False
    _broker_paused_until = 0.0
    return True


# --- lanes: one team's deliveries at a time ---------------------------------------------------
#
# Verifying a delivery spends one of the team's rate-limit tokens. A thousand deliveries to one
# team, each a task of its own, filled the queue ahead of every other team's work and kept every
# worker asleep on that team's bucket (tests/webhooks/test_fairness.py). So each team has a lane:
# a Redis list of its delivery ids worked by one task at a time, which processes them for about
# SYNC_STEP_SECONDS and then queues itself behind other teams' work, as a sync step does; when
# the team's bucket has no token within WEBHOOK_MAX_RATE_WAIT it comes back when one is due
# instead of sleeping. At most one task per team sits in the queue, whatever arrives. The database
# row stays the truth: an id lost with Redis is still `received` there and the sweep picks it up.

# The flag outlives a lane task that died holding it by this much at most (a live one renews it).
LANE_FLAG_SECONDS = 60
_lane_client = None


def lane_redis():
    global _lane_client
    if _lane_client is None:
        # redis-py's pool notices a fork and reconnects, so a module-level client is safe.
        _lane_client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    return _lane_client


def lane_keys(team_id: int) -> tuple[str, str]:
    """A team's lane and its busy flag, per Celery queue (tests and benches have their own)."""
    from dashboard.webhooks import tasks

    queue = tasks.process_delivery.app.conf.task_default_queue
    return f"webhooks:lane:{queue}:{team_id}", f"webhooks:lane-busy:{queue}:{team_id}"


def to_lane(team_id: int, delivery_id: int) -> None:
    """Appends a delivery to its team's lane, starting the lane's task when none runs."""
    from dashboard.webhooks import tasks

    lane, flag = lane_keys(team_id)
    client = lane_redis()
    with client.pipeline(transaction=False) as pipe:
        pipe.rpush(lane, delivery_id)
        pipe.set(flag, "1", nx=True, ex=LANE_FLAG_SECONDS)
        _, first = pipe.execute()
    if first:
        try:
            tasks.process_lane.apply_async((team_id,), retry=False)
        except BROKER_DOWN:
            client.delete(flag)  # the next delivery starts the lane; the sweep has the rows meanwhile
            raise


def work_lane(team_id: int) -> int:
    """Processes the team's lane for up to SYNC_STEP_SECONDS; returns how many deliveries.

    The lane task alone holds the flag. Before leaving with the lane empty it lets go and looks
    once more: a receiver that pushed after the last pop, while the flag was still held, started
    no task, so its id is this task's to process.
    """
    from dashboard.webhooks import tasks

    lane, flag = lane_keys(team_id)
    redis_client = lane_redis()
    deadline = time.monotonic() + settings.SYNC_STEP_SECONDS
    done, heymilo = 0, None
    try:
        while True:
            raw = redis_client.lpop(lane)
            if raw is None:
                redis_client.delete(flag)
                if redis_client.llen(lane) and redis_client.set(flag, "1", nx=True, ex=LANE_FLAG_SECONDS):
                    continue
                return done
            redis_client.expire(flag, LANE_FLAG_SECONDS)
            delivery = (Delivery.objects.select_related("team")
                        .filter(id=int(raw), team_id=team_id, state=Delivery.State.RECEIVED).first())
            if delivery is not None:
                if heymilo is None and delivery.team.has_api_key:
                    heymilo = client_for(delivery.team, max_rate_wait=settings.WEBHOOK_MAX_RATE_WAIT)
                try:
                    process_delivery(delivery, client=heymilo)
                except RateLimited as error:
                    # The team's key has no token (here or at HeyMilo): the delivery keeps its
                    # place and the lane comes back when one is due, off the worker.
                    redis_client.lpush(lane, raw)
                    tasks.process_lane.apply_async((team_id,), countdown=max(0.05, error.retry_after or 1.0))
                    return done
                except TRANSIENT:
                    # HeyMilo failed this one: it is retried on its own with backoff.
                    tasks.process_delivery.apply_async((delivery.id,), countdown=4)
                except Exception:
                    # Left `processing`: the sweep retries it, a bounded number of times.
                    log.exception("Delivery %s failed in team %s's lane.", delivery.id, team_id)
                done += 1
            if time.monotonic() >= deadline and redis_client.llen(lane):
                tasks.process_lane.apply_async((team_id,))  # the rest behind other teams' work
                return done
    finally:
        if heymilo is not None:
            heymilo.close()


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
        except RecursionError:
            return None, "The body is JSON nested too deeply to read."
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
    now = timezone.now()
    taken = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.RECEIVED).update(
        state=Delivery.State.PROCESSING, attempts=F("attempts") + 1, claimed_at=now
    )
    if taken:
        delivery.state = Delivery.State.PROCESSING
        delivery.attempts += 1
        delivery.claimed_at = now
    return bool(taken)


def fetched_since(delivery: Delivery) -> bool:
    """A refresh of the interview that started after the delivery arrived already shows what the
    event announced: fetching again would only spend the team's rate limit."""
    return SyncRun.objects.for_team(delivery.team).filter(
        scope=SyncRun.Scope.INTERVIEW, state=SyncRun.State.DONE,
        created_at__gte=delivery.received_at, target=delivery.interview_id,
        started_at__gte=delivery.received_at).exists()


def process_delivery(delivery: Delivery, force: bool = False, client=None) -> None:
    """Parses, deduplicates and verifies one delivery by fetching its interview from HeyMilo.

    Raises a TRANSIENT HeyMiloError (the delivery back to `received`) for the task to retry;
    RateLimitWait when the team's bucket had no token in time (nothing sent, no attempt counted).
    """
    if not claim(delivery):
        return
    data, problem = parse(delivery)
    if data is None:
        delivery.finish(Delivery.State.REJECTED, problem)
        return
    delivery.event_type = _clean(data["event_type"])[:100]
    delivery.interview_id = _clean(data["interview_id"])[:100]
    delivery.posting_id = _clean(str(data.get("posting_id") or ""))[:100]
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
        # The key may be this delivery's own, taken by a worker that died before finishing it.
        if first != delivery.pk:
            delivery.finish(Delivery.State.DUPLICATE,
                            f"Same event for this interview as delivery #{first} within {window} s.")
            return
    if not force and fetched_since(delivery):
        delivery.finish(Delivery.State.PROCESSED, "Already fetched from HeyMilo after this delivery arrived.")
        return
    try:
        run = verify(delivery, client)
    except TRANSIENT as error:
        cache.delete(key)  # let the retry (or another delivery) do it
        delivery.state, delivery.reason = Delivery.State.RECEIVED, f"Will retry: {error}"
        fields = ["state", "reason"]
        if isinstance(error, RateLimitWait):
            # Nothing was sent: waiting for a token is not an attempt that failed.
            delivery.attempts -= 1
            delivery.reason = "Waiting for the team's rate limit."
            fields.append("attempts")
        delivery.save(update_fields=fields)
        raise
    except HeyMiloError as error:
        cache.delete(key)
        reason = str(error)
        if isinstance(error, Unauthorized):
            reason = "HeyMilo rejected the team's API key."
        delivery.finish(Delivery.State.FAILED, reason)
        return
    if run.outcome == "not_found":
        delivery.finish(Delivery.State.REJECTED, "The interview is not visible to this team.")
    elif run.state == SyncRun.State.SKIPPED:
        delivery.finish(Delivery.State.PROCESSED, "A refresh of this interview was already running.")
    elif run.state == SyncRun.State.FAILED:
        delivery.finish(Delivery.State.FAILED, run.message)
    else:
        delivery.finish(Delivery.State.PROCESSED, "")


def verify(delivery: Delivery, client=None) -> SyncRun:
    """The event is only a hint: fetch the interview with the team's own key and upsert it.

    mirror.refresh_interview's steps, keeping the run so a failed fetch releases its lock.
    """
    refreshes = SyncRun.objects.for_team(delivery.team).filter(scope=SyncRun.Scope.INTERVIEW,
                                                               target=delivery.interview_id)
    for active in refreshes.active():
        # One whose worker died (its lock expired: a delivery the sweep took back) would stay
        # `running` for good; as request_sync does, say so before starting anew.
        if not mirror.is_alive(active):
            active.finish(state=SyncRun.State.INTERRUPTED, outcome="interrupted",
                          message="The worker running this sync stopped.")
    run = refreshes.create(team=delivery.team, scope=SyncRun.Scope.INTERVIEW, target=delivery.interview_id)
    try:
        mirror.sync_step(run, client)
    except RateLimitWait:
        # Nothing was sent; the delivery is processed again when the team has a token.
        run.finish(state=SyncRun.State.INTERRUPTED, outcome="rate_limited",
                   message="Waiting for the team's rate limit.")
        mirror.release(run)
        raise
    except HeyMiloError as error:
        mirror.fail(run, error)
        raise
    return run


def fail_for_good(delivery_id: int, error: Exception) -> None:
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.RECEIVED).update(
        state=Delivery.State.FAILED, reason=f"Gave up: {error}", processed_at=timezone.now()
    )


def process_pending(older_than: float | None = None, stuck_after: float | None = None) -> int:
    """The sweep: enqueues deliveries stored but never processed (the broker was down) and those
    left `processing` by a worker that died mid-task; returns how many."""
    if older_than is None:
        older_than = settings.WEBHOOK_SWEEP_AFTER_SECONDS
    if stuck_after is None:
        stuck_after = settings.WEBHOOK_PROCESSING_TIMEOUT
    now = timezone.now()
    # A task redelivered after its worker died finds the delivery `processing` and leaves it, so
    # the sweep hands it back, but only after longer than a task may live (process_delivery's
    # time limit): a slow worker still at it is never raced. Of concurrent sweeps, the
    # conditional update lets one reset each; of the tasks enqueued, claim() lets one process it.
    cutoff = now - timedelta(seconds=stuck_after)
    # (Claimed before claimed_at existed: by when it was received.)
    stalled = Q(Q(claimed_at__lte=cutoff) | Q(claimed_at=None, received_at__lte=cutoff),
                state=Delivery.State.PROCESSING)
    # One taken this often without finishing stops its worker each time (a poison body, a crash):
    # sending it again would never end. An admin can replay it once the cause is fixed.
    limit = settings.WEBHOOK_MAX_ATTEMPTS
    waited = Q(state=Delivery.State.RECEIVED, received_at__lte=now - timedelta(seconds=older_than))
    Delivery.objects.filter(stalled | waited, attempts__gte=limit).update(
        state=Delivery.State.FAILED, processed_at=now,
        reason=f"Gave up after {limit} attempts that did not finish; replay it once the cause is fixed.")
    stuck = Delivery.objects.filter(stalled)
    stuck_ids = list(stuck.values_list("id", flat=True)[:1000])
    if stuck_ids:
        stuck.filter(id__in=stuck_ids).update(
            state=Delivery.State.RECEIVED, reason="Its worker stopped while processing it: sent again.")
    waiting = Q(received_at__lte=now - timedelta(seconds=older_than)) | Q(id__in=stuck_ids)
    rows = list(Delivery.objects.filter(waiting, state=Delivery.State.RECEIVED)
                .order_by("id").values_list("id", "team_id")[:1000])
    # A team's lane that is alive reaches its deliveries in turn, however long its rate limit
    # makes them wait; sending them again as tasks would only crowd out other teams' work.
    busy = busy_lanes({team_id for _, team_id in rows})
    resent = set(stuck_ids)
    ids = [delivery_id for delivery_id, team_id in rows if team_id not in busy or delivery_id in resent]
    for delivery_id in ids:
        if not enqueue(delivery_id, sweeping=True):
            break  # still down: the next sweep tries again
    return len(ids)


def busy_lanes(team_ids: set[int]) -> set[int]:
    """Teams whose lane task holds its flag (its worker alive within LANE_FLAG_SECONDS)."""
    from dashboard.webhooks import tasks

    if not team_ids or tasks.process_delivery.app.conf.task_always_eager:
        return set()
    order = sorted(team_ids)
    try:
        held = lane_redis().mget([lane_keys(team_id)[1] for team_id in order])
    except BROKER_DOWN:
        return set()
    return {team_id for team_id, flag in zip(order, held, strict=True) if flag}


def replay(delivery: Delivery) -> None:
    """Processes a delivery again, even if it was a duplicate or already processed."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.RECEIVED, reason="Replayed.", processed_at=None, attempts=0)
        transaction.on_commit(partial(enqueue, delivery.pk, force=True))


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
        job.fail("HeyMilo did not accept these values.", outcome=WebhookJob.Outcome.INVALID,
                 field_errors=error.field_errors)
    except Unauthorized:
        team.record_key_status(KeyStatus.INVALID)
        job.fail("HeyMilo rejected the team's API key. An admin can replace it in Settings.",
                 outcome=WebhookJob.Outcome.ERROR)
    except RateLimited as error:
        wait = f" Try again in {error.retry_after:.0f} s." if error.retry_after else " Try again shortly."
        job.fail("HeyMilo is rate-limiting this team's key." + wait, outcome=WebhookJob.Outcome.ERROR)
    except NotFound:
        job.fail("HeyMilo does not know this posting or webhook.", outcome=WebhookJob.Outcome.ERROR)
    except (ServerError, APIConnectionError, APITimeoutError, MalformedResponse) as error:
        job.fail(f"HeyMilo is unavailable right now ({type(error).__name__}). Try again later.",
                 outcome=WebhookJob.Outcome.ERROR)
    except HeyMiloError as error:
        job.fail(f"HeyMilo error: {error}", outcome=WebhookJob.Outcome.ERROR)
    else:
        job.finish(outcome=WebhookJob.Outcome.OK, message=message)


def start_job(team: Team, kind: str, params: dict, user=None) -> WebhookJob:
    from dashboard.webhooks import tasks

    with transaction.atomic():
        job = WebhookJob.objects.create(team=team, kind=kind, params=params, requested_by=user)
        tasks.run_webhook_job.delay_on_commit(job.id)
    return job


def rotate_token(team: Team, user=None) -> WebhookJob:
    """A new receiver token at once (the old URL stops working), then webhooks re-pointed by a worker."""
    with transaction.atomic():
        old_url = receiver_url(team)
        team.webhook_token = new_webhook_token()
        team.save(update_fields=["webhook_token"])
        return start_job(team, WebhookJob.Kind.ROTATE,
                         {"old_url": old_url, "new_url": receiver_url(team)}, user)
