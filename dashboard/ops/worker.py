"""The worker's consumer bootstep that notices a Redis restart the consumer itself missed."""

import logging

import redis
from celery import bootsteps

from dashboard.ops.health import redis_for

logger = logging.getLogger(__name__)


class RedisRestartWatch(bootsteps.StartStopStep):
    """Reconnects the worker's consumer when Redis has restarted without the consumer noticing.

    The consumer notices a lost Redis only through its waiting BRPOP. When every process has a
    task in hand, none is waiting (the prefetch limit is reached); those tasks' acknowledgements
    then fail on the dead connection, and kombu keeps counting them as in hand, so the consumer
    never asks for a task again (tests/hardening/test_procfile_worker.py, "busy in every
    process"). So every few seconds this asks Redis for its run_id, which a restart changes,
    and on a change raises a connection error in the consumer's loop: Celery's own reconnect
    then starts a fresh channel. An unreachable Redis is left to the next look.
    """

    requires = ("celery.worker.consumer.connection:Connection",)
    every = 5.0  # seconds

    def __init__(self, c, **kwargs):
        super().__init__(c, **kwargs)
        self.url = str(c.app.conf.broker_url)
        self.entry = None
        self.run_id: str | None = None

    def include_if(self, c) -> bool:
        return self.url.startswith(("redis://", "rediss://"))

    def start(self, c) -> None:
        # Started again on every (re)connect, so the run_id to compare with is the one Redis has
        # now, while the consumer is freshly connected to it.
        self.stop(c)
        self.run_id = self.server_run_id()
        self.entry = c.timer.call_repeatedly(self.every, self.look)

    def stop(self, c) -> None:
        if self.entry is not None:
            self.entry.cancel()
            self.entry = None

    shutdown = stop

    def server_run_id(self) -> str | None:
        try:
            return redis_for(self.url).info("server")["run_id"]
        except redis.RedisError:
            return None

    def look(self) -> None:
        run_id = self.server_run_id()
        if run_id is None:
            return
        if self.run_id is None:
            self.run_id = run_id
        elif run_id != self.run_id:
            logger.warning("Redis restarted (run_id %s → %s): reconnecting the consumer", self.run_id, run_id)
            raise redis.ConnectionError("Redis restarted since the consumer connected")
