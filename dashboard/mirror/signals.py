"""Signals mirror sends: upper apps (notifications) listen without mirror importing them."""

from django.dispatch import Signal

# Interviews that reached "completed" in one upsert batch, sent once per batch after its commit
# (never once a row: a sync page of 100 is one signal). Args: team, interview_ids (local ids).
interviews_completed = Signal()

# A sync run failed. Args: team, run.
sync_failed = Signal()
