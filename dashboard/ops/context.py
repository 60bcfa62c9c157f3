"""The request id: taken from a sane incoming X-Request-ID or made here, kept in a contextvar for
the request (or the task) being handled, written on every log line and carried in the headers of
each Celery task the request enqueues, so one id follows the work from web to worker."""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# What a proxy or load balancer plausibly sends (a UUID, a hex or base64-ish token); anything else
# (too long, spaces, quotes, control characters) is replaced, so a client cannot forge log lines.
_SANE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+/=-]{7,127}$")


def request_id_from(incoming: str | None) -> str:
    """The incoming id when it looks like one, else a new one."""
    if incoming and _SANE.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id (empty outside a request or task) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json): time, level, logger, message, request_id, and
    the exception's traceback as one string when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            # UTC whatever the host's zone, as the "Z" says.
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
            "process": record.process,
        }
        for extra in ("task_name", "task_id", "status_code"):
            value = getattr(record, extra, None)
            if value is not None:
                entry[extra] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
