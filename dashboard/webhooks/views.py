"""Webhook pages: the receiver, the team's webhooks, jobs with progress, the event log, live notices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.access import admin_required, member_required
from dashboard.accounts.http import TeamRequest
from dashboard.core.jobs import job_status
from dashboard.mirror import selectors as mirror_selectors
from dashboard.mirror.models import Posting
from dashboard.webhooks import processing, receiving, selectors, subscriptions
from dashboard.webhooks.forms import DeliveryFilterForm, WebhookFilterForm, WebhookForm, posting_choices
from dashboard.webhooks.models import Delivery, WebhookJob, WebhookSubscription

WEBHOOKS_CHANGED = "webhooks-changed"  # the webhooks table listens for it


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
    rows = WebhookSubscription.objects.for_team(team)
    if filters.is_valid():
        if filters.cleaned_data["posting"]:
            rows = rows.filter(posting_id=filters.cleaned_data["posting"])
        if filters.cleaned_data["event_type"]:
            rows = rows.filter(event_type=filters.cleaned_data["event_type"])
    titles = dict(posting_choices(team))
    rows = list(rows.order_by("-is_active", "posting_id", "event_type", "-created_remote"))
    for row in rows:
        row.posting_title = titles.get(row.posting_id, row.posting_id)
    return {
        "subscriptions": rows,
        "filters": filters,
        "form": form or WebhookForm(team=team),
        "job": job,
        "receiver_url": receiving.receiver_url(team),
        "receiver_local": receiving.receiver_is_local(),
        "last_synced": WebhookSubscription.objects.for_team(team).aggregate(at=Max("synced_at"))["at"],
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
    if not request.htmx:
        return redirect("webhook_job", job_id=job.id)
    job.refresh_from_db()  # tasks run inline (development) have finished it already
    return _job_partial(request, job, polled=False)


def _job_partial(request: TeamRequest, job: WebhookJob, polled: bool):
    """The job's status region; once it has finished, the webhooks table re-renders with what
    the job changed (WEBHOOKS_CHANGED)."""
    return job_status(request, "webhooks/job.html#job", _job_context(request, job),
                      finished=job.is_finished, event=WEBHOOKS_CHANGED, polled=polled)


@admin_required
@require_POST
def webhook_create(request: TeamRequest):
    form = WebhookForm(request.POST, team=request.team)
    if not form.is_valid():
        if request.htmx:
            return render(request, "webhooks/list.html#create-form", {"form": form})
        return render(request, "webhooks/list.html", _page_context(request, form=form))
    job = subscriptions.webhook_job_start(request.team, kind=WebhookJob.Kind.CREATE, params=form.api_params(),
                                         user=request.user)
    return _job_response(request, job)


@admin_required
@require_POST
def webhooks_refresh(request: TeamRequest):
    job = subscriptions.webhook_job_start(request.team, kind=WebhookJob.Kind.REFRESH, params={},
                                         user=request.user)
    return _job_response(request, job)


@admin_required
@require_POST
def webhooks_connect(request: TeamRequest):
    """Connect this dashboard: one posting when the form names it, else every current posting."""
    postings = Posting.objects.for_team(request.team).filter(missing=False)
    remote_id = request.POST.get("posting", "")
    if remote_id:
        ids = [get_object_or_404(postings, remote_id=remote_id).remote_id]
    else:
        ids = list(postings.filter(archived=False).order_by("title").values_list("remote_id", flat=True))
    if not ids:
        messages.error(request, "There are no postings to connect yet: sync the postings first.")
        return redirect("webhooks")
    params = {"posting_ids": ids, "url": receiving.receiver_url(request.team)}
    job = subscriptions.webhook_job_start(request.team, kind=WebhookJob.Kind.CONNECT, params=params,
                                         user=request.user)
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
    posting_title = dict(posting_choices(request.team)).get(sub.posting_id, sub.posting_id)
    return render(request, "webhooks/detail.html", {"sub": sub, "posting_title": posting_title,
                                                    "confirm": request.GET.get("confirm") == "deactivate"})


@admin_required
@require_POST
def webhook_deactivate(request: TeamRequest, webhook_id: str):
    sub = get_object_or_404(WebhookSubscription, team=request.team, webhook_id=webhook_id)
    job = subscriptions.webhook_job_start(request.team, kind=WebhookJob.Kind.DEACTIVATE,
                                         params={"webhook_id": sub.webhook_id}, user=request.user)
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
    return _job_partial(request, job, polled=True)


@admin_required
@vary_on_headers("HX-Request")
def webhook_events(request: TeamRequest):
    filters = DeliveryFilterForm(request.GET or None)
    rows = Delivery.objects.for_team(request.team)
    if filters.is_valid() and filters.cleaned_data["state"]:
        rows = rows.filter(state=filters.cleaned_data["state"])
    page = Paginator(rows.order_by("-id"), 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # labelled in place, then shown
    _label(request.team, page.object_list)
    context = {"page": page, "filters": filters, "state": request.GET.get("state", "")}
    if request.htmx and request.htmx.target == "event-table":
        return render(request, "webhooks/events.html#event-table", context)
    return render(request, "webhooks/events.html", context)


def _label(team, deliveries) -> None:
    """Each verified delivery's candidate name and posting, from the mirror in one query."""
    ids = [d.interview_id for d in deliveries if d.links_interview]
    labels = mirror_selectors.interview_labels(team, ids)
    for d in deliveries:
        d.label = labels.get(d.interview_id) if d.links_interview else None


@admin_required
@require_POST
def delivery_replay(request: TeamRequest, delivery_id: int):
    delivery = get_object_or_404(Delivery, id=delivery_id, team=request.team)
    processing.delivery_replay(delivery)
    delivery.refresh_from_db()
    _label(request.team, [delivery])
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
    return render(request, "webhooks/_live.html",
                  {"live_after": after, "notices": selectors.notices(request.team, after=after)})
