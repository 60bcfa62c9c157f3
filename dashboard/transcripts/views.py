"""The transcript reader, its downloads, and search across the team's transcripts."""

from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.access import member_required
from dashboard.core.http import TeamRequest
from dashboard.mirror.models import Interview, Posting
from dashboard.review.models import DecisionValue
from dashboard.transcripts import formats
from dashboard.transcripts.query import QueryError
from dashboard.transcripts.search import search_page

SPEAKERS = [("candidate", "Candidate only"), ("", "Everyone")]


def _no_nul(value: str) -> bool:
    # PostgreSQL refuses a NUL character in any query parameter (a 500), and no id or status holds one.
    return "\x00" not in value


def _interview(request: TeamRequest, remote_id: str) -> Interview:
    if not _no_nul(remote_id):
        raise Http404("No such interview.")
    return get_object_or_404(Interview.objects.for_team(request.team).select_related("posting"),
                             remote_id=remote_id)


def _playable(url: str | None) -> str | None:
    # Only web links become a media source; anything else in the document is ignored.
    return url if url and urlsplit(url).scheme in {"http", "https"} else None


@member_required
def reader(request: TeamRequest, remote_id: str):
    interview = _interview(request, remote_id)
    parsed = interview.parsed
    video = _playable(parsed.video_recording_link)
    audio = _playable(parsed.audio_recording_link)
    lines = list(interview.transcript_lines.all())
    return render(request, "transcripts/reader.html", {
        "interview": interview, "lines": lines, "video": video, "audio": None if video else audio,
        "timed": any(line.offset_seconds is not None for line in lines),
    })


def _download(interview, body: str, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    name = slugify(interview.name or interview.remote_id) or "transcript"
    response["Content-Disposition"] = f'attachment; filename="{name}-transcript.{extension}"'
    return response


@member_required
def transcript_txt(request: TeamRequest, remote_id: str):
    interview = _interview(request, remote_id)
    body = formats.to_text(interview, interview.transcript_lines.all())
    return _download(interview, body, "txt", "text/plain; charset=utf-8")


@member_required
def transcript_vtt(request: TeamRequest, remote_id: str):
    interview = _interview(request, remote_id)
    return _download(interview, formats.to_vtt(list(interview.transcript_lines.all())), "vtt",
                     "text/vtt; charset=utf-8")


def _with_page(params, number: int) -> str:
    query = params.copy()
    query["page"] = str(number)
    return query.urlencode()


@member_required
@vary_on_headers("HX-Request")
def transcript_search(request: TeamRequest):
    team = request.team
    text = request.GET.get("q", "")
    speaker = request.GET.get("speaker", "candidate")
    speaker = speaker if speaker in dict(SPEAKERS) else "candidate"
    status = request.GET.get("status", "")[:40]
    status = status if _no_nul(status) else ""
    decision = request.GET.get("decision", "")
    decision = decision if decision in DecisionValue.values else ""
    posting = None
    if request.GET.get("posting"):
        if not _no_nul(request.GET["posting"]):
            raise Http404("No such posting.")
        posting = get_object_or_404(Posting, team=team, remote_id=request.GET["posting"])
    error, found = "", None
    try:
        found = search_page(team, text, page=request.GET.get("page", 1), posting=posting, speaker=speaker,
                            status=status, decision=decision)
    except QueryError as exc:
        error = str(exc)
    pages = []
    if found and found.pages > 1:
        # Numbered pages, elided in the middle; the rest of the query stays as it was.
        numbers = Paginator(range(found.pages), 1).get_elided_page_range(found.number, on_each_side=2,
                                                                          on_ends=1)
        pages = [(n, "?" + _with_page(request.GET, n) if isinstance(n, int) else None) for n in numbers]
    context = {
        "q": text, "speaker": speaker, "status": status, "posting": posting, "error": error,
        "decision": decision, "decisions": DecisionValue.choices, "found": found, "pages": pages,
        "prev_url": ("?" + _with_page(request.GET, found.number - 1)
                     if found and found.number > 1 else None),
        "next_url": ("?" + _with_page(request.GET, found.number + 1)
                     if found and found.number < found.pages else None),
        "results": found.results if found else [], "searched": bool(found and found.terms),
        "speakers": SPEAKERS,
        "postings": Posting.objects.for_team(team).filter(missing=False).order_by("title"),
        "statuses": (Interview.objects.for_team(team).exclude(status="")
                     .order_by("status").values_list("status", flat=True).distinct()),
    }
    template = "transcripts/search.html#results" if request.htmx else "transcripts/search.html"
    return render(request, template, context)
