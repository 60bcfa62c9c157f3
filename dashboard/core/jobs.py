"""The one shape of work a worker carries out and a page polls: `Job` and its status response."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from dashboard.core.querysets import TeamScopedQuerySet
from dashboard.core.signals import job_finished


# Generic over the job model, so mypy knows self.model has the state lists below.
class JobQuerySet[M: Job](TeamScopedQuerySet[M]):
    def active(self):
        return self.filter(state__in=self.model.ACTIVE_STATES)

    def finished(self):
        return self.filter(state__in=self.model.FINISHED_STATES)

    def unfinished(self, job_id: int) -> M | None:
        """The job a task was handed, with its team; None when it is gone or has ended (the task
        was redelivered after it finished, or the job was superseded): nothing left to do."""
        job = self.select_related("team").filter(id=job_id).first()
        return None if job is None or job.is_finished else job


class Job(models.Model):
    """A connection check, a sync, a webhook change, an import, an added candidate, an export.

    Every job says where it stands in the same four words: queued, running, done (it did what was
    asked), failed (it could not; `outcome` says why in a short code where the page needs one,
    `message` in words). A model with more states of its own (a sync skipped, an import cancelled)
    declares its `State` with these four values among them and lists its extra ones in
    ACTIVE_STATES or FINISHED_STATES.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE_STATES: tuple[str, ...] = ("queued", "running")
    FINISHED_STATES: tuple[str, ...] = ("done", "failed")

    team = models.ForeignKey("accounts.Team", models.CASCADE, related_name="+")
    # Who asked for it (None: the system, e.g. beat's periodic sync, or a deleted user).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State, default=State.QUEUED)
    outcome = models.CharField(max_length=30, blank=True, default="")
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The URL name of its status region, which a page polls while it runs (core/_job_status.html):
    # set by every job a page polls.
    status_url_name: ClassVar[str]

    objects = JobQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def get_status_url(self) -> str:
        return reverse(self.status_url_name, args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED_STATES

    def start(self) -> bool:
        """Queued to running, once: False when another worker took it or it ended meanwhile."""
        now = timezone.now()
        if (
            not type(self)
            ._base_manager.filter(pk=self.pk, state=self.State.QUEUED)
            .update(state=self.State.RUNNING, started_at=now)
        ):
            return False
        self.state, self.started_at = self.State.RUNNING, now
        return True

    def finish(self, *, outcome: str = "", message: str = "", state: str = "", **fields) -> bool:
        """Ends the job (done unless `state` says otherwise), with `fields` of its own saved in the
        same UPDATE. The first ending wins: a late worker cannot overwrite a cancel or an
        "interrupted" with its own; then this copy is refreshed and False returned."""
        values = {
            "state": state or self.State.DONE,
            "outcome": outcome,
            "message": message,
            "finished_at": timezone.now(),
            **fields,
        }
        if not type(self)._base_manager.filter(pk=self.pk, state__in=self.ACTIVE_STATES).update(**values):
            self.refresh_from_db()
            return False
        for name, value in values.items():
            setattr(self, name, value)
        # Only the call that ended the job sends it, so a listener hears of each ending once.
        job_finished.send(sender=type(self), job=self)
        return True

    def fail(self, message: str, *, outcome: str = "", **fields) -> bool:
        return self.finish(state=self.State.FAILED, outcome=outcome, message=message, **fields)


def job_status(
    request, template: str, context: dict, *, finished: bool, event: str = "", polled: bool = True
):
    """A job's status region (`templates/core/_job_status.html` inside `template`). Once the job
    has finished an htmx request is answered 286 when it was the region's own poll (htmx stops)
    and `event` is fired, so the regions showing the outcome fetch themselves; the finished
    region has nothing left to poll with, so that is once per job a page watched. `polled` is
    False for the answer to the POST that started the job (tasks run inline end it at once)."""
    response = render(request, template, context)
    if finished and request.htmx:
        if polled:
            response.status_code = HttpResponseStopPolling.status_code
        if event:
            trigger_client_event(response, event)
    return response


@dataclass(frozen=True, kw_only=True)
class JobRegion:
    """Where a page shows one kind of job: the region's template, the name the job has in it and
    the event its ending fires. The POST that starts the job and the region's poll both answer
    with it, so they cannot drift apart."""

    template: str
    event: str
    name: str = "job"
    model: type[Job] | None = None  # for poll()

    def render(self, request, job: Job, context: dict | None = None, *, polled: bool = True):
        return job_status(
            request,
            self.template,
            {self.name: job} if context is None else context,
            finished=job.is_finished,
            event=self.event,
            polled=polled,
        )

    def poll(self, request, job_id: int):
        """The region's own poll: the team's job of this kind, or 404."""
        assert self.model is not None, "poll() needs the region's model"
        return self.render(request, get_object_or_404(self.model, id=job_id, team=request.team))

    def started(self, request, job: Job, *, fallback: str, context: Callable[[Any], dict] | None = None):
        """The answer to the POST that queued `job`: the page at `fallback` without htmx, else the
        region as it stands now (`context` makes the region's context from the job). Tasks run
        inline (development) or a job that ended at once (a skipped sync) have finished it already,
        and no poll will say so: hence the fresh read."""
        if not request.htmx:
            return redirect(fallback)
        job.refresh_from_db()
        return self.render(request, job, None if context is None else context(job), polled=False)
