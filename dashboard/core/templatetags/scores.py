"""`{% load scores %}{{ interview.score|score }}`, `{{ resume_score|score:"resume" }}`,
`{{ q.evaluation_score|score:"question" }}`: every score on every page written the one way
dashboard.core.scores writes it. The argument is a scale's name there (scores.SCALES: overall,
resume, criterion, match, question, speech, communication) or a number; none means overall."""

from django import template

from dashboard.core import labels, scores

register = template.Library()


@register.filter
def score(value, scale=scores.OVERALL):
    """The score with its scale, band and meter: "86/100", "3.4/5", "9/10"; "—" without one."""
    return scores.score_html(value, scores.scale_of(scale))


@register.filter
def score_plain(value, scale=scores.OVERALL):
    """The same without the meter, for tight spots (chips, captions)."""
    return scores.score_html(value, scores.scale_of(scale), meter=False)


@register.filter
def score_band(value, scale=scores.OVERALL) -> str:
    """The band's name ("strong", "good", "mixed", "weak"), or "" without a score: for a class."""
    return scores.band(value, scores.scale_of(scale)) or ""


@register.filter
def status_label(value) -> str:
    """An interview status in words: "Knocked out"."""
    return labels.status_label(value)


@register.filter
def step_label(value, siblings=()) -> str:
    """A workflow step in words ("Resume screen"); `siblings`, the workflow's steps (ids, types, or
    objects with .id / .type), keep the number only where two steps share a kind."""
    ids = [
        s if isinstance(s, str) else (getattr(s, "id", None) or getattr(s, "type", None))
        for s in siblings or ()
    ]
    return labels.step_label(value, ids)
