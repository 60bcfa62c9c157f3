"""gunicorn's settings file for the dashboard: `gunicorn dashboard.wsgi -c deploy/gunicorn.conf.py`
(the Procfile's web line). The command line keeps the sizing (workers, threads, bind); this file
holds the hooks, which a command line cannot carry."""

import os


def child_exit(server, worker):
    """A worker that exited (restarted, killed, max-requests) has its live metrics files marked
    dead, so /metrics stops adding a gone process's gauges (prometheus-client multiprocess mode;
    counters and histograms it wrote are kept and still counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
