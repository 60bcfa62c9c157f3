"""Notifications: what reaches a person who is not looking (in-app, email now, daily digest)."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dashboard.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The lower apps send signals; this app alone knows who hears of them.
        from dashboard.notifications import receivers

        receivers.connect()
