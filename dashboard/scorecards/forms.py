"""Forms of the scorecards pages: a template (name and outline), a posting's choice of template, and
the reading of a filled-in scorecard (its fields are the template's, so it is read by hand)."""

from django import forms

from dashboard.scorecards.models import Recommendation, ScorecardTemplate
from dashboard.scorecards.services import ScorecardError

OUTLINE_HELP = (
    "One section per line starting with #, then one criterion per line under it; what good looks "
    "like after a dash: “Communication — explains trade-offs clearly”."
)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=120)
    outline = forms.CharField(
        label="Sections and criteria",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        max_length=50_000,
        help_text=OUTLINE_HELP,
    )


class PostingTemplateForm(forms.Form):
    template = forms.ModelChoiceField(queryset=ScorecardTemplate.objects.none(), empty_label=None)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ScorecardTemplate.objects.for_team(team)  # type: ignore[attr-defined]


class CalibrationFilter(forms.Form):
    posting = forms.ChoiceField(required=False)

    def __init__(self, *args, postings, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "All postings")] + [(p.remote_id, p.title or p.remote_id) for p in postings]
        self.fields["posting"].choices = choices  # type: ignore[attr-defined]
        self.fields["posting"].error_messages["invalid_choice"] = "That posting is not one of this team's."


def _number(value: str, what: str) -> int | None:
    if value in ("", None):
        return None
    try:
        return int(value)
    except ValueError:
        raise ScorecardError(f"{what}: choose one of the options.") from None


def scorecard_data(post, *, criteria, sections) -> dict:
    """The scorecard POSTed: r-<criterion id> (1-4, empty for unrated), note-<section id>,
    recommendation, and which button (draft, submit)."""
    ratings = {c.pk: _number(post.get(f"r-{c.pk}", ""), c.name) for c in criteria if f"r-{c.pk}" in post}
    notes = {s.pk: post.get(f"note-{s.pk}", "") for s in sections if f"note-{s.pk}" in post}
    recommendation = _number(post.get("recommendation", ""), "Overall recommendation")
    if recommendation is not None and recommendation not in Recommendation.values:
        raise ScorecardError("Overall recommendation: choose Strong no, No, Yes or Strong yes.")
    return {
        "ratings": ratings,
        "notes": notes,
        "recommendation": recommendation,
        "submit": post.get("action") == "submit",
        "reason": post.get("reason", ""),
    }
