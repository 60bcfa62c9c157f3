"""The share-link form: how long the link lasts and whether the team's notes go with it."""

from django import forms

from dashboard.sharing.services import DEFAULT_DAYS, MAX_DAYS


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(
        label="Expires after (days)",
        initial=DEFAULT_DAYS,
        min_value=1,
        max_value=MAX_DAYS,
        error_messages={
            "required": f"Say how many days the link lasts: 1 to {MAX_DAYS}.",
            "invalid": f"The number of days must be a whole number from 1 to {MAX_DAYS}.",
            "min_value": f"A link lasts at least 1 day: choose 1 to {MAX_DAYS}.",
            "max_value": f"A link lasts at most {MAX_DAYS} days: choose 1 to {MAX_DAYS}.",
        },
    )
    include_notes = forms.BooleanField(
        label="Include the team's notes, ratings and decision",
        required=False,
        help_text="Off: the page shows HeyMilo's analysis, scores, transcript and recording only.",
    )
