"""One score language: every score written with its scale ("86/100", "3.4/5", "9/10"), a band word
and a small meter in the band's colour, the same on every page.

HeyMilo's scores come on different scales (the public API reference and its v2 documentation):
the scales are named once here, and every page renders a score through `score_html`, from a
template with `{% load scores %}{{ value|score:OVERALL }}` or from Python (the candidate table's
row tag) directly. Bands compare the score scaled to 100, so 3.2/5 is 64/100, Mixed.
"""

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# HeyMilo's scales, one place.
OVERALL = 100  # details.score / web_interview.final_score: 0-100 (85.5 in the reference)
RESUME = 5  # resume_interview_info.score_criteria.overall_score (4.2)
RESUME_CRITERION = 5  # each resume criterion's score (4.5)
MATCH = 100  # web_interview_info.summary.match_score (85)
QUESTION = 10  # each scorecard question's evaluation_score, 1-10 (HeyMilo's v2 docs)
SPEECH = 5  # communication.speech_score (4.2)
COMMUNICATION = 5  # each communication evaluation's score (4)
# By name, for templates: {{ sc.overall_score|score:"resume" }}.
SCALES = {
    "overall": OVERALL,
    "resume": RESUME,
    "criterion": RESUME_CRITERION,
    "match": MATCH,
    "question": QUESTION,
    "speech": SPEECH,
    "communication": COMMUNICATION,
}

# Lower edges on the 0-100 scale, highest first: the design's Strong 80+, Good 65-79,
# Mixed 50-64, Weak below 50.
BANDS = ((80, "strong"), (65, "good"), (50, "mixed"), (-math.inf, "weak"))
BAND_WORDS = {"strong": "Strong", "good": "Good", "mixed": "Mixed", "weak": "Weak"}

MISSING = mark_safe('<span class="score score-none">—<span class="visually-hidden">no score</span></span>')


def scale_of(name) -> int:
    """A scale from its name ("resume") or its number (5, "10")."""
    if isinstance(name, str) and name in SCALES:
        return SCALES[name]
    return int(name)


def _number(value) -> float | None:
    """The value as a finite float, else None (None, "", NaN, infinities, text that is no number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _shown(number: float, scale: int) -> float:
    """The score as written: /100 whole, the smaller scales to one decimal, halves rounded up
    (Python's round() would write 84.5 as 84)."""
    factor = 1 if scale >= 100 else 10
    if abs(number) >= 1e15:  # no fraction left to round (and past float's exact integers)
        return number
    # round(…, 9) first: 4.35 is stored as 4.3499999…, times 10 is 43.4999…; a person writes 4.4.
    # (Decimal did the same at ten times the cost, 150 times per table page.)
    return math.floor(round(number * factor, 9) + 0.5) / factor


def text(value, scale: int) -> str:
    """ "86" on /100, "3.4" or "4" on /5 and /10; "" when there is no score."""
    number = _number(value)
    if number is None:
        return ""
    return _written(_shown(number, scale))


def _written(shown: float) -> str:
    if abs(shown) >= 1e6:  # no real score; short rather than hundreds of digits
        return f"{shown:g}"
    return f"{shown:.0f}" if shown == int(shown) else f"{shown:.1f}"


def percent(value, scale: int) -> float | None:
    number = _number(value)
    return None if number is None else number * 100 / scale


def band(value, scale: int = OVERALL) -> str | None:
    """ "strong", "good", "mixed" or "weak" for the score scaled to 100; None without a score."""
    scaled = percent(value, scale)
    return None if scaled is None else _band(scaled)


def _band(scaled: float) -> str:
    # A plain loop: next() over a generator cost a microsecond, 150 times per table page.
    for edge, name in BANDS:
        if scaled >= edge:
            return name
    return "weak"


def score_html(value, scale: int = OVERALL, meter: bool = True) -> SafeString:
    """ "86/100" with the band as a class (colour) and as words (title and hidden text, since
    colour never carries meaning alone), then a 36×4 meter filled in 10% steps (a class per step:
    the CSP allows no inline style). No score: a muted "—". Text that is not a number is shown
    escaped, unbanded, rather than dropped."""
    number = _number(value)
    if number is None:
        if value is None or value == "" or isinstance(value, float):
            return MISSING
        return mark_safe(f'<span class="score score-none">{escape(value)}</span>')  # noqa: S308
    shown = _shown(number, scale)
    written = _written(shown)
    # The band of the number as written, so "80/100" is never called Good.
    name = _band(shown * 100 / scale)
    word = BAND_WORDS[name]
    fill = ""
    if meter:
        step = min(10, max(0, math.floor(shown * 10 / scale + 0.5)))
        fill = f'<span class="score-meter" aria-hidden="true"><span class="score-fill w{step}"></span></span>'
    # Digits and our own words only: nothing here needs escaping.
    # SafeString itself: mark_safe's checks were a quarter of this function's time.
    return SafeString(
        f'<span class="score score-{name}" title="{word}: {written} out of {scale}">'
        f'<span class="score-value">{written}</span><span class="score-scale">/{scale}</span>{fill}'
        f'<span class="visually-hidden"> {word}</span></span>'
    )
