"""Forms: the candidate table's filters and sort, and the review actions."""

from typing import cast

from django import forms
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from dashboard.core import labels
from dashboard.review.models import (
    AuditAction,
    BulkAction,
    DecisionValue,
    Note,
    ReviewSettings,
)
from dashboard.review.selectors import in_stage_id, unreviewed_by

PAGE_SIZE = 50

# Sort key in the URL → the field it orders by. Every column of the table sorts.
SORTS = {
    "name": "name",
    "email": "email",
    "posting": "posting__title",
    "status": "status",
    "score": "score",
    "resume": "resume_score",
    "match": "match_score",
    "eligible": "eligible",
    "decision": "decision",
    "stage": "stage_row__stage__position",
    "rating": "my_rating",
    "team": "team_rating",
    "interviewed": "interviewed_on",
    "engaged": "last_engagement",
}
DEFAULT_SORT = "-interviewed"
REVIEW_SORTS = {"decision", "rating", "team"}  # by one of with_review()'s columns (SORTS)

STATUS_CHOICES = labels.status_choices("Any status")  # the words every page uses
DECISION_CHOICES = [("", "Any decision"), ("none", "Undecided"), *DecisionValue.choices]
ELIGIBLE_CHOICES = [
    ("", "Any eligibility"),
    ("yes", "Eligible"),
    ("no", "Not eligible"),
    ("unknown", "Not assessed"),
]


class CandidateFilter(forms.Form):
    """The candidate table's whole state, read from and written back to the query string."""

    q = forms.CharField(required=False, max_length=200, label="Search name or email")
    status = forms.CharField(required=False, max_length=40, widget=forms.Select(choices=STATUS_CHOICES))
    decision = forms.ChoiceField(required=False, choices=DECISION_CHOICES)
    eligible = forms.ChoiceField(required=False, choices=ELIGIBLE_CHOICES)
    score_min = forms.FloatField(required=False, label="Score from", min_value=0)
    score_max = forms.FloatField(required=False, label="Score to", min_value=0)
    # A stage's id: the team's stages are the choices, which the filter bar lists (selectors.stage_rows).
    stage = forms.IntegerField(required=False, min_value=1, widget=forms.Select)
    unreviewed = forms.BooleanField(required=False, label="Unreviewed by me")
    recording = forms.BooleanField(required=False, label="Has recording")
    shortlisted = forms.BooleanField(required=False, label="Shortlisted")
    sort = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def clean_sort(self):
        sort = self.cleaned_data["sort"]
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def clean(self):
        super().clean()
        data = self.cleaned_data
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", "“Score to” must be at least “Score from”.")
        return data

    @property
    def values(self) -> dict:
        """The valid values; a field with bad input is left out (and shown with its error)."""
        if not self.is_bound:
            return {"sort": DEFAULT_SORT}
        self.is_valid()
        values = dict(getattr(self, "cleaned_data", {}))
        values.setdefault("sort", DEFAULT_SORT)
        return values

    @property
    def review_columns(self) -> set[str]:
        """Which of with_review()'s columns (decision, ratings, shortlist) the filters and the sort
        read: building the others for every count and page of ids costs more than the rest of
        the query."""
        v = self.values
        sort = v["sort"].lstrip("-")
        return {column for column in ("decision", "shortlisted") if v.get(column)} | (
            {SORTS[sort]} if sort in REVIEW_SORTS else set()
        )

    def apply(self, rows, user, keep=None):
        """The rows matching the filters, sorted. `keep` (an interview pk) stays in an "unreviewed by
        me" list after being reviewed, so a review queue can step on from it."""
        v = self.values
        if v.get("q"):
            rows = rows.filter(search__contains=v["q"].lower())
        if v.get("status"):
            rows = rows.filter(status=v["status"].lower())
        if v.get("decision") == "none":
            rows = rows.filter(decision__isnull=True)
        elif v.get("decision"):
            rows = rows.filter(decision=v["decision"])
        eligible = v.get("eligible")
        if eligible:
            rows = rows.filter(eligible={"yes": True, "no": False, "unknown": None}[eligible])
        if v.get("score_min") is not None:
            rows = rows.filter(score__gte=v["score_min"])
        if v.get("score_max") is not None:
            rows = rows.filter(score__lte=v["score_max"])
        if v.get("stage"):
            rows = rows.filter(in_stage_id(v["stage"]))
        if v.get("unreviewed"):
            # The one definition of "awaiting my review", shared with the queue and Home.
            rows = unreviewed_by(rows, user, keep=keep)
        if v.get("recording"):
            rows = rows.filter(has_recording=True)
        if v.get("shortlisted"):
            rows = rows.filter(shortlisted=True)
        sort = v["sort"]
        # No stage row is the entry stage, first in the pipeline.
        field = (
            Coalesce(F(SORTS["stage"]), Value(-1))
            if sort.lstrip("-") == "stage"
            else F(SORTS[sort.lstrip("-")])
        )
        order = field.desc(nulls_last=True) if sort.startswith("-") else field.asc(nulls_last=True)
        # The id breaks ties so pages and prev/next are stable.
        return rows.order_by(order, "-id" if sort.startswith("-") else "id")


class DecisionForm(forms.Form):
    value = forms.ChoiceField(choices=DecisionValue.choices, label="Decision")
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        choices=[(n, f"{n} ★") for n in range(1, 6)], coerce=int, label="My rating"
    )


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["body"]
        labels = {"body": "Note"}
        widgets = {"body": forms.Textarea(attrs={"rows": 3, "data-shortcut": "n"})}


# The query-string keys that make up the table's filters and sort (what is remembered per posting).
FILTER_KEYS = [name for name in CandidateFilter.base_fields]


class AnyIdsField(forms.MultipleChoiceField):
    """Any id is accepted here; the view intersects them with the team's own rows."""

    def valid_value(self, value) -> bool:
        return True


class BulkDecisionForm(forms.Form):
    """A bulk action (a decision, or a shortlist change) for the ticked rows, or for every row
    matching the table's filters."""

    scope = forms.ChoiceField(
        choices=[("selected", "Selected rows"), ("all", "All matching")], initial="selected"
    )
    ids = AnyIdsField(required=False)
    filters = forms.CharField(required=False, widget=forms.HiddenInput)
    # Missing means a decision: the form's first shape, still what the decision button sends.
    action = forms.ChoiceField(choices=BulkAction.choices, required=False)
    value = forms.ChoiceField(choices=DecisionValue.choices, label="Set decision", required=False)
    reason = forms.CharField(required=False, max_length=2000)
    # "Move to stage": a stage of the team's and, for a closed stage, one of its reasons (ids).
    stage = forms.IntegerField(required=False, min_value=1)
    stage_reason = forms.IntegerField(required=False, min_value=1)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_action(self):
        return self.cleaned_data["action"] or BulkAction.DECISION

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("action") == BulkAction.DECISION and not data.get("value") and "value" not in self.errors:
            self.add_error("value", "Choose a decision.")
        if data.get("action") == BulkAction.STAGE and not data.get("stage") and "stage" not in self.errors:
            self.add_error("stage", "Choose a stage.")
        if data.get("scope") == "selected" and not data.get("ids"):
            raise forms.ValidationError("Tick at least one candidate, or choose “All matching”.")
        return data


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["ratings_private"]


class AuditFilter(forms.Form):
    """The audit page's filters: who, and which kind of action."""

    user = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Who")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditAction.choices], label="Action"
    )

    def __init__(self, data, people):
        super().__init__(data)
        choices = [("", "Anyone"), *[(p.pk, p.get_username()) for p in people]]
        cast(forms.TypedChoiceField, self.fields["user"]).choices = choices

    def apply(self, rows):
        if not self.is_valid():
            return rows
        if self.cleaned_data["user"] is not None:
            rows = rows.filter(user_id=self.cleaned_data["user"])
        if self.cleaned_data["action"]:
            rows = rows.filter(action=self.cleaned_data["action"])
        return rows
