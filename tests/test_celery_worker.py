"""A real Celery worker process on the real Redis runs the dashboard's tasks."""

import pytest

from dashboard.accounts import tasks
from dashboard.accounts.models import ConnectionCheck, KeyStatus
from tests.waiting import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_it_runs_a_connection_check_in_a_worker(celery_worker, team, admin, sandbox):
    team.heymilo_base_url = sandbox.url
    team.set_api_key(sandbox.api_key)
    team.save()
    check = ConnectionCheck.objects.create(team=team, requested_by=admin)

    result = tasks.check_connection.delay(check.id)
    result.get(timeout=30)

    check.refresh_from_db()
    assert check.outcome == ConnectionCheck.Outcome.OK, celery_worker.log()[-2000:]
    team.refresh_from_db()
    assert team.api_key_status == KeyStatus.VALID
    # The worker stores the result before it logs "succeeded", and logs "received" first:
    # wait for the line itself, not for the first line naming the task.
    succeeded = f"Task dashboard.accounts.tasks.check_connection[{result.id}] succeeded"
    wait_for(lambda: succeeded in celery_worker.log(), timeout=10, message=succeeded)


def test_a_redelivered_finished_check_does_nothing(celery_worker, team, admin):
    check = ConnectionCheck.objects.create(team=team, requested_by=admin)
    check.finish(outcome=ConnectionCheck.Outcome.OK, message="done before")
    tasks.check_connection.delay(check.id).get(timeout=30)
    check.refresh_from_db()
    assert check.message == "done before"
