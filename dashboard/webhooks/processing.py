"""Processing deliveries: parse, claim, verify by fetching the interview, the sweep, and lanes."""

import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from urllib.parse import parse_qsl

import redis.exceptions
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from kombu.exceptions import OperationalError

from dashboard.core.heymilo_api import client_for
from dashboard.core.tasks import task_named
from dashboard.mirror import services as mirror
from dashboard.mirror.models import SyncRun
from dashboard.webhooks.models import EVENT_NAMES, Delivery
from heymilo.errors import TRANSIENT_ERRORS, HeyMiloError, RateLimited, Unauthorized
from heymilo.ratelimit import RateLimitWait

log = logging.getLogger(__name__)

TRANSIENT = TRANSIENT_ERRORS  # see heymilo.errors
BROKER_DOWN = (OperationalError, redis.exceptions.RedisError, ConnectionError, OSError)
# The tasks that run this module's work, by name: they import this module, so it cannot import them.
PROCESS_DELIVERY = "dashboard.webhooks.tasks.process_delivery"
PROCESS_LANE = "dashboard.webhooks.tasks.process_lane"


def clean_text(text: str) -> str:
    # PostgreSQL text and jsonb cannot hold NUL characters.
    return text.replace("\x00", "\ufffd")


# After a failed enqueue, skip the broker for a while: connecting to a dead Redis takes seconds,
# and a receiver must answer at once. The sweep enqueues what was stored meanwhile.
BROKER_PAUSE_SECONDS = 15.0
_broker_paused_until = 0.0


def delivery_enqueue(
    delivery_id: int, *, team_id: int | None = None, force: bool = False, sweeping: bool = False
) -> bool:
    """Has a worker process the delivery: in its team's lane from the receiver, else as a task."""
    global _broker_paused_until
    if not sweeping and time.monotonic() < _broker_paused_until:
        return False
    try:
        # Inline mode has no worker to work a lane; replays and sweeps are rare, so they pay for a
        # task of their own. retry=False: a receiver must answer quickly; the sweep retries.
        if team_id is None or force or sweeping or current_app.conf.task_always_eager:
            task_named(PROCESS_DELIVERY).apply_async((delivery_id,), {"force": force}, retry=False)
        else:
            lane_push(team_id, delivery_id=delivery_id)
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
    queue = current_app.conf.task_default_queue
    return f"webhooks:lane:{queue}:{team_id}", f"webhooks:lane-busy:{queue}:{team_id}"


def lane_push(team_id: int, *, delivery_id: int) -> None:
    """Appends a delivery to its team's lane, starting the lane's task when none runs."""
    lane, flag = lane_keys(team_id)
    client = lane_redis()
    with client.pipeline(transaction=False) as pipe:
        pipe.rpush(lane, delivery_id)
        pipe.set(flag, "1", nx=True, ex=LANE_FLAG_SECONDS)
        _, first = pipe.execute()
    if first:
        try:
            task_named(PROCESS_LANE).apply_async((team_id,), retry=False)
        except BROKER_DOWN:
            client.delete(flag)  # the next delivery starts the lane; the sweep has the rows meanwhile
            raise


def lane_work(team_id: int) -> int:
    """Processes the team's lane for up to SYNC_STEP_SECONDS; returns how many deliveries.

    The lane task alone holds the flag. Before leaving with the lane empty it lets go and looks
    once more: a receiver that pushed after the last pop, while the flag was still held, started
    no task, so its id is this task's to process.
    """
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
            delivery = (
                Delivery.objects.select_related("team")
                .filter(id=int(raw), team_id=team_id, state=Delivery.State.RECEIVED)
                .first()
            )
            if delivery is not None:
                if heymilo is None and delivery.team.has_api_key:
                    heymilo = client_for(delivery.team, max_rate_wait=settings.WEBHOOK_MAX_RATE_WAIT)
                try:
                    delivery_process(delivery, client=heymilo)
                except RateLimited as error:
                    # The team's key has no token (here or at HeyMilo): the delivery keeps its
                    # place and the lane comes back when one is due, off the worker.
                    redis_client.lpush(lane, raw)
                    wait = max(0.05, error.retry_after or 1.0)
                    task_named(PROCESS_LANE).apply_async((team_id,), countdown=wait)
                    return done
                except TRANSIENT:
                    # HeyMilo failed this one: it is retried on its own with backoff.
                    task_named(PROCESS_DELIVERY).apply_async((delivery.id,), countdown=4)
                except Exception:
                    # Left `processing`: the sweep retries it, a bounded number of times.
                    log.exception("Delivery %s failed in team %s's lane.", delivery.id, team_id)
                done += 1
            if time.monotonic() >= deadline and redis_client.llen(lane):
                task_named(PROCESS_LANE).apply_async((team_id,))  # the rest behind other teams' work
                return done
    finally:
        if heymilo is not None:
            heymilo.close()


# --- processing ------------------------------------------------------------------------------

# The keys each part of an event may be under, most specific first. HeyMilo has not published
# its delivery format; these are the spellings senders commonly use.
EVENT_KEYS = ("event_type", "eventType", "event_name", "type", "event")
INTERVIEW_KEYS = ("interview_id", "interviewId")
POSTING_KEYS = ("posting_id", "postingId")
# Objects an envelope puts the event's details in: {"event": ..., "data": {"interview_id": ...}}.
CONTAINERS = ("data", "payload", "object", "event")


@dataclass(frozen=True)
class ParsedEvent:
    event_type: str
    interview_id: str
    posting_id: str = ""


def _text(value) -> str:
    """An id or name as text: strings and integers (not booleans, floats or objects)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _event_name(value: str) -> str:
    """ "interview.completed", "Interview-Completed", "INTERVIEW COMPLETED" -> "interview_completed"."""
    return "_".join(value.lower().replace(".", " ").replace("-", " ").replace("/", " ").split())


def _first(objects: list[dict], keys: tuple[str, ...]) -> str:
    for obj in objects:
        for key in keys:
            if found := _text(obj.get(key)):
                return found
    return ""


def _object_id(objects: list[dict], name: str) -> str:
    """The id of a nested object: {"interview": {"id": ...}} or {"interview": "..."}."""
    for obj in objects:
        value = obj.get(name)
        if isinstance(value, dict):
            if found := _text(value.get(f"{name}_id")) or _text(value.get("id")):
                return found
        elif found := _text(value):
            return found
    return ""


def event_read(data: dict) -> ParsedEvent | None:
    """The one place that knows the delivery shapes we accept, tried in this order:

    - flat: {"event_type": "interview_completed", "interview_id": "...", "posting_id": "..."};
    - the event under "type", "event", "eventType" or "event_name", in any case and with dots,
      dashes or spaces ("interview.completed", "Interview Completed");
    - an envelope: the ids under "data", "payload" or "object" (two levels deep, as in
      {"type": ..., "data": {"object": {...}}}), or under "event" when it is an object;
    - the interview id as "interview_id", "interviewId", an "interview" object's "id" or
      "interview_id", an "interview" string, or a bare "id" (inside the envelope first; at the
      top only when there is no envelope, where an id is usually the event's own);
    - ids as strings or integers.

    None when no event name or no interview id can be found (the delivery is `unrecognised`).
    tests/webhooks/test_payload_shapes.py holds one case per shape.
    """
    inner = [v for key in CONTAINERS if isinstance(v := data.get(key), dict)]
    inner += [v for obj in inner for key in CONTAINERS if isinstance(v := obj.get(key), dict)]
    objects = [data, *inner]
    # {"type": "webhook", "event": "interview.completed"}: a name we know wins over the first found.
    names = [_event_name(found) for obj in objects for key in EVENT_KEYS if (found := _text(obj.get(key)))]
    event_type = next((name for name in names if name in EVENT_NAMES), names[0] if names else "")
    interview_id = (
        _first(objects, INTERVIEW_KEYS)
        or _object_id(objects, "interview")
        or _first(inner or [data], ("id",))
    )
    if not event_type or not interview_id:
        return None
    posting_id = _first(objects, POSTING_KEYS) or _object_id(objects, "posting")
    return ParsedEvent(event_type, interview_id, posting_id)


def delivery_parse(delivery: Delivery) -> tuple[ParsedEvent | None, str]:
    """The event the delivery names, or None and why not (event_read says which shapes)."""
    if delivery.method == "GET":
        # Our own parameters are not the sender's: the posting counts only when signed.
        data = {k: v for k, v in delivery.query.items() if k not in (POSTING_PARAM, POSTING_SIGNATURE)}
    else:
        try:
            data = json.loads(delivery.body)
        except ValueError:
            # A form-encoded POST carries the same fields as a GET's query string.
            form = dict(parse_qsl(delivery.body.strip())) if "=" in delivery.body else {}
            if not form:
                return None, "The body is not JSON."
            data = form
        except RecursionError:
            return None, "The body is JSON nested too deeply to read."
        if not isinstance(data, dict):
            return None, "The body is JSON but not an object."
    parsed = event_read(data)
    if parsed is None:
        return None, "No event name and interview id found in a shape we know."
    return parsed, ""


# --- the posting a dashboard-made webhook belongs to ------------------------------------------
#
# Every webhook the dashboard creates carries its posting in its URL (?posting=<id>&sig=<hmac>,
# subscriptions.posting_receiver_url), so a delivery whose body cannot be read still tells us
# which posting to refresh. The signature is keyed by SECRET_KEY and the team, not by the
# receiver token alone: whoever learns the URL cannot name other postings with it.
POSTING_PARAM = "posting"
POSTING_SIGNATURE = "sig"


def posting_signature(team_id: int, posting_id: str, *, secret: str | None = None) -> str:
    return salted_hmac(
        "dashboard.webhooks.posting", f"{team_id}:{posting_id}", secret=secret, algorithm="sha256"
    ).hexdigest()[:32]


def delivery_signed_posting(delivery: Delivery) -> str:
    """The posting named in the delivery's URL when its signature holds, else ""."""
    posting_id = delivery.query.get(POSTING_PARAM, "")
    signature = delivery.query.get(POSTING_SIGNATURE, "")
    if not posting_id or not signature or len(posting_id) > 100:
        return ""
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        if constant_time_compare(posting_signature(delivery.team_id, posting_id, secret=secret), signature):
            return posting_id
    return ""


def delivery_fall_back(delivery: Delivery, *, problem: str) -> None:
    """A body we cannot read is kept as `unrecognised` (Replay processes it once the parser knows
    its shape); when its URL names its posting, that posting is refreshed meanwhile, so the
    change it announced still reaches the dashboard."""
    posting_id = delivery_signed_posting(delivery)
    delivery.posting_id = posting_id
    if not posting_id:
        delivery.finish(Delivery.State.UNRECOGNISED, problem)
        return
    if not delivery.team.has_api_key:
        delivery.finish(
            Delivery.State.UNRECOGNISED,
            f"{problem} Its posting was not refreshed: the team has no HeyMilo API key.",
        )
        return
    # Asking twice syncs once: a burst of such deliveries costs one refresh of the posting.
    mirror.sync_request(delivery.team, scope=SyncRun.Scope.POSTING, target=posting_id)
    delivery.finish(Delivery.State.UNRECOGNISED, f"{problem} Its webhook's posting was refreshed instead.")


def dedup_key(delivery: Delivery) -> str:
    return f"webhooks:dedup:{delivery.team_id}:{delivery.event_type}:{delivery.interview_id}"


def delivery_claim(delivery: Delivery) -> bool:
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


def _fetched_since(delivery: Delivery) -> bool:
    """A refresh of the interview that started after the delivery arrived already shows what the
    event announced: fetching again would only spend the team's rate limit."""
    return (
        SyncRun.objects.for_team(delivery.team)
        .filter(
            scope=SyncRun.Scope.INTERVIEW,
            state=SyncRun.State.DONE,
            created_at__gte=delivery.received_at,
            target=delivery.interview_id,
            started_at__gte=delivery.received_at,
        )
        .exists()
    )


def delivery_process(delivery: Delivery, *, force: bool = False, client=None) -> None:
    """Parses, deduplicates and verifies one delivery by fetching its interview from HeyMilo.

    Raises a TRANSIENT HeyMiloError (the delivery back to `received`) for the task to retry;
    RateLimitWait when the team's bucket had no token in time (nothing sent, no attempt counted).
    """
    if not delivery_claim(delivery):
        return
    parsed, problem = delivery_parse(delivery)
    if parsed is None:
        delivery_fall_back(delivery, problem=problem)
        return
    delivery.event_type = clean_text(parsed.event_type)[:100]
    delivery.interview_id = clean_text(parsed.interview_id)[:100]
    delivery.posting_id = clean_text(parsed.posting_id or delivery_signed_posting(delivery))[:100]
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
            delivery.finish(
                Delivery.State.DUPLICATE,
                f"Same event for this interview as delivery #{first} within {window} s.",
            )
            return
    if not force and _fetched_since(delivery):
        delivery.finish(Delivery.State.PROCESSED, "Already fetched from HeyMilo after this delivery arrived.")
        return
    try:
        run = delivery_verify(delivery, client=client)
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


def delivery_verify(delivery: Delivery, *, client=None) -> SyncRun:
    """The event is only a hint: fetch the interview with the team's own key and upsert it.

    mirror.interview_refresh's steps, keeping the run so a failed fetch releases its lock.
    """
    refreshes = SyncRun.objects.for_team(delivery.team).filter(
        scope=SyncRun.Scope.INTERVIEW, target=delivery.interview_id
    )
    for active in refreshes.active():
        # One whose worker died (its lock expired: a delivery the sweep took back) would stay
        # `running` for good; as sync_request does, say so before starting anew.
        if not mirror.is_alive(active):
            active.finish(
                state=SyncRun.State.INTERRUPTED,
                outcome="interrupted",
                message="The worker running this sync stopped.",
            )
    run = refreshes.create(team=delivery.team, scope=SyncRun.Scope.INTERVIEW, target=delivery.interview_id)
    try:
        mirror.sync_step(run, client=client)
    except RateLimitWait:
        # Nothing was sent; the delivery is processed again when the team has a token.
        run.finish(
            state=SyncRun.State.INTERRUPTED,
            outcome="rate_limited",
            message="Waiting for the team's rate limit.",
        )
        mirror.sync_release(run)
        raise
    except HeyMiloError as error:
        mirror.sync_fail(run, error=error)
        raise
    return run


def delivery_fail(delivery_id: int, *, error: Exception) -> None:
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.RECEIVED).update(
        state=Delivery.State.FAILED, reason=f"Gave up: {error}", processed_at=timezone.now()
    )


def deliveries_sweep(*, older_than: float | None = None, stuck_after: float | None = None) -> int:
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
    # conditional update lets one reset each; of the tasks enqueued, delivery_claim()
    # lets one process it.
    cutoff = now - timedelta(seconds=stuck_after)
    # (Claimed before claimed_at existed: by when it was received.)
    stalled = Q(
        Q(claimed_at__lte=cutoff) | Q(claimed_at=None, received_at__lte=cutoff),
        state=Delivery.State.PROCESSING,
    )
    # One taken this often without finishing stops its worker each time (a poison body, a crash):
    # sending it again would never end. An admin can replay it once the cause is fixed.
    limit = settings.WEBHOOK_MAX_ATTEMPTS
    waited = Q(state=Delivery.State.RECEIVED, received_at__lte=now - timedelta(seconds=older_than))
    Delivery.objects.filter(stalled | waited, attempts__gte=limit).update(
        state=Delivery.State.FAILED,
        processed_at=now,
        reason=f"Gave up after {limit} attempts that did not finish; replay it once the cause is fixed.",
    )
    stuck = Delivery.objects.filter(stalled)
    stuck_ids = list(stuck.values_list("id", flat=True)[:1000])
    if stuck_ids:
        stuck.filter(id__in=stuck_ids).update(
            state=Delivery.State.RECEIVED, reason="Its worker stopped while processing it: sent again."
        )
    waiting = Q(received_at__lte=now - timedelta(seconds=older_than)) | Q(id__in=stuck_ids)
    rows = list(
        Delivery.objects.filter(waiting, state=Delivery.State.RECEIVED)
        .order_by("id")
        .values_list("id", "team_id")[:1000]
    )
    # A team's lane that is alive reaches its deliveries in turn, however long its rate limit
    # makes them wait; sending them again as tasks would only crowd out other teams' work.
    busy = lanes_busy({team_id for _, team_id in rows})
    resent = set(stuck_ids)
    ids = [delivery_id for delivery_id, team_id in rows if team_id not in busy or delivery_id in resent]
    for delivery_id in ids:
        if not delivery_enqueue(delivery_id, sweeping=True):
            break  # still down: the next sweep tries again
    return len(ids)


def lanes_busy(team_ids: set[int]) -> set[int]:
    """Teams whose lane task holds its flag (its worker alive within LANE_FLAG_SECONDS)."""
    if not team_ids or current_app.conf.task_always_eager:
        return set()
    order = sorted(team_ids)
    try:
        held = lane_redis().mget([lane_keys(team_id)[1] for team_id in order])
    except BROKER_DOWN:
        return set()
    return {team_id for team_id, flag in zip(order, held, strict=True) if flag}


def delivery_replay(delivery: Delivery) -> None:
    """Processes a delivery again, even if it was a duplicate or already processed."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.RECEIVED, reason="Replayed.", processed_at=None, attempts=0
        )
        transaction.on_commit(partial(delivery_enqueue, delivery.pk, force=True))
