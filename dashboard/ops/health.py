"""The checks behind /readyz, each answering only ok or not: the database answers, every migration
is applied, Redis answers, and a Celery worker was seen lately (its heartbeat key in Redis)."""

import logging
import time
from functools import cache

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

_migrations_applied = False


@cache
def redis_for(url: str) -> redis.Redis:
    # Short timeouts: a probe that hangs on a dead Redis is itself an outage of the probe.
    timeout = settings.READY_TIMEOUT
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def heartbeat_key() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX') or 'hmd'}:ops:worker-seen"


def worker_seen_record() -> None:
    """A worker says it is alive (at start, then while it takes tasks)."""
    redis_for(settings.REDIS_URL).set(heartbeat_key(), str(time.time()), ex=24 * 3600)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("readyz: the database did not answer", exc_info=True)
        return False


def migrations_ok() -> bool:
    """Every migration on disk is applied. Once true it stays true for this process (a new
    release restarts the processes), so the migration graph is loaded only until then."""
    global _migrations_applied
    if _migrations_applied:
        return True
    try:
        executor = MigrationExecutor(connection)
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("readyz: could not read the applied migrations", exc_info=True)
        return False
    return _migrations_applied


def redis_ok() -> bool:
    try:
        return bool(redis_for(settings.REDIS_URL).ping())
    except Exception:
        logger.warning("readyz: Redis did not answer", exc_info=True)
        return False


def worker_ok() -> bool:
    try:
        seen = redis_for(settings.REDIS_URL).get(heartbeat_key())
    except Exception:
        return False
    if seen is None:
        return False
    try:
        return time.time() - float(seen) <= settings.READY_WORKER_SECONDS
    except ValueError:
        return False


def readiness() -> dict[str, bool]:
    """Each check by name. Inline mode (development) has no Redis and no worker to check."""
    checks = {"database": database_ok()}
    checks["migrations"] = checks["database"] and migrations_ok()
    if not settings.TASKS_INLINE:
        checks["redis"] = redis_ok()
        checks["worker"] = checks["redis"] and worker_ok()
    return checks
