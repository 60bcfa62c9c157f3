"""The one queryset every team-owned model starts from."""

from django.db import models


class TeamScopedQuerySet(models.QuerySet):
    """Every read of a team's rows starts with `.for_team(request.team)`: a missed scope shows
    as a missing call, not as a differently named filter in each app."""

    def for_team(self, team):
        return self.filter(team=team)
