"""View decorators for team membership and roles: outsiders get 404, too-low roles 403."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dashboard.accounts.models import Role


def team_required(role: str = Role.VIEWER):
    """Outside any team: 404 (never confirm what exists). Role too low: 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
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
