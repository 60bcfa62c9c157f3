"""manage.py sync [--team SLUG] [--posting ID]: run a sync here and now, printing progress."""

from django.core.management.base import BaseCommand, CommandError

from dashboard.accounts.models import Team
from dashboard.mirror import services
from dashboard.mirror.models import SyncRun
from heymilo.errors import HeyMiloError


class Command(BaseCommand):
    help = "Sync teams (or one posting) from HeyMilo in this process, printing each page."

    def add_arguments(self, parser):
        parser.add_argument("--team", help="team slug (default: every team with an API key)")
        parser.add_argument("--posting", help="HeyMilo posting id (needs --team)")

    def handle(self, team=None, posting=None, **options):
        if posting and not team:
            raise CommandError("--posting needs --team.")
        teams = Team.objects.exclude(api_key_encrypted="")
        if team:
            teams = teams.filter(slug=team)
            if not teams.exists():
                raise CommandError(f"No team {team!r} with an API key.")
        failed = False
        for t in teams:
            scope = SyncRun.Scope.POSTING if posting else SyncRun.Scope.TEAM
            run = SyncRun.objects.create(team=t, scope=scope, target=posting or "")
            self.stdout.write(f"{t.slug}: sync #{run.id}")
            try:
                while services.sync_step(run):
                    self.stdout.write(
                        f"  {run.pages_done}/{run.pages_expected} pages, "
                        f"{run.rows_created} new, {run.rows_updated} updated"
                    )
            except HeyMiloError as error:
                services.sync_fail(run, error=error)
            run.refresh_from_db()
            self.stdout.write(
                f"  {run.state}: {run.rows_created} new, {run.rows_updated} updated, "
                f"{run.rows_unchanged} unchanged, {run.rows_missing} gone. {run.message}".rstrip()
            )
            failed |= run.state != SyncRun.State.DONE
        if failed:
            raise CommandError("At least one sync did not succeed.")
