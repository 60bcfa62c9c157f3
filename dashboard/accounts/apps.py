"""Teams, memberships and roles."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dashboard.accounts"
    label = "accounts"
    verbose_name = "Teams and members"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from dashboard.accounts.middleware import remember_first_team

        user_logged_in.connect(remember_first_team, dispatch_uid="accounts.remember_first_team")
