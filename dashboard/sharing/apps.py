"""Sharing: read-only links to a candidate packet for people without an account, and the printable
candidate and shortlist reports."""

from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "dashboard.sharing"
    label = "sharing"
    verbose_name = "Sharing"
