"""Webhook pages: the receiver, the team's webhooks, jobs with progress, the event log, live notices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.access import admin_required, member_required
from dashboard.accounts.http import TeamRequest
from dashboard.core.jobs import JobRegion
from dashboard.mirror.models import Posting
from dashboard.webhooks import processing, receiving, selectors, subscriptions
from dashboard.webhooks.forms import DeliveryFilterForm, WebhookFilterForm, WebhookForm
from dashboard.webhooks.models import Delivery, WebhookJob, WebhookSubscription

WEBHOOKS_CHANGED = "webhooks-changed"  # the webhooks table listens for it
# The job's status region; once it has finished, the webhooks table re-renders with what the job
# changed.
JOB_REGION = JobRegion(template="webhooks/job.html#job", event=WEBHOOKS_CHANGED)


# The unguessable token in the URL is the credential (HeyMilo publishes no signature), so this view
# alone needs neither a session nor a CSRF token.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest, token: str):
    stored = receiving.delivery_receive(token, request=request)
    if stored is None:
        raise Http404("Unknown webhook token.")
    delivery_id, state, status = stored
    return JsonResponse({"delivery": delivery_id, "state": state}, status=status)


def _page_context(request: TeamRequest, form=None, job=None) -> dict:
    team = request.team
    filters = WebhookFilterForm(request.GET or None, team=team)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    return {
        "subscriptions": selectors.subscription_rows(
            team, posting=chosen.get("posting", ""), event_type=chosen.get("event_type", "")
        ),
        "filters": filters,
        "form": form or WebhookForm(team=team),
        "job": job,
        "receiver_url": receiving.receiver_url(team),
        "receiver_local": receiving.receiver_is_local(),
        "last_synced": selectors.subscriptions_synced_at(team),
    }


@admin_required
@vary_on_headers("HX-Request", "HX-Target")
def webhooks(request: TeamRequest):
    if request.htmx and request.htmx.target == "webhook-connection":
        # A posting page's panel, after a webhook job ended: is the posting connected now?
        posting = get_object_or_404(Posting, team=request.team, remote_id=request.GET.get("posting", ""))
        return render(request, "webhooks/_posting_panel.html#connection", {"posting": posting})
    if request.htmx and request.htmx.target == "webhook-table":
        return render(request, "webhooks/list.html#webhook-table", _page_context(request))
    return render(request, "webhooks/list.html", _page_context(request))


def _job_response(request: TeamRequest, job: WebhookJob):
    fallback = reverse("webhook_job", kwargs={"job_id": job.id})
    return JOB_REGION.started(request, job, fallback=fallback, context=lambda job: _job_context(request, job))


@admin_required
@require_POST
def webhook_create(request: TeamRequest):
    form = WebhookForm(request.POST, team=request.team)
    if not form.is_valid():
        if request.htmx:
            return render(request, "webhooks/list.html#create-form", {"form": form})
        return render(request, "webhooks/list.html", _page_context(request, form=form))
    job = subscriptions.webhook_job_start(
        request.team, kind=WebhookJob.Kind.CREATE, params=form.api_params(), user=request.user
    )
    return _job_response(request, job)


@admin_required
@require_POST
def webhooks_refresh(request: TeamRequest):
    job = subscriptions.webhook_job_start(
        request.team, kind=WebhookJob.Kind.REFRESH, params={}, user=request.user
    )
    return _job_response(request, job)


@admin_required
@require_POST
def webhooks_connect(request: TeamRequest):
    """Connect this dashboard: one posting when the form names it, else every current posting."""
    remote_id = request.POST.get("posting", "")
    if remote_id:
        ids = [get_object_or_404(Posting, team=request.team, remote_id=remote_id, missing=False).remote_id]
    else:
        ids = selectors.connectable_posting_ids(request.team)
    if not ids:
        messages.error(request, "There are no postings to connect yet: sync the postings first.")
        return redirect("webhooks")
    params = {"posting_ids": ids, "url": receiving.receiver_url(request.team)}
    job = subscriptions.webhook_job_start(
        request.team, kind=WebhookJob.Kind.CONNECT, params=params, user=request.user
    )
    return _job_response(request, job)


@admin_required
@require_http_methods(["GET", "POST"])
def webhooks_rotate(request: TeamRequest):
    if request.method == "GET":
        return render(request, "webhooks/rotate.html", {"receiver_url": receiving.receiver_url(request.team)})
    job = subscriptions.webhook_token_rotate(request.team, user=request.user)
    if not request.htmx:
        messages.success(request, "New receiver token made: the old URL no longer accepts deliveries.")
    return _job_response(request, job)


@admin_required
@vary_on_headers("HX-Request")
def webhook_detail(request: TeamRequest, webhook_id: str):
    sub = get_object_or_404(WebhookSubscription, team=request.team, webhook_id=webhook_id)
    posting_title = dict(selectors.posting_choices(request.team)).get(sub.posting_id, sub.posting_id)
    return render(
        request,
        "webhooks/detail.html",
        {"sub": sub, "posting_title": posting_title, "confirm": request.GET.get("confirm") == "deactivate"},
    )


@admin_required
@require_POST
def webhook_deactivate(request: TeamRequest, webhook_id: str):
    sub = get_object_or_404(WebhookSubscription, team=request.team, webhook_id=webhook_id)
    job = subscriptions.webhook_job_start(
        request.team,
        kind=WebhookJob.Kind.DEACTIVATE,
        params={"webhook_id": sub.webhook_id},
        user=request.user,
    )
    return _job_response(request, job)


def _job_context(request: TeamRequest, job: WebhookJob) -> dict:
    context: dict[str, object] = {"job": job}
    if job.kind == WebhookJob.Kind.CREATE and job.is_finished:
        # Whatever went wrong, the form comes back as it was sent, errors on its fields.
        ok = job.outcome == WebhookJob.Outcome.OK
        context["form"] = WebhookForm(team=request.team) if ok else WebhookForm.from_job(job, request.team)
    return context


@admin_required
@vary_on_headers("HX-Request")
def webhook_job(request: TeamRequest, job_id: int):
    job = get_object_or_404(WebhookJob, id=job_id, team=request.team)
    if not request.htmx:
        return render(request, "webhooks/job.html", _job_context(request, job))
    return JOB_REGION.render(request, job, _job_context(request, job))


@admin_required
@vary_on_headers("HX-Request")
def webhook_events(request: TeamRequest):
    filters = DeliveryFilterForm(request.GET or None)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    page = selectors.delivery_page(request.team, state=state, number=request.GET.get("page"))
    context = {"page": page, "filters": filters, "state": request.GET.get("state", "")}
    if request.htmx and request.htmx.target == "event-table":
        return render(request, "webhooks/events.html#event-table", context)
    return render(request, "webhooks/events.html", context)


@admin_required
@require_POST
def delivery_replay(request: TeamRequest, delivery_id: int):
    delivery = get_object_or_404(Delivery, id=delivery_id, team=request.team)
    processing.delivery_replay(delivery)
    delivery.refresh_from_db()
    selectors.with_labels(request.team, [delivery])
    if request.htmx:
        return render(request, "webhooks/events.html#event-row", {"d": delivery})
    messages.success(request, f"Delivery #{delivery.id} queued again.")
    return redirect("webhook_events")


@member_required
def webhooks_live(request: TeamRequest):
    """Polled every few seconds by pages showing live notices: one indexed query when idle."""
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    return render(
        request,
        "webhooks/_live.html",
        {"live_after": after, "notices": selectors.notices(request.team, after=after)},
    )
