"""Template context every page needs: the current team, the person's teams, the task mode, the
navigation section."""

from django.conf import settings

from dashboard.accounts.models import Membership


def team(request):
    membership = getattr(request, "membership", None)
    teams = []
    if membership is not None:
        teams = [m.team for m in Membership.objects.filter(user=request.user).select_related("team")]
    return {
        "membership": membership,
        "team": membership.team if membership else None,
        "my_teams": teams,
        "tasks_inline": settings.TASKS_INLINE,
        # The navigation highlights the section named by the first segment of the path.
        "nav": request.path.strip("/").split("/", 1)[0],
    }
