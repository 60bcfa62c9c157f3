"""The sweep recovers deliveries a dead worker left `processing`, and processes each exactly once."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from dashboard.mirror.models import Interview, SyncRun
from dashboard.webhooks import processing
from dashboard.webhooks.models import Delivery
from tests.mirror.helpers import point_team_at


def _stuck(team, remote_id: str, claimed_ago: timedelta) -> Delivery:
    """A delivery as a worker killed mid-verify leaves it: claimed, its dedup key taken by itself."""
    delivery = Delivery.objects.create(
        team=team,
        method="GET",
        received_at=timezone.now() - claimed_ago - timedelta(seconds=1),
        query={"event_type": "interview_completed", "interview_id": remote_id},
    )
    assert processing.delivery_claim(delivery)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - claimed_ago)
    delivery.event_type, delivery.interview_id = "interview_completed", remote_id
    cache.add(processing.dedup_key(delivery), delivery.pk, 3600)
    # Its refresh stays `running`; the lock that said it was alive expired with the worker.
    SyncRun.objects.create(
        team=team,
        scope=SyncRun.Scope.INTERVIEW,
        target=remote_id,
        state=SyncRun.State.RUNNING,
        started_at=timezone.now() - claimed_ago,
    )
    return delivery


def _refreshes(remote_id: str, state=SyncRun.State.DONE) -> int:
    return SyncRun.objects.filter(scope=SyncRun.Scope.INTERVIEW, target=remote_id, state=state).count()


def _interview_id(sandbox) -> str:
    posting = sandbox.postings()[0]
    return sandbox.interviews(posting["posting_id"])[0]["interview_id"]


@pytest.mark.django_db
def test_it_processes_a_delivery_stuck_in_processing_once_its_worker_died(team, sandbox):
    point_team_at(team, sandbox)
    remote_id = _interview_id(sandbox)
    delivery = _stuck(team, remote_id, timedelta(minutes=10))
    # The task redelivered after the worker died finds it `processing` and leaves it alone.
    from dashboard.webhooks import tasks

    tasks.process_delivery.apply(args=(delivery.id,))
    assert Delivery.objects.get(pk=delivery.pk).state == Delivery.State.PROCESSING

    assert processing.deliveries_sweep() == 1
    delivery.refresh_from_db()
    # Processed, not "a duplicate of itself": the dedup key it holds is its own.
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason
    assert delivery.attempts == 2
    assert _refreshes(remote_id) == 1
    assert Interview.objects.filter(team=team, remote_id=remote_id).exists()
    # The dead worker's refresh says it stopped instead of running for good.
    assert _refreshes(remote_id, SyncRun.State.INTERRUPTED) == 1
    assert not SyncRun.objects.active().exists()
    # Exactly once: later sweeps find nothing to do.
    assert processing.deliveries_sweep() == 0
    assert _refreshes(remote_id) == 1


@pytest.mark.django_db
def test_it_leaves_a_delivery_processing_for_less_than_the_setting_to_its_worker(team, sandbox, settings):
    point_team_at(team, sandbox)
    settings.WEBHOOK_PROCESSING_TIMEOUT = 300
    remote_id = _interview_id(sandbox)
    delivery = _stuck(team, remote_id, timedelta(seconds=200))
    assert processing.deliveries_sweep() == 0
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.PROCESSING, 1)
    assert _refreshes(remote_id) == 0


@pytest.mark.django_db
def test_it_reads_the_processing_timeout_setting(team, sandbox, settings):
    point_team_at(team, sandbox)
    settings.WEBHOOK_PROCESSING_TIMEOUT = 60
    delivery = _stuck(team, _interview_id(sandbox), timedelta(seconds=90))
    assert processing.deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason


@pytest.mark.django_db
def test_the_management_command_takes_a_stuck_after_option(team, sandbox):
    from django.core.management import call_command

    point_team_at(team, sandbox)
    delivery = _stuck(team, _interview_id(sandbox), timedelta(seconds=90))
    call_command("process_deliveries", "--stuck-after", "3600")
    assert Delivery.objects.get(pk=delivery.pk).state == Delivery.State.PROCESSING
    call_command("process_deliveries", "--stuck-after", "60")
    assert Delivery.objects.get(pk=delivery.pk).state == Delivery.State.PROCESSED


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_process_a_stuck_delivery_once(team, sandbox):
    point_team_at(team, sandbox)
    remote_id = _interview_id(sandbox)
    delivery = _stuck(team, remote_id, timedelta(minutes=10))
    barrier, errors = threading.Barrier(2), []

    def sweep():
        try:
            barrier.wait()
            processing.deliveries_sweep()  # tasks run inline: each sweep processes what it enqueues
        except Exception as error:  # reported below, with the thread's own error
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason
    assert delivery.attempts == 2
    assert _refreshes(remote_id) == 1
