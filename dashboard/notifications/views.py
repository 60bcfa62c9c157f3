"""Notification pages: the centre, opening one, marking read, preferences, following a
posting, and the one-click unsubscribe an email links to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.access import member_required
from dashboard.accounts.http import TeamRequest
from dashboard.core.params import whole_number
from dashboard.mirror.models import Posting
from dashboard.notifications import selectors, services
from dashboard.notifications.forms import PreferencesForm
from dashboard.notifications.models import Notification


def _centre_context(request: TeamRequest) -> dict:
    unread_only = request.GET.get("show") == "unread"
    rows = selectors.centre_rows(request.team, request.user, unread_only=unread_only)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "days": selectors.by_day(page.object_list),
        "unread_only": unread_only,
        "today": timezone.localdate(),
        "nav": "notifications",
    }


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def centre(request: TeamRequest):
    context = _centre_context(request)
    if request.htmx and request.htmx.target == "notification-list":
        return render(request, "notifications/centre.html#list", context)
    return render(request, "notifications/centre.html", context)


@member_required
def notification_open(request: TeamRequest, notification_id: int):
    """Following a notification marks it read and goes where it points."""
    row = get_object_or_404(Notification.objects.for_person(request.team, request.user), id=notification_id)
    services.notifications_mark_read(request.team, user=request.user, ids=[row.pk])
    if row.link and url_has_allowed_host_and_scheme(row.link, allowed_hosts=None):
        return redirect(row.link)
    return redirect("notifications")


@member_required
@require_POST
def mark_read(request: TeamRequest):
    """Marks one (`id`) or all of the person's notifications read; htmx gets the list back, with
    the header's badge swapped in beside it."""
    raw = request.POST.get("id")
    # No id is all of them; an id that is not a number is none (never all by mistake).
    chosen = whole_number(raw)
    ids = None if not raw else [chosen] if chosen is not None else []
    done = services.notifications_mark_read(request.team, user=request.user, ids=ids)
    if request.htmx:
        return render(request, "notifications/centre.html#list", {**_centre_context(request), "oob": True})
    if ids is None:
        messages.success(request, f"Marked {done} notification{'s' if done != 1 else ''} read.")
    return redirect("notifications")


@member_required
@require_http_methods(["GET", "POST"])
def preferences(request: TeamRequest):
    kinds = selectors.kinds_for(request.membership)
    chosen = services.settings_for(request.user)
    current = {f"kind_{k.value}": services.channels_for([request.user.pk], k)[request.user.pk] for k in kinds}
    initial = {
        **current,
        "time_zone": chosen.time_zone,
        "digest_hour": chosen.digest_hour,
        "browser": chosen.browser,
        "sound": chosen.sound,
    }
    form = PreferencesForm(request.POST or None, initial=initial, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        services.preferences_update(
            request.user,
            channels=form.channels(),
            time_zone=form.cleaned_data["time_zone"],
            digest_hour=form.cleaned_data["digest_hour"],
            browser=form.cleaned_data["browser"],
            sound=form.cleaned_data["sound"],
        )
        messages.success(request, "Notification preferences saved.")
        return redirect("notification_preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "nav": "notifications", "email": request.user.email},
    )


@member_required
@require_POST
def follow(request: TeamRequest, remote_id: str):
    posting = get_object_or_404(Posting.objects.for_team(request.team), remote_id=remote_id)
    following = request.POST.get("follow") == "1"
    services.follow_set(request.team, user=request.user, posting=posting, following=following)
    if request.htmx:
        return render(request, "notifications/_follow.html", {"posting": posting, "following": following})
    messages.success(
        request, f"{'Following' if following else 'No longer following'} {posting.title or 'this posting'}."
    )
    return redirect("posting", remote_id=posting.remote_id)


# The signed token is the proof (a mail client's one-click POST, RFC 8058, carries no CSRF token
# and no session), so this one view is exempt; it changes only the token's own person and kind.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str):
    found = services.unsubscribe_read(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    user, kind = found
    label = services.kind_label(kind)
    if request.method == "POST":
        services.unsubscribe_apply(user, kind)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("Unsubscribed.", content_type="text/plain")
        return render(request, "notifications/unsubscribe.html", {"done": True, "label": label})
    return render(request, "notifications/unsubscribe.html", {"token": token, "label": label})
