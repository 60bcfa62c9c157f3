"""A stamp per team that changes whenever the team's interviews or reviews change, so a count
computed from them can be cached under it and is never served after a change (a stale one
can only outlive a change no writer announced, and then only for its timeout).

Writers call `team_changed()` inside their transaction. It changes the stamp at once and again
once the transaction commits: a reader between the two may cache a count of the old rows under
the first new stamp, never under the second."""

from uuid import uuid4

from django.core.cache import cache
from django.db import transaction


def _key(team_id: int) -> str:
    return f"team:{team_id}:stamp"


def team_stamp(team_id: int) -> str:
    # A fresh random stamp when there is none (never set, or evicted): nothing cached before
    # the eviction can be read under it.
    stamp = cache.get(_key(team_id))
    if stamp is None:
        cache.add(_key(team_id), uuid4().hex, None)
        stamp = cache.get(_key(team_id))
    return stamp


def _renew(team_id: int) -> None:
    cache.set(_key(team_id), uuid4().hex, None)


def team_changed(team_id: int) -> None:
    _renew(team_id)
    transaction.on_commit(lambda: _renew(team_id))
