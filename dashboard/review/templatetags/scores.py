"""`{% load scores %}{{ interview.score|score }}`, `{{ resume_score|score:5 }}`, `{{ q|score:10 }}`:
every score on every page written the one way dashboard.review.scores writes it. The scales have
names there (scores.OVERALL, RESUME, MATCH, QUESTION...), exposed to templates by `score_scales`."""

from django import template

from dashboard.review import scores

register = template.Library()


@register.filter
def score(value, scale=scores.OVERALL):
    """The score with its scale, band and meter: "86/100", "3.4/5", "9/10"; "—" without one."""
    return scores.score_html(value, int(scale))


@register.filter
def score_plain(value, scale=scores.OVERALL):
    """The same without the meter, for tight spots (chips, captions)."""
    return scores.score_html(value, int(scale), meter=False)


@register.filter
def score_band(value, scale=scores.OVERALL) -> str:
    """The band's name ("strong", "good", "mixed", "weak"), or "" without a score: for a class."""
    return scores.band(value, int(scale)) or ""
