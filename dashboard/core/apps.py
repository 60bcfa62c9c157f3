"""The bottom layer: pieces every feature app shares (team-scoped querysets, request middleware,
the HeyMilo client for a team, CSV safety, the site chrome's template tags). It imports no
feature app; import-linter holds it to that (see [tool.importlinter] in pyproject.toml)."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dashboard.core"
    label = "core"
    verbose_name = "Core"
