"""The local mirror of HeyMilo postings and interviews, and the syncs that keep it fresh."""

from django.apps import AppConfig


class MirrorConfig(AppConfig):
    name = "dashboard.mirror"
    label = "mirror"
    verbose_name = "HeyMilo mirror"
