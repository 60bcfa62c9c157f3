"""Celery's side of operating: the request id travels in each task message's headers and is set
again around the task; workers leave a heartbeat in Redis for /readyz; finished tasks are counted."""

import logging
import time

from celery import signals

from dashboard.core.metrics import TASKS
from dashboard.ops import health
from dashboard.ops.context import request_id_from, request_id_var

logger = logging.getLogger(__name__)

HEADER = "request_id"
# A busy worker refreshes its heartbeat at most this often (seconds); an idle one through beat's
# ops-heartbeat task (settings.CELERY_BEAT_SCHEDULE).
HEARTBEAT_EVERY = 30.0
_last_beat = 0.0


@signals.before_task_publish.connect
def _publish_request_id(headers=None, **kwargs) -> None:
    # A task enqueued by another task keeps the id it was given: the trail goes on.
    current = request_id_var.get()
    if current and headers is not None and not headers.get(HEADER):
        headers[HEADER] = current


@signals.task_prerun.connect
def _task_started(task=None, **kwargs) -> None:
    if task is None:
        return
    # Each task's id is its request's (an inline task's, the request running it); a task with
    # none (beat's) gets one of its own.
    incoming = task.request.get(HEADER) or request_id_var.get()
    task.request.ops_token = request_id_var.set(request_id_from(incoming))
    if not task.request.is_eager:  # an inline task is no sign of a worker
        _heartbeat()


@signals.task_postrun.connect
def _task_finished(task=None, state=None, **kwargs) -> None:
    if task is None:
        return
    TASKS.labels(task.name, state or "UNKNOWN").inc()
    token = getattr(task.request, "ops_token", None)
    if token is not None:
        request_id_var.reset(token)
        task.request.ops_token = None


@signals.worker_ready.connect
def _worker_ready(**kwargs) -> None:
    _heartbeat(force=True)


def _heartbeat(*, force: bool = False) -> None:
    global _last_beat
    now = time.monotonic()
    if not force and now - _last_beat < HEARTBEAT_EVERY:
        return
    _last_beat = now
    try:
        health.worker_seen_record()
    except Exception:  # a heartbeat that cannot be written must not fail the task
        logger.warning("Could not record the worker heartbeat in Redis", exc_info=True)
