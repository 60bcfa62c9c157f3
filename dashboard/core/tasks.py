"""The one Celery base task, and how services reach a task without importing it.

Every task retries HeyMilo's transient errors (heymilo.errors.TRANSIENT_ERRORS: 429, 5xx, dropped
connections, timeouts, unreadable answers) the same way, with Celery's own autoretry: exponential
backoff with full jitter (a random wait between 0 and 2, 4, 8 ... seconds, so workers that failed
together do not come back together), at least as long as the server's Retry-After, at most
max_retries times. The HeyMilo client has already retried quickly; these retries wait longer, off
the worker. Anything else (401, 404, 422) is an answer that waiting will not change.

Inline (eager) mode, where there is no broker to wait on, runs the next try at once (_retry_now).
"""

import math
import threading

from celery import current_app
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Ignore

from heymilo.errors import TRANSIENT_ERRORS

# A server's Retry-After is honoured up to this: a broken header must not park a task for a day.
RETRY_AFTER_MAX = 600


class HeyMiloTask(DjangoTask):
    """`@shared_task(base=HeyMiloTask, bind=True)`: retries TRANSIENT_ERRORS with jittered backoff.

    A task that must record a failure when it gives up catches the error and asks will_retry():
    re-raise while it is True (Celery retries), record the failure once it is False.
    """

    autoretry_for = TRANSIENT_ERRORS
    max_retries = 6
    retry_backoff = 2  # the first retry waits up to 2 s, then 4, 8, ... up to retry_backoff_max
    retry_backoff_max = 60
    retry_jitter = True  # full jitter: a random wait between 0 and the backoff

    def will_retry(self, error: BaseException) -> bool:
        """True when Celery will retry this error: it is transient and retries are left."""
        return isinstance(error, TRANSIENT_ERRORS) and self.request.retries < self.max_retries

    def retry(
        self,
        args=None,
        kwargs=None,
        exc=None,
        throw=True,
        eta=None,
        countdown=None,
        max_retries=None,
        **options,
    ):
        """Celery's retry, waiting at least the error's Retry-After (RateLimited.retry_after)."""
        if self.request.is_eager:
            return self._retry_now(exc)
        hint = getattr(exc, "retry_after", None)
        if hint is not None and eta is None:
            countdown = max(countdown or 0, math.ceil(min(hint, RETRY_AFTER_MAX)))
        return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)

    def _retry_now(self, exc):
        """Inline (eager) mode has no broker to wait on: the next try runs at once, bounded by
        max_retries. Celery's own eager retry would raise Retry to the caller when
        task_eager_propagates is on (tests); this ends the try that failed as ignored instead,
        and the last try's failure, if any, propagates as usual."""
        request = self.request
        if request.retries >= self.max_retries:
            raise exc
        self.apply(tuple(request.args or ()), dict(request.kwargs or {}), retries=request.retries + 1)
        raise Ignore()

    def requeue(self, *args) -> bool:
        """Runs this task again at the back of the queue, so other teams' work runs in between;
        True when queued. Inline mode has no queue: False, and the caller loops instead, since a
        task applied from inside itself would nest one call per step."""
        if self.request.is_eager:
            return False
        self.apply_async(args)
        return True


_discovering = threading.Lock()


def task_named(name: str) -> HeyMiloTask:
    """The registered task called `name` ("dashboard.mirror.tasks.run_sync").

    Services enqueue through this: an app's tasks import its services, so the services cannot
    import the tasks back. Celery imports the tasks modules lazily (autodiscover_tasks in
    dashboard/celery.py), so a process that has not loaded them yet does it here once.
    """
    if name not in current_app.tasks:
        # One thread at a time: while one runs it, Celery's autodiscovery returns at once in
        # another, having imported nothing (its _RACE_PROTECTION flag).
        with _discovering:
            if name not in current_app.tasks:
                current_app.autodiscover_tasks(force=True)
    task = current_app.tasks[name]
    assert isinstance(task, HeyMiloTask), f"{name} is not a HeyMiloTask"
    return task
