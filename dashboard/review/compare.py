"""Compare 2–4 candidates side by side (GET /candidates/compare/?ids=<remote id>&ids=...)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dashboard.accounts.access import member_required
from dashboard.accounts.http import TeamRequest
from dashboard.core import scores
from dashboard.mirror.models import Interview
from dashboard.review import compare_selectors, profile
from dashboard.review.models import Decision, Rating
from heymilo.errors import MalformedResponse
from heymilo.models import Interview as APIInterview

if TYPE_CHECKING:
    from dashboard.review.compare_selectors import ComparedRow

MIN_CANDIDATES, MAX_CANDIDATES = 2, 4
# Beyond this many ids nothing is looked up: the page only asks for fewer (and no giant IN list).
MAX_LOOKED_UP = 20
# How many of the posting's other candidates the "Add a candidate" list offers.
ADDABLE = 200
# The htmx region the page's own links swap; any other htmx request (the candidate table's form)
# is sent to the clean URL as a full page.
REGION = "comparison"
DECISION_LABELS = dict(Decision.Value.choices)


@dataclass
class Cell:
    """One candidate's value on one row: a score, else a word; neither renders as "—"."""

    score: float | None = None
    scale: int = scores.OVERALL  # HeyMilo's scale of the score (dashboard.core.scores)
    banded: bool = True  # a HeyMilo score with a band and meter; stars are not
    text: str = ""
    tone: str = ""  # a CSS class of ours (pass, fail, decision-…), never remote text
    quote: str = ""
    detail: str = ""  # a small line under the value
    best: bool = False


@dataclass
class Line:
    label: str
    cells: list[Cell]
    scored: bool = True  # a row of numbers, where the best one is marked


@dataclass
class Section:
    title: str
    lines: list[Line]
    empty: str = ""  # what the section says when it has no lines
    note: str = ""

    def __post_init__(self) -> None:
        for line in self.lines:
            _mark_best(line)


@dataclass
class Column:
    row: "ComparedRow"
    doc: APIInterview | None
    remove_url: str
    chips: list[profile.Chip] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)  # the ones this person may see
    ratings_hidden: bool = False


def _ids(request: TeamRequest) -> list[str]:
    """The picked interview ids in the order given, blanks and repeats dropped."""
    return list(dict.fromkeys(i.strip() for i in request.GET.getlist("ids") if i.strip()))


def _url(ids: Iterable[str]) -> str:
    query = QueryDict(mutable=True)
    query.setlist("ids", list(ids))
    return reverse("compare") + ("?" + query.urlencode() if query else "")


def _attach_ratings(request: TeamRequest, columns: list[Column]) -> None:
    """Each column's ratings this person may see, in one query for every column. With the team's
    ratings private until submitted, a reviewer sees others' stars only where they rated too."""
    private = compare_selectors.ratings_private(request.team)
    can_review = request.membership.can_review
    by_interview = compare_selectors.visible_ratings(
        request.team,
        user=request.user,
        interviews=[c.row for c in columns],
        private=private,
        can_review=can_review,
    )
    for column in columns:
        column.ratings = by_interview.get(column.row.pk, [])
        column.ratings_hidden = private and can_review and column.row.my_rating is None


def _team_rating_cell(column: Column) -> Cell:
    if column.ratings_hidden:
        return Cell(text="Hidden until you rate")
    if not column.ratings:
        return Cell(text="No ratings")
    stars = [r.stars for r in column.ratings]
    return Cell(
        score=round(sum(stars) / len(stars), 1),
        scale=5,
        banded=False,
        detail=" · ".join(f"{r.user.get_username()} {r.stars}★" for r in column.ratings),
    )


def _parsed(row: Interview) -> APIInterview | None:
    try:
        return row.parsed
    except (MalformedResponse, TypeError):  # a document that is not an object at all
        return None


def _key(text: str) -> str:
    """Rows align on the text HeyMilo gave, whatever its spacing or case."""
    return " ".join(text.split()).casefold()


def _aligned(
    columns: list[Column], items: Callable, label: Callable, cell: Callable, scored: bool = True
) -> list[Line]:
    """One line per distinct item label across the columns, in order of first appearance;
    a column without that item gets an empty cell."""
    labels: dict[str, str] = {}
    per_column = []
    for column in columns:
        cells: dict[str, Cell] = {}
        for item in items(column):
            text = label(item) or ""
            key = _key(text)
            if not key or key in cells:
                continue
            labels.setdefault(key, text)
            cells[key] = cell(item)
        per_column.append(cells)
    return [
        Line(text, [cells.get(key, Cell()) for cells in per_column], scored) for key, text in labels.items()
    ]


def _mark_best(line: Line) -> Line:
    """Marks the highest score of the line. Needs two scores to compare, and a tie across every
    scored candidate is no one's best."""
    scores = [c.score for c in line.cells if c.score is not None]
    if not line.scored or len(scores) < 2 or min(scores) == max(scores):
        return line
    top = max(scores)
    for c in line.cells:
        c.best = c.score == top
    return line


def _quote(question) -> str:
    """The candidate's first answer in the question's excerpt (else its first turn)."""
    turns = question.chat_transcript
    turn = next((t for t in turns if t.is_candidate and t.text), None) or next(
        (t for t in turns if t.text), None
    )
    return turn.text if turn else ""


def _pass_fail(value: bool | None) -> Cell:
    if value is None:
        return Cell(text="Not assessed")
    return Cell(text="Pass", tone="pass") if value else Cell(text="Fail", tone="fail")


def _resume_criteria(column: Column):
    resume = column.doc.resume if column.doc else None
    return resume.score_criteria.criteria if resume and resume.score_criteria else ()


def _eligibility(column: Column):
    resume = column.doc.resume if column.doc else None
    return resume.eligibility if resume else None


def _questions(column: Column):
    web = column.doc.web_interview if column.doc else None
    return web.scorecard.questions if web and web.scorecard else ()


def _speech_score(column: Column) -> float | None:
    web = column.doc.web_interview if column.doc else None
    return web.communication.speech_score if web and web.communication else None


def _question_cell(q) -> Cell:
    if q.not_scored:
        return Cell(text="Not scored", quote=_quote(q))
    return Cell(score=q.evaluation_score, scale=scores.QUESTION, quote=_quote(q))


def _chip_cell(chip: profile.Chip) -> Cell:
    if chip.score is not None:
        return Cell(score=chip.score, scale=chip.scale)
    return Cell(text="Done" if chip.complete else "Not done")


def sections(columns: list[Column]) -> list[Section]:
    score_lines = [
        Line("Overall score", [Cell(score=c.row.score, scale=scores.OVERALL) for c in columns]),
        Line("Resume score", [Cell(score=c.row.resume_score, scale=scores.RESUME) for c in columns]),
        Line("Match score", [Cell(score=c.row.match_score, scale=scores.MATCH) for c in columns]),
        Line("Speech score", [Cell(score=_speech_score(c), scale=scores.SPEECH) for c in columns]),
    ]
    # Chip labels are people's words already ("SMS screen": capitalize() would lower the acronym).
    steps = _aligned(columns, lambda c: c.chips, lambda chip: chip.label, _chip_cell)
    criteria = _aligned(
        columns,
        _resume_criteria,
        lambda c: c.criteria_text or c.criteria_id,
        lambda c: Cell(score=c.score, scale=scores.RESUME_CRITERION),
    )
    eligibility = [Line("Eligible", [_pass_fail(c.row.eligible) for c in columns], scored=False)]
    eligibility += _aligned(
        columns,
        lambda c: _eligibility(c).criteria if _eligibility(c) else (),
        lambda c: c.criteria_text or c.criteria_id,
        lambda c: _pass_fail(c.pass_criteria),
        scored=False,
    )
    questions = _aligned(columns, _questions, lambda q: q.question or q.question_id, _question_cell)
    team = [
        Line(
            "Team decision",
            [
                Cell(
                    text=DECISION_LABELS.get(c.row.decision, c.row.decision),
                    tone=f"decision-{c.row.decision}",
                    quote=c.row.decision_reason or "",
                )
                if c.row.decision
                else Cell(text="Undecided")
                for c in columns
            ],
            scored=False,
        ),
        Line("My rating", [Cell(score=c.row.my_rating, scale=5, banded=False) for c in columns]),
        Line("Team rating", [_team_rating_cell(c) for c in columns]),
    ]
    private = "Team ratings are private until submitted: rate a candidate to see the team's stars."
    return [
        Section("Scores", score_lines),
        Section("Workflow steps", steps, "HeyMilo has not reported workflow steps for these candidates yet."),
        Section(
            "Resume criteria", criteria, "No resume criteria scored: no resume step, or not reached yet."
        ),
        Section("Eligibility", eligibility),
        Section(
            "Interview scorecard", questions, "No scorecard yet: the interviews are not done or not analysed."
        ),
        Section("Team review", team, note=private if any(c.ratings_hidden for c in columns) else ""),
    ]


def url_for(request: TeamRequest) -> str:
    """The comparison a POST from the compare page came from (its ids ride in the query string)."""
    return _url(_ids(request))


def _context(request: TeamRequest, ids: list[str]) -> dict:
    rows: list[ComparedRow] = []
    if len(ids) <= MAX_LOOKED_UP:
        rows = compare_selectors.compared_rows(request.team, user=request.user, ids=ids)
        if len(rows) != len(ids):
            raise Http404("No such candidate in this team.")
    columns = [Column(row, _parsed(row), _url(i for i in ids if i != row.remote_id)) for row in rows]
    ready = MIN_CANDIDATES <= len(ids) <= MAX_CANDIDATES
    if ready:
        for column in columns:
            column.chips = profile.score_chips(column.row, column.doc)
        _attach_ratings(request, columns)
    return {
        "nav": "candidates",
        "ids": ids,
        "columns": columns,
        "ready": ready,
        "sections": sections(columns) if ready else [],
        "min": MIN_CANDIDATES,
        "max": MAX_CANDIDATES,
        "over": max(0, len(ids) - MAX_CANDIDATES),
        # Asked for whenever there are columns, so the page's queries do not depend on how many.
        "addable": compare_selectors.addable_rows(
            request.team,
            # The first picked one's posting (the team's, without a posting).
            posting_id=next((c.row.posting_id for c in columns if c.row.posting_id), None),
            exclude=ids,
            limit=ADDABLE,
        )
        if columns
        else [],
        "here": _url(ids).removeprefix(reverse("compare")),
        "decisions": Decision.Value.choices,
    }


def comparison(request: TeamRequest):
    """The comparison region again, after a decision or a shortlist change made on it."""
    return render(request, f"review/compare.html#{REGION}", _context(request, _ids(request)))


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def compare(request: TeamRequest):
    ids = _ids(request)
    clean = _url(ids)
    # htmx asks for the full page when it restores history (no cache here, the CSP forbids it).
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    # One shareable address per comparison: a form elsewhere (the candidate table) may send
    # other fields along with the ticked ids, or ask from its own htmx region.
    if partial and request.htmx.target != REGION:
        return HttpResponseClientRedirect(clean)
    if not partial and set(request.GET) - {"ids"}:
        return HttpResponseRedirect(clean)

    context = _context(request, ids)
    template = "review/compare.html" + (f"#{REGION}" if partial else "")
    return render(request, template, context)
