"""Forms for creating webhooks and filtering the webhook and delivery lists."""

from typing import cast

from django import forms

from dashboard.webhooks.models import EVENT_TYPES, Delivery
from dashboard.webhooks.selectors import posting_choices

METHODS = [("post", "POST"), ("get", "GET")]
# The API's field names, as ValidationError.field_errors gives them, to this form's fields.
API_FIELDS = {"posting_id": "posting", "url": "url", "event_type": "event_type", "http_method": "http_method"}


class WebhookForm(forms.Form):
    posting = forms.ChoiceField(label="Posting")
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="HeyMilo calls this address when the event happens.",
    )
    event_type = forms.ChoiceField(label="Event", choices=EVENT_TYPES)
    http_method = forms.ChoiceField(label="Method", choices=METHODS, initial="post")

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["posting"]).choices = posting_choices(team)

    def api_params(self) -> dict:
        d = self.cleaned_data
        return {
            "posting_id": d["posting"],
            "url": d["url"],
            "event_type": d["event_type"],
            "http_method": d["http_method"],
        }

    @classmethod
    def from_job(cls, job, team):
        """The form as it was sent, with HeyMilo's 422 messages on the fields they concern."""
        p = job.params
        form = cls(
            {
                "posting": p.get("posting_id"),
                "url": p.get("url"),
                "event_type": p.get("event_type"),
                "http_method": p.get("http_method"),
            },
            team=team,
        )
        form.is_valid()
        for api_field, message in job.field_errors.items():
            name = API_FIELDS.get(api_field)
            if name in form.fields and name not in form.errors:
                form.add_error(name, message)
            elif name is None:
                form.add_error(None, f"{api_field}: {message}")
        return form


class WebhookFilterForm(forms.Form):
    posting = forms.ChoiceField(required=False)
    event_type = forms.ChoiceField(required=False, choices=[("", "All events"), *EVENT_TYPES])

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "All postings"), *posting_choices(team)]
        cast(forms.ChoiceField, self.fields["posting"]).choices = choices


class DeliveryFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "All states"), *Delivery.State.choices])
