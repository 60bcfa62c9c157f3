"""The analytics filter: a posting (or all) and a range of days, read from the query string."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from dashboard.analytics.selectors import Scope, monday

DEFAULT_WEEKS = 12
MAX_DAYS = 731  # two years: a chart of more weeks is unreadable, and the CSV as well


class AnalyticsFilter(forms.Form):
    posting = forms.ChoiceField(required=False, label="Posting")
    start = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "“From” is not a date: write it as YYYY-MM-DD, e.g. 2026-09-01."},
    )
    end = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "“To” is not a date: write it as YYYY-MM-DD, e.g. 2026-12-05."},
    )

    def __init__(self, data, team, postings):
        super().__init__(data)
        self.team = team
        self.postings = {posting.remote_id: posting for posting in postings}
        choices = [("", "All postings")]
        choices += [(p.remote_id, p.title or p.remote_id) for p in postings]
        field = self.fields["posting"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.error_messages["invalid_choice"] = (
            "That posting is not one of this team's: showing all postings. Choose one from the list."
        )

    @staticmethod
    def default_range(today: date) -> tuple[date, date]:
        """The last twelve weeks, this one included, from a Monday."""
        return monday(today) - timedelta(weeks=DEFAULT_WEEKS - 1), today

    def scope(self) -> Scope:
        """The filter to apply: every valid part as given, a default for each part that is not,
        so one bad field never drops the rest (the form shows what was wrong)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        default_start, default_end = self.default_range(timezone.localdate())
        start = data.get("start") or default_start
        end = data.get("end") or default_end
        if "start" in data and "end" in data and start > end:
            self.add_error("end", "“To” is before “From”: showing the last twelve weeks instead.")
            start, end = default_start, default_end
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", "The range is longer than two years: showing the two years up to “To”.")
            start = end - timedelta(days=MAX_DAYS - 1)
        posting = self.postings.get(data.get("posting") or "")
        return Scope(self.team, posting, start, end)
