"""Team actions that call HeyMilo: testing the connection and the header's health dot."""

import logging

from django.core.cache import cache
from django.utils import timezone

from dashboard.accounts.models import ConnectionCheck, KeyStatus, Team
from dashboard.core.heymilo_api import client_for
from heymilo.errors import (
    AddressNotAllowed,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    HeyMiloError,
    RateLimited,
    Unauthorized,
)

log = logging.getLogger(__name__)

HEALTH_TTL = 60  # seconds a health reading is shown before a worker refreshes it


def health_cache_key(team_id: int) -> str:
    return f"team:{team_id}:heymilo-health"


# What an error means, in words a hiring manager understands: the first kind it is wins
# (Unauthorized and RateLimited are kinds of APIStatusError). {message} is the error's own
# sentence, {status} the HTTP status HeyMilo answered with.
_ERROR_WORDS: tuple[tuple[type[HeyMiloError], str, str], ...] = (
    # Refused before connecting, so it tells nothing about what listens there.
    (
        AddressNotAllowed,
        ConnectionCheck.Outcome.UNREACHABLE,
        "{message}. Nothing was sent: check the base URL.",
    ),
    (
        Unauthorized,
        ConnectionCheck.Outcome.UNAUTHORIZED,
        "HeyMilo rejected the API key. Check it in HeyMilo's settings and paste it again.",
    ),
    (
        RateLimited,
        ConnectionCheck.Outcome.RATE_LIMITED,
        "HeyMilo says we are sending too many requests right now. Try again in a minute.",
    ),
    (
        APITimeoutError,
        ConnectionCheck.Outcome.UNREACHABLE,
        "HeyMilo did not answer in time. It may be down or the base URL may be wrong.",
    ),
    (
        APIConnectionError,
        ConnectionCheck.Outcome.UNREACHABLE,
        "Could not reach HeyMilo at the base URL. Check the address and try again.",
    ),
    (
        APIStatusError,
        ConnectionCheck.Outcome.ERROR,
        "HeyMilo answered with an error ({status}). Try again later.",
    ),
)


def describe_error(error: HeyMiloError) -> tuple[str, str]:
    """(outcome, sentence) in words a hiring manager understands."""
    for kind, outcome, words in _ERROR_WORDS:
        if isinstance(error, kind):
            return outcome, words.format(message=str(error).rstrip("."), status=getattr(error, "status", ""))
    return ConnectionCheck.Outcome.ERROR, "HeyMilo sent a reply we could not understand."


def connection_check_run(check: ConnectionCheck) -> ConnectionCheck:
    team = check.team
    if not team.has_api_key:
        check.fail("Set the team's HeyMilo API key first.", outcome=ConnectionCheck.Outcome.NO_KEY)
        return check
    check.start()
    try:
        client = client_for(team)
        client.health()
        page = client.list_postings(page=1, limit=1)
    except HeyMiloError as error:
        outcome, message = describe_error(error)
        if outcome == ConnectionCheck.Outcome.UNAUTHORIZED:
            team.record_key_status(KeyStatus.INVALID)
        check.fail(message, outcome=outcome)
        return check
    except Exception as error:  # the check must end, whatever went wrong
        # Only the type is logged: a message may quote the key (requests' InvalidHeader does).
        log.warning("connection check %s failed: %s", check.pk, type(error).__name__)
        check.fail(
            "The check could not run. If the key was pasted, copy it again from HeyMilo.",
            outcome=ConnectionCheck.Outcome.ERROR,
        )
        return check
    team.record_key_status(KeyStatus.VALID)
    postings = f"{page.total} job posting{'' if page.total == 1 else 's'}"
    check.finish(
        outcome=ConnectionCheck.Outcome.OK,
        message=f"HeyMilo accepts the key and lists {postings}.",
        postings_total=page.total,
    )
    return check


def health_refresh(team: Team) -> dict:
    """Calls HeyMilo's health endpoint and caches the reading for the header's status dot."""
    reading = {"ok": False, "label": "HeyMilo unreachable", "checked_at": timezone.now().isoformat()}
    try:
        client_for(team).health()
        reading.update(ok=True, label="HeyMilo is up")
    except HeyMiloError as error:
        reading["label"] = describe_error(error)[1]
    cache.set(health_cache_key(team.id), reading, HEALTH_TTL)
    return reading
