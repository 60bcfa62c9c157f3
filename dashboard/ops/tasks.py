from celery import shared_task

from dashboard.ops import health


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat's once a minute: an idle worker still shows /readyz it is alive."""
    health.worker_seen_record()
