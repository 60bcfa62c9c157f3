"""{% evidence_position interview turn as pos %}: the transcript turn an excerpt quotes."""

from django import template

from dashboard.transcripts.evidence import EvidenceIndex

register = template.Library()


@register.simple_tag
def evidence_position(interview, turn):
    # One index per interview per render, however many excerpts the page shows.
    index = getattr(interview, "_evidence_index", None)
    if index is None:
        index = interview._evidence_index = EvidenceIndex(interview)
    return index.position(turn)
