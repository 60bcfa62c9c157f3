"""Signals accounts sends: upper apps (notifications) listen without accounts importing them."""

from django.dispatch import Signal

# HeyMilo refused the team's API key, sent when a working or untested key turns rejected. Args: team.
key_rejected = Signal()
