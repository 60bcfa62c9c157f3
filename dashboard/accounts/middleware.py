"""Puts the signed-in person's current team and membership on every request."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from dashboard.accounts.models import Membership

SESSION_KEY = "team_id"


def current_membership(request: HttpRequest) -> tuple[Membership | None, list[Membership]]:
    """The team kept in the session, and all of the person's memberships (by team name, as the
    header's team switcher lists them): one query for both. The team changes only through
    switch_team, or here when the person is no longer a member of it; joining another team never
    moves anyone."""
    if not request.user.is_authenticated:
        return None, []
    memberships = list(Membership.objects.filter(user=request.user).select_related("team"))
    team_id = request.session.get(SESSION_KEY)
    membership = next((m for m in memberships if m.team_id == team_id), None) if team_id else None
    if membership is not None:
        return membership, memberships
    # First request after sign-in, or the team was left: the team they joined first (by
    # membership, not by name, so a team they join later never comes first), kept from now on.
    membership = min(memberships, key=lambda m: m.pk, default=None)
    if membership is not None:
        request.session[SESSION_KEY] = membership.team_id
    elif team_id:
        del request.session[SESSION_KEY]
    if team_id:
        where = f"now working in {membership.team.name}" if membership else "you are in no team now"
        messages.info(request, f"You are no longer a member of the team you were working in: {where}.")
    return membership, memberships


def remember_first_team(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """At sign-in (user_logged_in), so the team is settled before the first page: the team they
    joined first, unless this session, theirs already, names one."""
    if request is None or SESSION_KEY in request.session:
        return
    first = Membership.objects.filter(user=user).order_by("id").values_list("team_id", flat=True).first()
    if first is not None:
        request.session[SESSION_KEY] = first


class CurrentTeamMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # One query per signed-in request; every team-scoped query starts from request.team.
        membership, memberships = current_membership(request)
        # The attributes dashboard.accounts.http.SignedInRequest declares for the views; the plain
        # HttpRequest this middleware gets has no slot for them.
        request.membership = membership  # type: ignore[attr-defined]
        request.team = membership.team if membership else None  # type: ignore[attr-defined]
        request.memberships = memberships  # type: ignore[attr-defined]
        return self.get_response(request)
