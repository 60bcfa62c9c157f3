"""Template helpers for the review pages: sortable column headers, the candidate row and notes
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

from dashboard.core import labels, scores
from dashboard.review.selectors import MENTION

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str):
    """A column header whose link sorts by it; a second click reverses the order. Its class sets
    the column's width (review.css)."""
    sort = context.get("sort", "")
    url = context["sort_urls"][key]
    state, arrow = "none", ""
    if sort == key:
        state, arrow = "ascending", " ▲"
    elif sort == f"-{key}":
        state, arrow = "descending", " ▼"
    return format_html(
        '<th scope="col" class="col-{}" aria-sort="{}"><a href="{}" hx-get="{}" hx-target="#candidate-table" '
        'hx-swap="outerHTML" hx-push-url="true">{}{}</a></th>',
        key,
        state,
        url,
        url,
        label,
        arrow,
    )


# The candidate table's row, for one of _table_context's row dicts, with the cells of the columns
# the person chose (dashboard/review/columns.py). Built here rather than in a row template: the
# template costs the table page half as much server time again (docs/performance.md, "Candidate
# table row: template or Python").
SHORTLIST_STAR = mark_safe(
    '<span class="shortlist-star" title="Shortlisted">★'
    '<span class="visually-hidden"> shortlisted</span></span>'
)
MUTED_DASH = mark_safe('<span class="muted">—</span>')
FOCUSED = ' class="is-focused"'
DECISION_ICONS = {"advance": "✓", "hold": "‖", "reject": "✕"}
text = html.escape


def _name_cell(row, env):
    # Name and email on one line, truncated; the cell's title holds both in full for hovering.
    name = row["name"] or "(no name)"
    email = "" if env["email_column"] or not row["email"] else row["email"]
    full = f"{name} · {email}" if email else name
    email_html = f'<span class="email"><bdi>{text(email)}</bdi></span>' if email else ""
    return (
        f'<td class="col-name" title="{text(full)}"><span class="name-line">'
        f"{SHORTLIST_STAR if row['shortlisted'] else ''}"
        f'<a class="row-link" href="{text(row["href"])}"{" autofocus" if row.get("focus") else ""}>'
        f"<bdi>{text(name)}</bdi></a>"
        f"{email_html}</span></td>"
    )


def _posting_cell(row, env):
    if row.get("posting_href"):
        title = row["posting_title"] or row["posting_remote_id"]
        return (
            f'<td class="col-posting" title="{text(title)}"><a href="{text(row["posting_href"])}">'
            f"{text(title)}</a></td>"
        )
    return f'<td class="col-posting">{MUTED_DASH}</td>'


def _decision_cell(row, env):
    decision = row["decision"]
    if not decision:
        return f'<td class="col-decision">{MUTED_DASH}<span class="visually-hidden">No decision</span></td>'
    icon = DECISION_ICONS.get(decision, "")
    return (
        f'<td class="col-decision"><span class="badge decision-chip decision-{text(decision)}">'
        f'<span aria-hidden="true">{icon}</span> {text(capfirst(decision))}</span></td>'
    )


def _stage_cell(row, env):
    stage = row.get("stage")
    if not stage:
        return f'<td class="col-stage">{MUTED_DASH}</td>'
    name = text(stage)
    return f'<td class="col-stage" title="{name}"><span class="badge stage-chip">{name}</span></td>'


def _pips(stars) -> str:
    if not stars:
        return f'{MUTED_DASH}<span class="visually-hidden">Not rated by you</span>'
    stars = int(stars)
    dots = "".join(
        '<span class="pip on"></span>' if n < stars else '<span class="pip"></span>' for n in range(5)
    )
    return (
        f'<span class="pips" title="Your rating: {stars} of 5" aria-hidden="true">{dots}</span>'
        f'<span class="visually-hidden">{stars} of 5</span>'
    )


def _email_cell(row, env):
    email = text(row["email"])
    return f'<td class="col-email" title="{email}"><bdi>{email}</bdi></td>'


def _status_cell(row, env):
    status = row["status"]
    return (
        f'<td class="col-status"><span class="badge status-{text(_status_class(status))}">'
        f"{text(labels.status_label(status))}</span></td>"
    )


def _scored(css: str, field: str, scale: int, meter: bool = True):
    # The one score language, called directly: a template per cell would cost the row tag's gain.
    return lambda row, env: f'<td class="{css} num">{scores.score_html(row[field], scale, meter=meter)}</td>'


def _eligible_cell(row, env):
    value = row["eligible"]
    return f'<td class="col-eligible">{"–" if value is None else ("Yes" if value else "No")}</td>'


def _team_cell(row, env):
    value = row["team_rating"]
    return f'<td class="col-team num">{MUTED_DASH if value is None else _one_decimal(value)}</td>'


def _interviewed_cell(row, env):
    when = _time_element(row["interviewed_on"], env["zone"], env["language"])
    return f'<td class="col-interviewed">{when}</td>'


CELLS = {
    "name": _name_cell,
    "posting": _posting_cell,
    "email": _email_cell,
    "status": _status_cell,
    "score": _scored("col-score", "score", scores.OVERALL),
    "resume": _scored("col-resume", "resume_score", scores.RESUME, meter=False),
    "match": _scored("col-match", "match_score", scores.MATCH),
    "eligible": _eligible_cell,
    "decision": _decision_cell,
    "stage": _stage_cell,
    "rating": lambda row, env: f'<td class="col-rating">{_pips(row["my_rating"])}</td>',
    "team": _team_cell,
    "interviewed": _interviewed_cell,
    "engaged": lambda row, env: f'<td class="col-engaged">{_ago(row["last_engagement"], env)}</td>',
}


def _row_env(context) -> dict:
    """What every row of one table shares, worked out once per table."""
    env = context.get("_row_env")
    if env is None:
        keys = [column.key for column in context.get("columns") or ()]
        env = {
            "cells": [CELLS[key] for key in keys],
            "email_column": "email" in keys,
            "zone": timezone.get_current_timezone(),
            "language": translation.get_language(),
            "now": timezone.now(),
        }
        context.dicts[0]["_row_env"] = env
    return env


@register.simple_tag(takes_context=True)
def candidate_row(context, row: dict):
    # HeyMilo's text is escaped here, each value once, with the function Django's escape() wraps;
    # everything else is our own markup, digits or dates.
    env = _row_env(context)
    label = text(row["name"] or row["remote_id"])
    cells = "".join(cell(row, env) for cell in env["cells"])
    return mark_safe(  # noqa: S308
        # "focus": the first row "Show N more" added, where j/k go on (views._table_context).
        f'<tr data-row{FOCUSED if row.get("focus") else ""}><td class="col-select">'
        f'<input type="checkbox" name="ids" value="{text(row["remote_id"])}" '
        f'aria-label="Select {label}"></td>{cells}</tr>'
    )


@functools.lru_cache(maxsize=256)
def _status_class(status: str) -> str:
    # HeyMilo's status names a CSS class: a handful of values, slugified once each.
    return slugify(status)


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
# filters were a quarter of the table's server time. (Scores: dashboard.core.scores.)


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


def _ago(value, env) -> str:
    """ "5 min ago", "3 h ago", "2 d ago" within a month, else the date; the exact time on hover."""
    if value is None:
        return "–"
    seconds = (env["now"] - value).total_seconds()
    if seconds < 0 or seconds >= 30 * 86400:
        return _time_element(value, env["zone"], env["language"])
    if seconds < 60:
        words = "just now"
    elif seconds < 3600:
        words = f"{int(seconds // 60)} min ago"
    elif seconds < 86400:
        words = f"{int(seconds // 3600)} h ago"
    else:
        words = f"{int(seconds // 86400)} d ago"
    local = value.astimezone(env["zone"]) if timezone.is_aware(value) else value
    month = _month_abbreviation(env["language"], local.month)
    return (
        f'<time datetime="{local.isoformat()}" title="{local.day} {month} {local.year} '
        f'{local:%H:%M}">{words}</time>'
    )


@functools.cache
def _month_abbreviation(language: str | None, month: int) -> str:
    # Translating the lazy name cost half of day() per call.
    return str(MONTHS_3[month]).title()
