"""Share links (made and revoked by the team; opened by anyone holding one) and the printable
candidate and shortlist reports."""

import ipaddress
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from dashboard.accounts.access import admin_required, member_required, reviewer_required
from dashboard.accounts.http import TeamRequest
from dashboard.accounts.throttle import client_ip
from dashboard.core.params import whole_number
from dashboard.mirror.models import Interview, Posting
from dashboard.sharing import packets, selectors, services
from dashboard.sharing.forms import ShareLinkForm
from dashboard.sharing.models import ShareLink

RECORDING_SALT = "dashboard.sharing.recording"
# A recording URL on a shared page works this long after the page was opened, and never past the
# link's own expiry: a URL copied out of the page dies with the link.
RECORDING_SECONDS = 6 * 3600


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise Http404("No such item.")
    return value


def _interview(request: TeamRequest, remote_id: str) -> Interview:
    return get_object_or_404(
        Interview.objects.for_team(request.team).select_related("posting"), remote_id=_no_nul(remote_id)
    )


def _posting(request: TeamRequest, remote_id: str) -> Posting:
    return get_object_or_404(Posting.objects.for_team(request.team), remote_id=_no_nul(remote_id))


def _public_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("shared", args=[token])


# ---------------------------------------------------------------------------------------------
# Making, listing and revoking links (signed-in team members)


def _panel_context(request: TeamRequest, row: Interview, form=None, made=None) -> dict:
    return {
        "interview": row,
        "links": selectors.links_for_interview(request.team, row),
        "form": form or ShareLinkForm(),
        "made": made,
    }


def _panel(request: TeamRequest, context: dict, status: int = 200):
    if request.htmx:
        return render(request, "sharing/_panel.html", context, status=status)
    return render(request, "sharing/panel_page.html", {**context, "nav": "candidates"}, status=status)


@member_required
@require_GET
def share_panel(request: TeamRequest, remote_id: str):
    """The profile's Share and print panel (loaded into the side panel), or its page without JS."""
    return _panel(request, _panel_context(request, _interview(request, remote_id)))


@reviewer_required
@require_POST
def share_create(request: TeamRequest, remote_id: str):
    row = _interview(request, remote_id)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        return _panel(request, _panel_context(request, row, form=form), status=400)
    _link, token = services.share_link_create(
        request.team,
        user=request.user,
        interviews=[row],
        days=form.cleaned_data["days"],
        include_notes=form.cleaned_data["include_notes"],
    )
    return _panel(request, _panel_context(request, row, made=_public_url(token)))


def _shortlist_context(request: TeamRequest, item: Posting, form=None, made=None) -> dict:
    return {
        "posting": item,
        "shortlist": list(selectors.shortlist(request.team, item)),
        "links": selectors.links_for_posting(request.team, item),
        "form": form or ShareLinkForm(),
        "made": made,
        "nav": "postings",
    }


@member_required
def shortlist_share(request: TeamRequest, remote_id: str):
    """A posting's shortlist: share it as one link, print it, and the links made for it."""
    item = _posting(request, remote_id)
    if request.method != "POST":
        return render(request, "sharing/shortlist.html", _shortlist_context(request, item))
    if request.membership is None or not request.membership.can_review:
        return render(request, "403.html", status=403)
    form = ShareLinkForm(request.POST)
    rows = list(selectors.shortlist(request.team, item))
    if form.is_valid() and not rows:
        form.add_error(None, "No one is on this posting's shortlist yet: shortlist candidates first.")
    if not form.is_valid():
        return render(
            request, "sharing/shortlist.html", _shortlist_context(request, item, form=form), status=400
        )
    _link, token = services.share_link_create(
        request.team,
        user=request.user,
        interviews=rows,
        posting=item,
        days=form.cleaned_data["days"],
        include_notes=form.cleaned_data["include_notes"],
    )
    return render(
        request, "sharing/shortlist.html", _shortlist_context(request, item, made=_public_url(token))
    )


# A link made from ticked rows holds at most this many candidates (a table page's worth and more).
SELECTION_MAX = 100


@reviewer_required
def selection_share(request: TeamRequest):
    """The rows ticked in a candidate table ("Share ticked", a GET of their ids), shared as one link.

    Ids are looked up in the team only: another team's id, or one that is no interview, is not
    in the list and so never in the link."""
    ids = [
        i
        for i in (request.GET if request.method != "POST" else request.POST).getlist("ids")
        if "\x00" not in i
    ]
    rows = list(selectors.interviews_named(request.team, ids[:SELECTION_MAX]))
    context = {"shortlist": rows, "selection": True, "form": ShareLinkForm(), "nav": "candidates"}
    if request.method != "POST":
        return render(request, "sharing/shortlist.html", context)
    form = ShareLinkForm(request.POST)
    if form.is_valid() and not rows:
        form.add_error(None, "No candidates ticked: tick rows in a candidate table first.")
    if not form.is_valid():
        return render(request, "sharing/shortlist.html", {**context, "form": form}, status=400)
    _link, token = services.share_link_create(
        request.team,
        user=request.user,
        interviews=rows,
        days=form.cleaned_data["days"],
        include_notes=form.cleaned_data["include_notes"],
    )
    return render(request, "sharing/shortlist.html", {**context, "made": _public_url(token)})


@reviewer_required
@require_POST
def share_revoke(request: TeamRequest, link_id: int):
    link = get_object_or_404(ShareLink.objects.for_team(request.team), id=link_id)
    services.share_link_revoke(request.team, link=link, user=request.user)
    link = get_object_or_404(selectors.links_with_opens(request.team), id=link_id)
    if request.htmx:  # the same shape back: a list item (profile, shortlist) or a table row (team's links)
        shape = "tr" if request.GET.get("row") == "tr" else "li"
        return render(request, f"sharing/_link_row.html#{shape}", {"link": link, "row": shape})
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("share_links"))


@admin_required
@require_GET
def share_links(request: TeamRequest):
    """Every link of the team, with who made it, its state and its openings (admins)."""
    return render(
        request,
        "sharing/links.html",
        {"links": list(selectors.links_for_team(request.team)), "nav": "settings"},
    )


# ---------------------------------------------------------------------------------------------
# The shared page and its recordings (no sign-in: the token is the credential)


def _public(response: HttpResponse) -> HttpResponse:
    """Never indexed, never a Referer leaking the token to a recording host, never cached."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, no_store=True, private=True)
    return response


def _gone(request, link: ShareLink | None):
    status = 404 if link is None else 410
    return _public(render(request, "sharing/gone.html", {"link": link}, status=status))


def _recording_signature(link: ShareLink, n: int, expires: int) -> str:
    return signing.Signer(salt=RECORDING_SALT).signature(f"{link.pk}:{n}:{expires}")


def _recording_url(token: str, link: ShareLink, n: int) -> str:
    expires = int(min(time.time() + RECORDING_SECONDS, link.expires_at.timestamp()))
    sig = _recording_signature(link, n, expires)
    return reverse("shared_recording", args=[token, n]) + f"?exp={expires}&sig={sig}"


def _address(request) -> str | None:
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


@login_not_required
@require_GET
def shared(request, token: str):
    link = selectors.link_by_token(token)
    if link is None or not link.is_active:
        return _gone(request, link)
    services.share_open_record(
        link, address=_address(request), user_agent=request.META.get("HTTP_USER_AGENT", "")
    )
    candidates = []
    for n, row in enumerate(selectors.packet(link), start=1):
        item = packets.candidate(row, with_lines=True)
        item.n = n
        doc = item.doc
        if doc is not None and (_playable(doc.video_recording_link) or _playable(doc.audio_recording_link)):
            item.recording = _recording_url(token, link, n)
            item.video = bool(_playable(doc.video_recording_link))
        if link.include_notes:
            item.review = selectors.team_review(link.team, row)
        candidates.append(item)
    return _public(render(request, "sharing/shared.html", {"link": link, "candidates": candidates}))


def _playable(url: str | None) -> str | None:
    return url if url and url.startswith(("https://", "http://")) else None


@login_not_required
@require_GET
def shared_recording(request, token: str, n: int):
    """The recording through the link: refused once the link or this URL's own time is over, else
    a redirect to HeyMilo's current signed URL for it (HeyMilo's link expires on its own too)."""
    link = selectors.link_by_token(token)
    if link is None or not link.is_active:
        return _gone(request, link)
    expires = whole_number(request.GET.get("exp"))
    sig = request.GET.get("sig", "")
    if expires is None or not constant_time_compare(sig, _recording_signature(link, n, expires)):
        raise Http404("No such recording.")
    if expires <= time.time():
        return _public(render(request, "sharing/gone.html", {"link": link, "recording": True}, status=410))
    rows = list(selectors.packet(link))
    if not 1 <= n <= len(rows):
        raise Http404("No such recording.")
    doc = rows[n - 1].parsed
    url = _playable(doc.video_recording_link) or _playable(doc.audio_recording_link)
    if url is None:
        raise Http404("No recording.")
    return _public(HttpResponseRedirect(url))


# ---------------------------------------------------------------------------------------------
# Printable reports


@member_required
@require_GET
def interview_report(request: TeamRequest, remote_id: str):
    row = _interview(request, remote_id)
    item = packets.candidate(row)
    item.review = {"decision": selectors.team_decision(request.team, row)}
    return render(
        request,
        "sharing/report.html",
        {"candidates": [item], "interview": row, "printed_at": timezone.now(), "nav": "candidates"},
    )


@member_required
@require_GET
def shortlist_report(request: TeamRequest, remote_id: str):
    item = _posting(request, remote_id)
    rows = list(selectors.shortlist(request.team, item))
    candidates = []
    for row in rows:
        one = packets.candidate(row)
        one.review = {"decision": selectors.team_decision(request.team, row)}
        candidates.append(one)
    return render(
        request,
        "sharing/report.html",
        {
            "candidates": candidates,
            "posting": item,
            "printed_at": timezone.now(),
            "nav": "postings",
        },
    )
