"""gunicorn's threaded worker, accepting new connections only while it has a thread free.

gunicorn's workers race to accept each new connection, and a kept-alive connection stays with the
worker that won it. The race favours whichever worker is waiting at that moment, not the least
loaded one: 20 webhook senders connecting together were spread 16 / 4 over two workers as often as
10 / 10. A worker runs Python on one CPU at most, so the busy one became the bottleneck while the
other idled, and the p99 response time with it (52-55 ms against 34-39 ms balanced, bench/webhooks.py).

Here a worker whose threads are all busy leaves new connections in the listen queue, where the
first worker with a thread free takes them. Nothing is refused and no connection waits longer than
it would for a thread anyway; a worker still accepts up to gunicorn's --worker-connections.
"""

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        self.in_flight = 0  # requests handed to the thread pool and not finished (main thread only)
        super().__init__(*args, **kwargs)

    # gunicorn's loop accepts while `nr_conns < worker_connections`, checked before each wait for
    # events; a busy worker's limit is what it holds already.
    @property
    def worker_connections(self) -> int:
        if self.in_flight >= self.cfg.threads:
            return min(self.nr_conns, self._worker_connections)
        return self._worker_connections

    @worker_connections.setter
    def worker_connections(self, value: int) -> None:
        self._worker_connections = value

    def enqueue_req(self, conn):
        self.in_flight += 1
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)
