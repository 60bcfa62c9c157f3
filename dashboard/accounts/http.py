"""The request types views are annotated with: what the middleware stack puts on a request, written
down so mypy checks `request.team`, `request.membership`, `request.htmx` and `request.user`.

django-stubs' documented way: a subclass of HttpRequest that only the type checker sees. Django still
passes a plain HttpRequest; the attributes are set by django_htmx's HtmxMiddleware (`htmx`) and
dashboard.accounts.middleware.CurrentTeamMiddleware (`membership`, `team`, `memberships`), and
`user` is signed in because LoginRequiredMiddleware turns everyone else away. Views that need no
team (sign-in, the webhook receiver) keep a plain HttpRequest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from dashboard.accounts.models import Membership, Team


class SignedInRequest(HttpRequest):
    """A signed-in person's request, who may be in no team yet (Home tells them what to do)."""

    user: User
    htmx: HtmxDetails
    membership: Membership | None
    team: Team | None
    memberships: list[Membership]  # all of the person's, by team name (the team switcher's)


class TeamRequest(SignedInRequest):
    """Past team_required (dashboard.accounts.access): a member of the current team."""

    membership: Membership
    team: Team
