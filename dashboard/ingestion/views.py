"""Ingestion pages: imports list and upload, preview and mapping, progress, results, single
candidates and JSON exports."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from dashboard.accounts.access import member_required, reviewer_required
from dashboard.accounts.http import TeamRequest
from dashboard.core.csv_cells import csv_download
from dashboard.core.jobs import job_status
from dashboard.ingestion import selectors, services, uploads
from dashboard.ingestion.csvfile import CsvError
from dashboard.ingestion.forms import CandidateForm, MappingForm, UploadForm
from dashboard.ingestion.models import CandidateIngest, Export, ImportJob, ImportRow
from dashboard.mirror import selectors as mirror_selectors
from dashboard.mirror.models import Posting

ROWS_SHOWN = 500

# Fired by the response that first shows a job finished; the regions showing its outcome (an
# import's results and state, the list of candidates added) listen for them and fetch themselves.
IMPORT_FINISHED = "import-finished"
CANDIDATE_ADDED = "candidate-added"
EXPORT_FINISHED = "export-finished"


def _job(request: TeamRequest, job_id: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.select_related("posting", "requested_by"), id=job_id, team=request.team
    )


def _posting(request: TeamRequest, remote_id: str) -> Posting:
    return get_object_or_404(Posting, team=request.team, remote_id=remote_id)


def _profile_id(remote_id: str) -> str:
    """An id HeyMilo returned, if it can name a profile URL (a "/" cannot)."""
    return remote_id if remote_id and "/" not in remote_id else ""


def _name_rows(team, rows) -> list:
    """The candidate's name as the mirror has it (else as the file or form gave it), and the
    profile to link it to: one query for all the rows shown."""
    rows = list(rows)
    labels = mirror_selectors.interview_labels(team, [r.interview_id for r in rows])
    for row in rows:
        label = labels.get(row.interview_id)
        row.shown_name = (label.name if label else "") or row.name
        row.profile_id = _profile_id(row.interview_id)
    return rows


# --- imports list and upload -------------------------------------------------------------------


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def imports(request: TeamRequest):
    if request.htmx and request.htmx.target == "imports-list":
        # The list's own poll while an import is checked or sent: each row's state and progress.
        context = _imports_list(request)
        return job_status(
            request,
            "ingestion/imports.html#list",
            context,
            finished=not context["busy"],
            event=IMPORT_FINISHED,
        )
    form = UploadForm(team=request.team)
    if "posting" in request.GET:  # from a posting page's "Import CSV"
        form.initial["posting"] = (
            Posting.objects.for_team(request.team).filter(remote_id=request.GET["posting"]).first()
        )
    return _imports_page(request, form)


def _imports_list(request: TeamRequest) -> dict:
    jobs = list(ImportJob.objects.for_team(request.team).select_related("posting", "requested_by")[:200])
    active = [job for job in jobs if job.is_active]
    for job in active:
        if not job.is_checking:
            job.progress = selectors.import_progress(job)
    drafts = [job for job in jobs if job.is_draft]
    for job in drafts:
        # No column for the email (or the name): nothing can start until someone maps the columns.
        job.needs_mapping = bool(services.validation.mapping_problems(job.mapping))
    return {
        "jobs": jobs,
        "busy": bool(active),
        "drafts": bool(drafts),
        "draft_days": settings.IMPORT_DRAFT_DAYS,
    }


def _imports_page(request: TeamRequest, form, status=200):
    return render(
        request,
        "ingestion/imports.html",
        {
            **_imports_list(request),
            "form": form,
            "max_rows": settings.UPLOAD_MAX_ROWS,
            "max_mb": settings.UPLOAD_MAX_BYTES // 1_048_576,
        },
        status=status,
    )


@reviewer_required
@require_POST
def import_upload(request: TeamRequest):
    if uploads.too_large(request):
        # The file was refused while the body was read; the fields before it (the posting) remain.
        form = UploadForm(request.POST, team=request.team)
        form.is_valid()
        form.errors["file"] = form.error_class([uploads.too_large_message()])
        return _imports_page(request, form, status=413)
    form = UploadForm(request.POST, request.FILES, team=request.team)
    if form.is_valid():
        try:
            job = services.import_create(
                request.team,
                posting=form.cleaned_data["posting"],
                user=request.user,
                upload=form.cleaned_data["file"],
                retake=form.cleaned_data["retake"],
            )
        except CsvError as error:
            form.add_error("file", str(error))
        else:
            return redirect("import_detail", job.id)
    return _imports_page(request, form, status=400)


# --- one job: preview, progress, results -------------------------------------------------------


def _rows(job: ImportJob, request):
    """The rows table: preview filters by status, results by outcome."""
    rows = job.rows.all()
    chosen = request.GET.get("show", "")
    if job.is_draft:
        if chosen == "existing":
            rows = rows.filter(existing=True)
        elif chosen in ImportRow.Status.values:
            rows = rows.filter(status=chosen)
    elif chosen in ImportRow.Outcome.values:
        rows = rows.filter(outcome=chosen, status=ImportRow.Status.VALID)
    elif chosen == "skipped":
        rows = rows.exclude(status=ImportRow.Status.VALID)
    return rows, chosen


def _detail_context(request: TeamRequest, job, form=None):
    rows, chosen = _rows(job, request)
    shown = rows[:ROWS_SHOWN] if job.is_draft else _name_rows(request.team, rows[:ROWS_SHOWN])
    context = {
        "job": job,
        "rows": shown,
        "rows_count": rows.count(),
        "show": chosen,
        "rows_shown": ROWS_SHOWN,
    }
    if job.is_draft:
        context["form"] = form or MappingForm(
            header=job.header, mapping=job.mapping, initial={"retake": job.retake}
        )
        context["problems"] = services.validation.mapping_problems(job.mapping)
        context["notes"] = selectors.import_notes(job)
    elif not job.is_checking:
        context["progress"] = selectors.import_progress(job)
    return context


IMPORT_REGIONS = {"import-results": "results", "import-state": "state"}


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def import_detail(request: TeamRequest, job_id: int):
    job = _job(request, job_id)
    context = _detail_context(request, job)
    if request.htmx and request.htmx.target in IMPORT_REGIONS:
        # The import ended: its state and results, without the rest of the page.
        return render(request, f"ingestion/import.html#{IMPORT_REGIONS[request.htmx.target]}", context)
    partial = request.htmx and request.GET.get("partial")
    return render(request, "ingestion/import.html#rows" if partial else "ingestion/import.html", context)


@reviewer_required
@require_POST
@vary_on_headers("HX-Request")
def import_mapping(request: TeamRequest, job_id: int):
    job = _job(request, job_id)
    if not job.is_draft:
        return redirect("import_detail", job.id)
    form = MappingForm(request.POST, header=job.header, mapping=job.mapping)
    if form.is_valid():
        try:
            services.import_remap(job, mapping=form.mapping(), retake=form.cleaned_data["retake"])
        except CsvError as error:
            messages.error(request, str(error))
    if not request.htmx:
        return redirect("import_detail", job.id)
    if job.is_checking:  # a big file is checked again in a worker: the page shows its progress
        return HttpResponseClientRefresh()
    # A valid mapping was saved: the preview builds its form from the job again.
    return render(
        request,
        "ingestion/import.html#preview",
        _detail_context(request, job, None if form.is_valid() else form),
    )


@reviewer_required
@require_POST
def import_start(request: TeamRequest, job_id: int):
    job = _job(request, job_id)
    if not services.import_start(job):
        messages.error(request, "This import cannot start: it has started already or has no valid rows.")
    return redirect("import_detail", job.id)


@reviewer_required
@require_POST
def import_cancel(request: TeamRequest, job_id: int):
    job = _job(request, job_id)
    if not job.is_finished:
        services.import_cancel(job)
        messages.info(request, "Cancelling: the chunk being sent finishes, the rest stays unsent.")
    return redirect("import_detail", job.id)


@member_required
def import_progress(request: TeamRequest, job_id: int):
    job = _job(request, job_id)
    # A poll is a good moment to notice a worker that died mid-chunk.
    if services.import_resume_stalled(job):
        job.refresh_from_db()
    if job.is_checking:
        return render(request, "ingestion/import.html#checking", {"job": job})
    if request.GET.get("checking") and request.htmx:
        return HttpResponseClientRefresh()  # checked: the page becomes the preview (or the reason)
    return job_status(
        request,
        "ingestion/import.html#progress",
        {"job": job, "progress": selectors.import_progress(job)},
        finished=job.is_finished,
        event=IMPORT_FINISHED,
    )


@member_required
def import_csv(request: TeamRequest, job_id: int, kind: str):
    job = _job(request, job_id)
    base = job.file_name.rsplit(".", 1)[0] or "import"
    rows = _invalid_rows(job) if kind == "invalid" else _result_rows(job)
    return csv_download(rows, filename=f"{_filename(base)}-{kind}.csv")


def _invalid_rows(job: ImportJob) -> Iterator[list]:
    """The original columns plus an error column: fix the file and upload it again."""
    yield [*job.header, "error"]
    rows = job.rows.exclude(status=ImportRow.Status.VALID).values_list("cells", "error")
    for cells, error in rows.iterator(chunk_size=2000):
        yield [*cells, error]


def _result_rows(job: ImportJob) -> Iterator[tuple]:
    yield ("row", "name", "email", "phone", "status", "outcome", "interview_id", "interview_link", "error")
    for row in job.rows.iterator(chunk_size=2000):
        outcome = row.get_outcome_display() if row.status == ImportRow.Status.VALID else "Not sent"
        yield (
            row.number,
            row.name,
            row.email,
            row.phone,
            row.get_status_display(),
            outcome,
            row.interview_id,
            row.interview_link,
            row.error,
        )


def _filename(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60] or "import"


# --- single candidate --------------------------------------------------------------------------


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def candidate_add(request: TeamRequest, remote_id: str):
    """The form and, sent with htmx, the candidate's result in place under it: the form comes back
    empty for the next one while the result polls, and "Recently added" follows when it ends."""
    posting = _posting(request, remote_id)
    item = None
    if request.method == "POST":
        if not request.membership.can_review:
            raise PermissionDenied("Your role in this team does not allow this.")
        form = CandidateForm(request.POST, region=request.team.default_phone_region)
        if not posting.url_key:
            form.add_error(
                None,
                "HeyMilo has given this posting no ingestion key: candidates cannot be "
                "added to it. Refresh the posting if that has changed.",
            )
        if form.is_valid():
            item = services.candidate_ingest_request(
                request.team, posting=posting, user=request.user, **form.cleaned_data
            )
            if not request.htmx:
                return redirect("candidate_status", remote_id, item.id)
            item.refresh_from_db()  # tasks run inline (development) have sent it already
            form = CandidateForm(region=request.team.default_phone_region)
        if request.htmx:
            return job_status(
                request,
                "ingestion/candidate.html#add-form",
                {"posting": posting, "form": form, "item": _name_item(request.team, item)},
                finished=item is not None and item.is_finished,
                event=CANDIDATE_ADDED,
                polled=False,
            )
    else:
        form = CandidateForm(region=request.team.default_phone_region)
    recent = CandidateIngest.objects.for_team(request.team).filter(posting=posting)[:20]
    context = {"posting": posting, "form": form, "recent": recent}
    if request.htmx and request.htmx.target == "candidate-recent":
        return render(request, "ingestion/candidate.html#recent", context)
    return render(request, "ingestion/candidate.html", context)


def _name_item(team, item: CandidateIngest | None) -> CandidateIngest | None:
    if item is not None:
        _name_rows(team, [item])
    return item


@member_required
@vary_on_headers("HX-Request")
def candidate_status(request: TeamRequest, remote_id: str, item_id: int):
    posting = _posting(request, remote_id)
    item = get_object_or_404(CandidateIngest, id=item_id, team=request.team, posting=posting)
    _name_item(request.team, item)
    if request.htmx:
        return job_status(
            request,
            "ingestion/candidate_status.html#status",
            {"posting": posting, "item": item},
            finished=item.is_finished,
            event=CANDIDATE_ADDED,
        )
    return render(request, "ingestion/candidate_status.html", {"posting": posting, "item": item})


# --- export ------------------------------------------------------------------------------------


@member_required
@vary_on_headers("HX-Request")
def exports(request: TeamRequest, remote_id: str):
    posting = _posting(request, remote_id)
    if request.method == "POST":
        if not request.membership.can_review:
            raise PermissionDenied("Your role in this team does not allow this.")
        services.export_request(request.team, posting=posting, user=request.user)
        if not request.htmx:
            return redirect("exports", remote_id)
    items = Export.objects.for_team(request.team).filter(posting=posting).select_related("requested_by")[:20]
    busy = any(item.is_active for item in items)
    template = "ingestion/exports.html#list" if request.htmx else "ingestion/exports.html"
    # Sent with htmx, the POST's answer is the list in place, polling while HeyMilo makes the
    # file. Only the list's own poll (?poll=1) ends with the event: anything else fetching the
    # list, a listener included, must not fire it again.
    posted = request.method == "POST"
    return job_status(
        request,
        template,
        {"posting": posting, "exports": items, "busy": busy},
        finished=not busy,
        event=EXPORT_FINISHED if posted or request.GET.get("poll") else "",
        polled=not posted,
    )
