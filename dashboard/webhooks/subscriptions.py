"""HeyMilo's webhooks for a team: mirrored, created, connected, re-pointed; WebhookJob runs."""

from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from dashboard.accounts.models import KeyStatus, Team, new_webhook_token
from dashboard.core.heymilo_api import client_for
from dashboard.core.tasks import task_named
from dashboard.webhooks.models import EVENT_NAMES, WebhookJob, WebhookSubscription
from dashboard.webhooks.processing import POSTING_PARAM, POSTING_SIGNATURE, posting_signature
from dashboard.webhooks.receiving import receiver_url
from heymilo.errors import (
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


def subscriptions_upsert(team: Team, *, hooks: list[Webhook]) -> None:
    now = timezone.now()
    for hook in hooks:
        WebhookSubscription.objects.update_or_create(
            team=team,
            webhook_id=hook.webhook_id,
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


def subscriptions_refresh(team: Team, *, client) -> list[Webhook]:
    hooks = client.list_webhooks()
    with transaction.atomic():
        subscriptions_upsert(team, hooks=hooks)
        WebhookSubscription.objects.for_team(team).exclude(
            webhook_id__in=[h.webhook_id for h in hooks]
        ).delete()
    return hooks


def receiver_base(url: str) -> str:
    """A receiver URL without its query string: the part that names the team."""
    return url.split("?", 1)[0]


def posting_receiver_url(team: Team, *, posting_id: str, url: str | None = None) -> str:
    """The receiver URL a webhook of this posting gets: it names the posting, signed, so that a
    delivery whose body we cannot read still refreshes the posting (processing.delivery_fall_back).
    `url` is the team's receiver URL (the new one during a token rotation)."""
    base = receiver_base(url or receiver_url(team))
    query = urlencode({POSTING_PARAM: posting_id, POSTING_SIGNATURE: posting_signature(team.pk, posting_id)})
    return f"{base}?{query}"


def is_receiver_url(url: str, *, receiver: str) -> bool:
    """Our receiver, with or without the posting in its query (webhooks made before it was added)."""
    return bool(url) and receiver_base(url) == receiver_base(receiver)


def subscriptions_connect(team: Team, *, client, posting_ids: list[str], url: str) -> int:
    """Subscribes the three events of each posting to `url` (with the posting in it), skipping
    those already subscribed, with or without the posting in their URL."""
    hooks = subscriptions_refresh(team, client=client)
    have = {
        (h.posting_id, h.event_type)
        for h in hooks
        if h.is_active is not False and is_receiver_url(h.url or "", receiver=url)
    }
    created = 0
    for posting_id in posting_ids:
        hook_url = posting_receiver_url(team, posting_id=posting_id, url=url)
        for event in EVENT_NAMES:
            if (posting_id, event) not in have:
                subscriptions_upsert(team, hooks=[client.create_webhook(posting_id, hook_url, event, "post")])
                created += 1
    return created


def subscriptions_repoint(team: Team, *, client, old_url: str, new_url: str) -> int:
    """After a token rotation: every webhook pointing at the old receiver URL moves to the new one,
    which names its posting (also for webhooks made before URLs did)."""
    moved = 0
    for hook in subscriptions_refresh(team, client=client):
        if hook.is_active is False or not is_receiver_url(hook.url or "", receiver=old_url):
            continue
        url = new_url
        if hook.posting_id:
            url = posting_receiver_url(team, posting_id=hook.posting_id, url=new_url)
        # Create first: a failure in between leaves an extra hook, never a missing one.
        subscriptions_upsert(
            team,
            hooks=[
                client.create_webhook(
                    hook.posting_id or "", url, hook.event_type or "", hook.http_method or "post"
                )
            ],
        )
        client.deactivate_webhook(hook.webhook_id)
        moved += 1
    subscriptions_refresh(team, client=client)
    return moved


def webhook_job_run(job: WebhookJob, *, client=None) -> None:
    """Carries out a job and records its outcome in words a person can act on."""
    # Its return is not a guard: a job redelivered after its worker died is running already and
    # must still be carried out (the task acks late for that).
    job.start()
    team = job.team
    client = client or client_for(team)
    p = job.params
    try:
        if job.kind == WebhookJob.Kind.CREATE:
            url = p["url"]
            if is_receiver_url(url, receiver=receiver_url(team)) and "?" not in url:
                url = posting_receiver_url(team, posting_id=p["posting_id"])  # ours: name the posting
            hook = client.create_webhook(p["posting_id"], url, p["event_type"], p["http_method"])
            subscriptions_upsert(team, hooks=[hook])
            message = f"Webhook {hook.webhook_id} created."
        elif job.kind == WebhookJob.Kind.DEACTIVATE:
            client.deactivate_webhook(p["webhook_id"])
            subscriptions_upsert(team, hooks=[client.get_webhook(p["webhook_id"])])
            message = f"Webhook {p['webhook_id']} deactivated."
        elif job.kind == WebhookJob.Kind.REFRESH:
            message = f"{len(subscriptions_refresh(team, client=client))} webhooks loaded from HeyMilo."
        elif job.kind == WebhookJob.Kind.CONNECT:
            created = subscriptions_connect(team, client=client, posting_ids=p["posting_ids"], url=p["url"])
            subscriptions_refresh(team, client=client)
            message = (
                f"Connected: {created} webhooks created."
                if created
                else "Already connected: nothing to create."
            )
        elif job.kind == WebhookJob.Kind.ROTATE:
            moved = subscriptions_repoint(team, client=client, old_url=p["old_url"], new_url=p["new_url"])
            message = f"New receiver URL in use; {moved} webhooks re-pointed to it."
        else:
            raise ValueError(f"unknown job kind {job.kind!r}")
    except ValidationError as error:
        job.fail(
            "HeyMilo did not accept these values.",
            outcome=WebhookJob.Outcome.INVALID,
            field_errors=error.field_errors,
        )
    except Unauthorized:
        team.record_key_status(KeyStatus.INVALID)
        job.fail(
            "HeyMilo rejected the team's API key. An admin can replace it in Settings.",
            outcome=WebhookJob.Outcome.ERROR,
        )
    except RateLimited as error:
        wait = f" Try again in {error.retry_after:.0f} s." if error.retry_after else " Try again shortly."
        job.fail("HeyMilo is rate-limiting this team's key." + wait, outcome=WebhookJob.Outcome.ERROR)
    except NotFound:
        job.fail("HeyMilo does not know this posting or webhook.", outcome=WebhookJob.Outcome.ERROR)
    except (ServerError, APIConnectionError, APITimeoutError, MalformedResponse) as error:
        job.fail(
            f"HeyMilo is unavailable right now ({type(error).__name__}). Try again later.",
            outcome=WebhookJob.Outcome.ERROR,
        )
    except HeyMiloError as error:
        job.fail(f"HeyMilo error: {error}", outcome=WebhookJob.Outcome.ERROR)
    else:
        job.finish(outcome=WebhookJob.Outcome.OK, message=message)


def webhook_job_start(team: Team, *, kind: str, params: dict, user=None) -> WebhookJob:
    with transaction.atomic():
        job = WebhookJob.objects.create(team=team, kind=kind, params=params, requested_by=user)
        task_named("dashboard.webhooks.tasks.run_webhook_job").delay_on_commit(job.id)
    return job


def webhook_token_rotate(team: Team, *, user=None) -> WebhookJob:
    """A new receiver token at once (the old URL stops working), then webhooks re-pointed by a worker."""
    with transaction.atomic():
        old_url = receiver_url(team)
        team.webhook_token = new_webhook_token()
        team.save(update_fields=["webhook_token"])
        return webhook_job_start(
            team,
            kind=WebhookJob.Kind.ROTATE,
            user=user,
            params={"old_url": old_url, "new_url": receiver_url(team)},
        )
