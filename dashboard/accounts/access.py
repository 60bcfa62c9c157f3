"""View decorators for team membership and roles: outsiders get 404, too-low roles 403."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.http.response import HttpResponseBase

from dashboard.accounts.http import SignedInRequest
from dashboard.accounts.models import Role

# A view as the URLconf holds it. The views these decorators wrap take a TeamRequest
# (dashboard.accounts.http): past the checks below, the request has a current team.
type View = Callable[..., HttpResponseBase]


def team_required(role: str = Role.VIEWER) -> Callable[[View], View]:
    """Outside any team: 404 (never confirm what exists). Role too low: 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.membership is None:
                raise Http404("You are not a member of any team.")
            if not request.membership.can(role):
                raise PermissionDenied("Your role in this team does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = team_required(Role.ADMIN)
reviewer_required = team_required(Role.REVIEWER)
member_required = team_required(Role.VIEWER)
