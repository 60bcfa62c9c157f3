"""The transcript reader and its downloads. (The Search page, which filters by the team decision,
is review's: dashboard/review/search.py.)"""

from urllib.parse import urlsplit

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from dashboard.accounts.access import member_required
from dashboard.accounts.http import TeamRequest
from dashboard.mirror.models import Interview
from dashboard.transcripts import formats


def _no_nul(value: str) -> bool:
    # PostgreSQL refuses a NUL character in any query parameter (a 500), and no id or status holds one.
    return "\x00" not in value


def _interview(request: TeamRequest, remote_id: str) -> Interview:
    if not _no_nul(remote_id):
        raise Http404("No such interview.")
    return get_object_or_404(
        Interview.objects.for_team(request.team).select_related("posting"), remote_id=remote_id
    )


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
    return render(
        request,
        "transcripts/reader.html",
        {
            "interview": interview,
            "lines": lines,
            "video": video,
            "audio": None if video else audio,
            "timed": any(line.offset_seconds is not None for line in lines),
        },
    )


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
    return _download(
        interview, formats.to_vtt(list(interview.transcript_lines.all())), "vtt", "text/vtt; charset=utf-8"
    )
