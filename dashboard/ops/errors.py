"""Sentry error reporting (SENTRY_DSN), with personal data scrubbed before an event leaves.

send_default_pii=False already keeps out cookies, the user's address and request bodies Sentry
would add itself; what it cannot know is where our data holds people. scrub() walks the whole
event (the exception's local variables, breadcrumbs from log lines, extra data) and replaces:
values under keys that name a person or a secret, and e-mail addresses, phone numbers and long
tokens anywhere in text. Imported by settings, so it imports nothing of Django's."""

import re
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

FILTERED = "[Filtered]"

# Keys whose value is a person's or a secret, whatever it looks like (matched case-insensitively,
# as a whole key or its last word: "candidate_name", "X-API-KEY", "HTTP_COOKIE").
SENSITIVE_KEYS = re.compile(
    r"(^|[_\-\s])(name|names|first_name|last_name|full_name|username|email|emails|phone|phones|"
    r"phone_number|api_key|apikey|key|token|secret|password|passwd|authorization|cookie|cookies|"
    r"set-cookie|session|sessionid|csrftoken|signature|sig|address|dsn)$",
    re.IGNORECASE,
)
# Percent-encoded too (%40): a request's repr in a frame's variables holds its query string.
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", re.IGNORECASE)
# International or national numbers: an optional +, then 7 or more digits with spaces, dots,
# dashes or brackets between them (a date or a small count never has that many digits together).
PHONE = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().\-]{6,}\d(?![\w/])")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Long opaque tokens (API keys, session ids, Fernet tokens): 24+ characters of key alphabet with
# both letters and digits.
TOKEN = re.compile(r"\b(?=[A-Za-z0-9_\-]*\d)(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{24,}\b")


def scrub_text(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = TOKEN.sub("[token]", text)
    return PHONE.sub(_phone, text)


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    if sum(c.isdigit() for c in found) < 7 or DATE.fullmatch(found.strip()):
        return found
    return "[phone]"


# A stack frame's and an exception's own fields: code, not data (a function name must stay readable).
_CODE_KEYS = frozenset(
    {
        "filename",
        "abs_path",
        "function",
        "module",
        "package",
        "lineno",
        "colno",
        "in_app",
        "type",
        "mechanism",
    }
)


def _scrub_item(key: Any, item: Any, depth: int) -> Any:
    if not isinstance(key, str):
        return _scrub(item, depth + 1)
    if key in _CODE_KEYS:
        return item
    if SENSITIVE_KEYS.search(key):
        return FILTERED
    return _scrub(item, depth + 1)


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: _scrub_item(key, item, depth) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # Headers come as [name, value] pairs in some SDK paths.
        if len(value) == 2 and isinstance(value[0], str) and SENSITIVE_KEYS.search(value[0]):
            return [value[0], FILTERED]
        return [_scrub(item, depth + 1) for item in value]
    return value


# Parts of an event that are the SDK's own bookkeeping: nothing of ours, and keys like "name" there
# (an SDK's, an integration's) must survive.
_KEEP = frozenset({"sdk", "contexts", "modules", "platform", "level", "timestamp", "event_id", "release"})


def scrub(event: "Event", hint: "Hint | None" = None) -> "Event":
    """Sentry's before_send (and before_send_transaction)."""
    data = cast(dict[str, Any], event)
    for key, value in list(data.items()):
        if key in _KEEP:
            continue
        if key == "user":
            # The id alone tells whose request it was, for someone with the database.
            data[key] = {"id": value.get("id")} if isinstance(value, dict) and value.get("id") else {}
        elif key == "request" and isinstance(value, dict):
            value.pop("cookies", None)
            value.pop("data", None)
            # Percent-encoded, an address would pass the patterns: read it decoded.
            if isinstance(value.get("query_string"), str):
                value["query_string"] = unquote_plus(value["query_string"])
            data[key] = _scrub(value)
        else:
            data[key] = _scrub(value)
    return event


def sentry_init(dsn: str, *, environment: str, release: str | None, traces_sample_rate: float, **options):
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    return sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        # send_default_pii stays off by being left out: sentry-sdk 2.76 deprecates passing it (in
        # favour of data_collection) and treats it unset as False, with its own EventScrubber.
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=scrub,
        before_send_transaction=scrub,
        **options,
    )
