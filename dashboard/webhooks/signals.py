"""Signals webhooks sends: upper apps (notifications) listen without webhooks importing them."""

from django.dispatch import Signal

# A delivery was stored as rejected (over the size limit). Args: team_id.
delivery_rejected = Signal()
