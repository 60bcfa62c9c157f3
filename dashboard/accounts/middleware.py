"""Puts the signed-in person's current team and membership on every request."""

from dashboard.accounts.models import Membership

SESSION_KEY = "team_id"


def current_membership(request) -> Membership | None:
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=request.user).select_related("team")
    team_id = request.session.get(SESSION_KEY)
    membership = memberships.filter(team_id=team_id).first() if team_id else None
    # The session may name a team the person has since left: fall back to their first team.
    return membership or memberships.order_by("team__name").first()


class CurrentTeamMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # One query per signed-in request; every team-scoped query starts from request.team.
        request.membership = current_membership(request)
        request.team = request.membership.team if request.membership else None
        return self.get_response(request)
