"""Template context every page needs: the current team, the person's teams, their pending
invitations, the task mode, the navigation section."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.accounts.models import Invitation


def team(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    # The middleware read them with the current membership (one query for both).
    teams = [m.team for m in getattr(request, "memberships", [])]
    # Lazy: only Home lists them, so other pages pay no query for them.
    invitations = SimpleLazyObject(
        lambda: (
            list(Invitation.objects.pending().for_user(request.user).select_related("team", "invited_by"))
            if request.user.is_authenticated
            else []
        )
    )
    return {
        "membership": membership,
        "team": membership.team if membership else None,
        "my_teams": teams,
        "my_invitations": invitations,
        "tasks_inline": settings.TASKS_INLINE,
        # The navigation highlights the section named by the first segment of the path.
        "nav": request.path.strip("/").split("/", 1)[0],
    }
