from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "dashboard.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Celery's signals: the request id into and out of task messages, the worker heartbeat
        # /readyz reads, the task counter. Connected in every process; only workers fire most.
        from dashboard.ops import signals  # noqa: F401
