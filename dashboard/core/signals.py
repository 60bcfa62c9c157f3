"""Signals core sends: upper apps (notifications) listen without core importing them."""

from django.dispatch import Signal

# A background job ended (done or failed), sent once, by the call that ended it. Args: job.
job_finished = Signal()
