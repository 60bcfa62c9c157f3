"""The Search page (GET /search/): candidates by what they said, with the team decision among the
filters. The full-text search is the transcripts app's; the decision is review's, so the page that
joins them lives here and transcripts depends on nothing above mirror."""

from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.access import member_required
from dashboard.accounts.http import TeamRequest
from dashboard.mirror.models import Interview, Posting
from dashboard.review.models import DecisionValue
from dashboard.review.selectors import latest_decision
from dashboard.transcripts.query import QueryError
from dashboard.transcripts.search import search_page

SPEAKERS = [("candidate", "Candidate only"), ("", "Everyone")]


def decided(team, decision: str):
    """The team's interviews whose team decision (the current Decision) is `decision`: one join,
    at most one row each (one_current_decision), on the team's own decisions (with_review())."""
    return Interview.objects.for_team(team).filter(
        decisions__current=True, decisions__team=F("team"), decisions__value=decision
    )


def _with_page(params, number: int) -> str:
    query = params.copy()
    query["page"] = str(number)
    return query.urlencode()


@member_required
@vary_on_headers("HX-Request")
def transcript_search(request: TeamRequest):
    # A NUL in any value never gets here: core.middleware.refuse_nul answers 400 first.
    team = request.team
    text = request.GET.get("q", "")
    speaker = request.GET.get("speaker", "candidate")
    speaker = speaker if speaker in dict(SPEAKERS) else "candidate"
    status = request.GET.get("status", "")[:40]
    decision = request.GET.get("decision", "")
    decision = decision if decision in DecisionValue.values else ""
    posting = None
    if request.GET.get("posting"):
        posting = get_object_or_404(Posting, team=team, remote_id=request.GET["posting"])
    error, found = "", None
    try:
        found = search_page(
            team,
            text,
            page=request.GET.get("page", 1),
            posting=posting,
            speaker=speaker,
            status=status,
            within=decided(team, decision) if decision else None,
            annotate={"decision": latest_decision()},
        )
    except QueryError as exc:
        error = str(exc)
    pages = []
    if found and found.pages > 1:
        # Numbered pages, elided in the middle; the rest of the query stays as it was.
        numbers = Paginator(range(found.pages), 1).get_elided_page_range(
            found.number, on_each_side=2, on_ends=1
        )
        pages = [(n, "?" + _with_page(request.GET, n) if isinstance(n, int) else None) for n in numbers]
    context = {
        "q": text,
        "speaker": speaker,
        "status": status,
        "posting": posting,
        "error": error,
        "decision": decision,
        "decisions": DecisionValue.choices,
        "found": found,
        "pages": pages,
        "prev_url": ("?" + _with_page(request.GET, found.number - 1) if found and found.number > 1 else None),
        "next_url": (
            "?" + _with_page(request.GET, found.number + 1) if found and found.number < found.pages else None
        ),
        "results": found.results if found else [],
        "searched": bool(found and found.terms),
        "speakers": SPEAKERS,
        "postings": Posting.objects.for_team(team).filter(missing=False).order_by("title"),
        "statuses": (
            Interview.objects.for_team(team)
            .exclude(status="")
            .order_by("status")
            .values_list("status", flat=True)
            .distinct()
        ),
    }
    template = "transcripts/search.html#results" if request.htmx else "transcripts/search.html"
    return render(request, template, context)
