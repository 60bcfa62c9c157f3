"""Signals review sends: upper apps (notifications) listen without review importing them."""

from django.dispatch import Signal

# A review action was recorded (decision, rating, note, bulk decision, stage move...), sent after
# its transaction commits, from audit_record, the one path every review write takes. Args: entry.
review_recorded = Signal()
