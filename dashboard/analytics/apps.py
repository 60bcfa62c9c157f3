"""Team analytics: the hiring funnel over time, scores, review speed, workload and sources."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "dashboard.analytics"
    label = "analytics"
    verbose_name = "Analytics"
