"""Template helpers for the review pages: sortable column headers, the header's inbox badge and notes
with their @mentions. (Home's counts come from dashboard/review/selectors.py.)"""

import functools
import html
import json

from django import template
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, slugify

from dashboard.review import labels, scores
from dashboard.review.services import MENTION, unread_mentions

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str):
    """A column header whose link sorts by it; a second click reverses the order."""
    sort = context.get("sort", "")
    url = context["sort_urls"][key]
    state, arrow = "none", ""
    if sort == key:
        state, arrow = "ascending", " ▲"
    elif sort == f"-{key}":
        state, arrow = "descending", " ▼"
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="{}" hx-get="{}" hx-target="#candidate-table" '
        'hx-swap="outerHTML" hx-push-url="true">{}{}</a></th>',
        state, url, url, label, arrow,
    )


# The candidate table's row, for one of _table_context's row dicts. Built here rather than in the
# template: 50 rows of 14 cells were some 1,300 template nodes, a quarter of the table's server
# time; one format_html per row escapes the same values in a fifth of that.
CANDIDATE_ROW = (
    "<tr>"
    '<td><input type="checkbox" name="ids" value="{remote_id}" aria-label="Select {label}"></td>'
    '<td><a href="{href}"><bdi>{name}</bdi></a>{star}</td>'
    "{posting}"
    "<td>{email}</td>"
    '<td><span class="badge status-{status_class}">{status}</span></td>'
    '<td class="num">{score}</td>'
    '<td class="num">{resume_score}</td>'
    '<td class="num">{match_score}</td>'
    "<td>{eligible}</td>"
    "<td>{decision}</td>"
    "<td>{my_rating}</td>"
    '<td class="num">{team_rating}</td>'
    "<td>{interviewed_on}</td>"
    "<td>{last_engagement}</td>"
    "</tr>"
)
SHORTLIST_STAR = mark_safe(' <span class="shortlist-star" title="Shortlisted">★'
                           '<span class="visually-hidden"> shortlisted</span></span>')
MUTED_DASH = mark_safe('<span class="muted">–</span>')


@register.simple_tag(takes_context=True)
def candidate_row(context, row: dict):
    # HeyMilo's text is escaped here, each value once, with the function Django's escape() wraps;
    # everything else is our own markup, digits or dates. (format_html's per-argument escaping
    # was still most of the row's cost.)
    text = html.escape
    if context.get("posting"):
        posting = ""  # the posting's own table has no posting column
    elif row.get("posting_href"):
        posting = (f'<td><a href="{text(row["posting_href"])}">'
                   f'{text(row["posting_title"] or row["posting_remote_id"])}</a></td>')
    else:
        posting = "<td>–</td>"
    decision = row["decision"]
    zone, language = timezone.get_current_timezone(), translation.get_language()
    return mark_safe(CANDIDATE_ROW.format(  # noqa: S308
        remote_id=text(row["remote_id"]),
        label=text(row["name"] or row["remote_id"]),
        href=text(row["href"]),
        name=text(row["name"] or "(no name)"),
        star=SHORTLIST_STAR if row["shortlisted"] else "",
        posting=posting,
        email=text(row["email"]),
        status_class=text(_status_class(row["status"])),
        status=text(labels.status_label(row["status"])),
        # The one score language, called directly: a template per cell would cost the row tag's gain.
        score=scores.score_html(row["score"], scores.OVERALL),
        resume_score=scores.score_html(row["resume_score"], scores.RESUME),
        match_score=scores.score_html(row["match_score"], scores.MATCH),
        eligible="–" if row["eligible"] is None else ("Yes" if row["eligible"] else "No"),
        decision=(f'<span class="badge decision-{text(decision)}">{text(capfirst(decision))}</span>'
                  if decision else MUTED_DASH),
        my_rating=f"{int(row['my_rating'])} ★" if row["my_rating"] else "–",
        team_rating=MUTED_DASH if row["team_rating"] is None else _one_decimal(row["team_rating"]),
        interviewed_on=_time_element(row["interviewed_on"], zone, language),
        last_engagement=_time_element(row["last_engagement"], zone, language),
    ))


@functools.lru_cache(maxsize=256)
def _status_class(status: str) -> str:
    # HeyMilo's status names a CSS class: a handful of values, slugified once each.
    return slugify(status)


@register.filter
def words(value) -> str:
    """An API identifier in words: "web_interview" → "Web interview", "sms" → "SMS"."""
    return labels.words(value)


@register.filter
def safe_url(value) -> str:
    """A remote URL (interview, resume, recording, export links) as an href or src only when it is
    http(s), else empty: never a javascript:, data: or vbscript: URL from remote text, in any case
    or behind spaces. The one filter every template uses for a URL it did not make."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


@register.inclusion_tag("review/_inbox_badge.html", takes_context=True)
def inbox_badge(context, oob: bool = False):
    """The header's link to the mentions inbox with the unread count (one count query); `oob`
    swaps it into the header from an htmx answer that changed the count."""
    team, user = context.get("team"), context.get("user")
    if team is None or user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread": unread_mentions(team, user), "oob": oob,
            "current": context.get("nav") == "inbox"}


@register.filter
def with_mentions(note) -> str:
    """The note's text, escaped, with each resolved @mention marked. The text is user input: every
    piece goes through escaping and only our own markup is added."""
    body = note.body
    names = {mention.user.get_username() for mention in note.mentions.all()}
    if not names:
        return conditional_escape(body)
    parts, last = [], 0
    for match in MENTION.finditer(body):
        written = match.group(1)
        name = written
        while name and name not in names:
            stripped = name.rstrip(".,-+@")
            name = stripped if stripped != name else ""
        if not name:
            continue
        start = match.start()
        parts.append(conditional_escape(body[last:start]))
        parts.append(format_html('<strong class="mention">@{}</strong>', name))
        last = start + 1 + len(name)
    parts.append(conditional_escape(body[last:]))
    # Each part is escaped text or our own markup already: joining them escapes nothing twice.
    return format_html_join("", "{}", ((part,) for part in parts))


@register.filter
def json_text(value) -> str:
    """An audit entry's before/after as compact JSON text (escaped by the template like any text)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


# The candidate table renders 50 rows of these: Django's floatformat (Decimal-based) and date
# filters were a quarter of the table's server time. (Scores: dashboard.review.scores.)

def _one_decimal(value) -> str:
    """The team's average stars, "4.5" (digits only: nothing to escape)."""
    return f"{float(value):.1f}"


@register.filter
def day(value):
    """<time> for a datetime shown as "7 Mar 2026" in the current time zone, or a dash."""
    return mark_safe(_time_element(value, timezone.get_current_timezone(), translation.get_language()))  # noqa: S308


def _time_element(value, zone, language: str | None) -> str:
    if value is None:
        return "–"
    local = value.astimezone(zone) if timezone.is_aware(value) else value
    # Digits and month names only, nothing to escape: what dateformat's "j M Y" gives, at a tenth
    # of its cost.
    month = _month_abbreviation(language, local.month)
    return f'<time datetime="{local.isoformat()}">{local.day} {month} {local.year}</time>'


@functools.cache
def _month_abbreviation(language: str | None, month: int) -> str:
    # Translating the lazy name cost half of day() per call.
    return str(MONTHS_3[month]).title()
