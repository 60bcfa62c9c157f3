"""Ingestion pages: imports list and upload, preview and mapping, progress, results, single
candidates and JSON exports."""

import csv

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh, HttpResponseStopPolling

from dashboard.accounts.access import member_required, reviewer_required
from dashboard.ingestion import services, uploads
from dashboard.ingestion.csvfile import CsvError
from dashboard.ingestion.forms import CandidateForm, MappingForm, UploadForm
from dashboard.ingestion.models import CandidateIngest, Export, ImportJob, ImportRow
from dashboard.mirror.models import Posting
from dashboard.review.services import csv_safe  # the one formula-safe cell for every CSV we write

ROWS_SHOWN = 500


def _job(request, job_id: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("posting", "created_by"),
                             id=job_id, team=request.team)


def _posting(request, remote_id: str) -> Posting:
    return get_object_or_404(Posting, team=request.team, remote_id=remote_id)


def _stop_polling_when_finished(request, response, finished: bool):
    if finished and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response


# --- imports list and upload -------------------------------------------------------------------


@member_required
def imports(request):
    form = UploadForm(team=request.team)
    if "posting" in request.GET:  # from a posting page's "Import CSV"
        form.initial["posting"] = Posting.objects.for_team(request.team).filter(
            remote_id=request.GET["posting"]).first()
    return _imports_page(request, form)


def _imports_page(request, form, status=200):
    jobs = ImportJob.objects.for_team(request.team).select_related("posting", "created_by")[:200]
    return render(request, "ingestion/imports.html",
                  {"jobs": jobs, "form": form, "max_rows": settings.UPLOAD_MAX_ROWS,
                   "max_mb": settings.UPLOAD_MAX_BYTES // 1_048_576}, status=status)


@reviewer_required
@require_POST
def import_upload(request):
    if uploads.too_large(request):
        # The file was refused while the body was read; the fields before it (the posting) remain.
        form = UploadForm(request.POST, team=request.team)
        form.is_valid()
        form.errors["file"] = form.error_class([uploads.too_large_message()])
        return _imports_page(request, form, status=413)
    form = UploadForm(request.POST, request.FILES, team=request.team)
    if form.is_valid():
        try:
            job = services.import_create(request.team, form.cleaned_data["posting"], request.user,
                                         form.cleaned_data["file"], form.cleaned_data["retake"])
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


def _detail_context(request, job, form=None):
    rows, chosen = _rows(job, request)
    context = {"job": job, "rows": rows[:ROWS_SHOWN], "rows_count": rows.count(), "show": chosen,
               "rows_shown": ROWS_SHOWN}
    if job.is_draft:
        context["form"] = form or MappingForm(header=job.header, mapping=job.mapping,
                                              initial={"retake": job.retake})
        context["problems"] = services.validation.mapping_problems(job.mapping)
    elif not job.is_checking:
        context["progress"] = services.import_progress(job)
    return context


@member_required
@vary_on_headers("HX-Request")
def import_detail(request, job_id: int):
    job = _job(request, job_id)
    context = _detail_context(request, job)
    partial = request.htmx and request.GET.get("partial")
    return render(request, "ingestion/import.html#rows" if partial else "ingestion/import.html", context)


@reviewer_required
@require_POST
@vary_on_headers("HX-Request")
def import_mapping(request, job_id: int):
    job = _job(request, job_id)
    if not job.is_draft:
        return redirect("import_detail", job.id)
    form = MappingForm(request.POST, header=job.header, mapping=job.mapping)
    if form.is_valid():
        try:
            services.import_remap(job, form.mapping(), form.cleaned_data["retake"])
        except CsvError as error:
            messages.error(request, str(error))
        form = None
    if not request.htmx:
        return redirect("import_detail", job.id)
    if job.is_checking:  # a big file is checked again in a worker: the page shows its progress
        return HttpResponseClientRefresh()
    return render(request, "ingestion/import.html#preview", _detail_context(request, job, form))


@reviewer_required
@require_POST
def import_start(request, job_id: int):
    job = _job(request, job_id)
    if not services.import_start(job):
        messages.error(request, "This import cannot start: it has started already or has no valid rows.")
    return redirect("import_detail", job.id)


@reviewer_required
@require_POST
def import_cancel(request, job_id: int):
    job = _job(request, job_id)
    if not job.is_finished:
        services.import_cancel(job)
        messages.info(request, "Cancelling: the chunk being sent finishes, the rest stays unsent.")
    return redirect("import_detail", job.id)


@member_required
def import_progress(request, job_id: int):
    job = _job(request, job_id)
    # A poll is a good moment to notice a worker that died mid-chunk.
    if services.resume_stalled(job):
        job.refresh_from_db()
    if job.is_checking:
        return render(request, "ingestion/import.html#checking", {"job": job})
    if request.GET.get("checking") and request.htmx:
        return HttpResponseClientRefresh()  # checked: the page becomes the preview (or the reason)
    response = render(request, "ingestion/import.html#progress",
                      {"job": job, "progress": services.import_progress(job)})
    return _stop_polling_when_finished(request, response, job.is_finished)


@member_required
def import_csv(request, job_id: int, kind: str):
    job = _job(request, job_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    base = job.file_name.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{_filename(base)}-{kind}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 correctly only with a BOM
    writer = csv.writer(response)
    if kind == "invalid":
        # The original columns plus an error column: fix the file and upload it again.
        writer.writerow([csv_safe(c) for c in [*job.header, "error"]])
        table = services.table_for(job)
        wanted = dict(job.rows.exclude(status=ImportRow.Status.VALID).values_list("number", "error"))
        for number, cells in table.rows(settings.UPLOAD_MAX_ROWS):
            if number in wanted:
                writer.writerow([csv_safe(c) for c in [*cells, wanted[number]]])
        return response
    writer.writerow(["row", "name", "email", "phone", "status", "outcome", "interview_id",
                     "interview_link", "error"])
    for row in job.rows.iterator(chunk_size=2000):
        outcome = row.get_outcome_display() if row.status == ImportRow.Status.VALID else "Not sent"
        writer.writerow([csv_safe(v) for v in (row.number, row.name, row.email, row.phone,
                                            row.get_status_display(), outcome, row.interview_id,
                                            row.interview_link, row.error)])
    return response


def _filename(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60] or "import"


# --- single candidate --------------------------------------------------------------------------


@member_required
@vary_on_headers("HX-Request")
def candidate_add(request, remote_id: str):
    posting = _posting(request, remote_id)
    if request.method == "POST":
        if not request.membership.can_review:
            raise PermissionDenied("Your role in this team does not allow this.")
        form = CandidateForm(request.POST, region=request.team.default_phone_region)
        if not posting.url_key:
            form.add_error(None, "HeyMilo has given this posting no ingestion key: candidates cannot be "
                                 "added to it. Refresh the posting if that has changed.")
        if form.is_valid():
            item = services.candidate_ingest_request(request.team, posting, request.user,
                                                     **form.cleaned_data)
            return redirect("candidate_status", remote_id, item.id)
    else:
        form = CandidateForm(region=request.team.default_phone_region)
    recent = CandidateIngest.objects.for_team(request.team).filter(posting=posting)[:20]
    return render(request, "ingestion/candidate.html",
                  {"posting": posting, "form": form, "recent": recent})


@member_required
@vary_on_headers("HX-Request")
def candidate_status(request, remote_id: str, item_id: int):
    posting = _posting(request, remote_id)
    item = get_object_or_404(CandidateIngest, id=item_id, team=request.team, posting=posting)
    if request.htmx:
        response = render(request, "ingestion/candidate_status.html#status",
                          {"posting": posting, "item": item})
        return _stop_polling_when_finished(request, response, item.is_finished)
    return render(request, "ingestion/candidate_status.html", {"posting": posting, "item": item})


# --- export ------------------------------------------------------------------------------------


@member_required
@vary_on_headers("HX-Request")
def exports(request, remote_id: str):
    posting = _posting(request, remote_id)
    if request.method == "POST":
        if not request.membership.can_review:
            raise PermissionDenied("Your role in this team does not allow this.")
        services.export_request(request.team, posting, request.user)
        return redirect("exports", remote_id)
    items = (Export.objects.for_team(request.team).filter(posting=posting)
             .select_related("created_by")[:20])
    busy = any(not item.is_finished for item in items)
    template = "ingestion/exports.html#list" if request.htmx else "ingestion/exports.html"
    response = render(request, template, {"posting": posting, "exports": items, "busy": busy})
    return _stop_polling_when_finished(request, response, not busy)
