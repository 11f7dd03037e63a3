"""Staff pages: upload → mapping with preview → dry-run report → confirm → progress; merge review."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from arrears.core.errors import ArrearsError
from arrears.debtors import merging
from arrears.debtors import selectors as debtor_selectors
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list

from . import selectors, services
from .choices import DateOrder, FileFormat, JobStatus
from .domain.mapping import PRESET_NAMES
from .errors import ImportProblem
from .forms import ImportMappingForm, ImportUploadForm, MergeDecisionForm
from .tasks import import_job_run_task

RUNNING = (JobStatus.PENDING, JobStatus.VALIDATING, JobStatus.WRITING)


def _clients(principal: Principal):
    clients = client_list(organization_id=principal.organization_id, active_only=True)
    return clients if principal.client_ids is None else clients.filter(pk__in=principal.client_ids)


def _job_list(
    request: HttpRequest, principal: Principal, form: ImportUploadForm | None = None
) -> HttpResponse:
    jobs = selectors.import_job_list(actor=principal)[:50]
    clients = _clients(principal)
    context = {
        "jobs": jobs,
        "clients": clients,
        "can_manage": principal.can("manage"),
        "form": form or ImportUploadForm(clients=clients),
    }
    return render(request, "imports/job_list.html", context, status=400 if form is not None else 200)


@staff_view("view")
def job_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    return _job_list(request, principal)


@require_POST
@staff_view("manage")
def upload(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES, clients=_clients(principal))
    if not form.is_valid():
        return _job_list(request, principal, form)
    file = form.cleaned_data["file"]
    try:
        job = services.import_upload(
            client=form.cleaned_data["client"],
            name=file.name or "upload",
            chunks=file.chunks(),
            actor=principal,
        )
    except ArrearsError as exc:
        form.add_error("file", exc.message)
        return _job_list(request, principal, form)
    return redirect("imports:mapping", pk=job.pk)


@staff_view("manage")
def mapping(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    job = selectors.import_job_get(actor=principal, job_id=pk)
    form = ImportMappingForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            job = services.import_job_configure(
                job=job,
                actor=principal,
                format=form.cleaned_data["format"],
                mapping_toml=form.cleaned_data["mapping_toml"],
                date_order=form.cleaned_data["date_order"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except ArrearsError as exc:
            form.add_error("mapping_toml" if exc.code == ImportProblem.MAPPING_INVALID else None, exc.message)
        else:
            if "run" in request.POST:
                import_job_run_task.enqueue(job_id=job.pk)
                return redirect("imports:job_detail", pk=job.pk)
    preview = services.import_preview(job=job)
    return render(
        request,
        "imports/mapping.html",
        {
            "job": job,
            "form": form,
            "preview": preview,
            "formats": FileFormat.choices,
            "date_orders": DateOrder.choices,
            "presets": PRESET_NAMES,
            "editable": job.status == JobStatus.PENDING,
        },
        status=400 if form.errors else 200,
    )


@staff_view("view")
def job_detail(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    return _job_detail(request, principal, selectors.import_job_get(actor=principal, job_id=pk))


def _job_detail(request: HttpRequest, principal: Principal, job, status: int = 200) -> HttpResponse:
    summary = selectors.import_job_summary(job=job)
    return render(
        request,
        "imports/job_detail.html",
        {
            "job": job,
            "summary": summary,
            "errors": summary["errors"][:200],
            "running": job.status in RUNNING,
            "can_confirm": principal.can("manage") and job.dry_run and job.status == JobStatus.DRY_RUN,
            "can_retry": principal.can("manage")
            and job.status in (JobStatus.DRY_RUN, JobStatus.REJECTED, JobStatus.FAILED),
        },
        status=status,
    )


@staff_view("view")
def job_progress(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """The progress bar fragment; htmx polls it while the job runs."""
    job = selectors.import_job_get(actor=principal, job_id=pk)
    response = render(request, "imports/_progress.html", {"job": job, "running": job.status in RUNNING})
    if job.status not in RUNNING and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the finished report
    return response


@require_POST
@staff_view("manage")
def confirm(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    job = selectors.import_job_get(actor=principal, job_id=pk)
    try:
        real = services.import_job_confirm(job=job, actor=principal)
    except ArrearsError as exc:
        messages.error(request, exc.message)
        return _job_detail(request, principal, job, status=exc.status)
    import_job_run_task.enqueue(job_id=real.pk)
    return redirect("imports:job_detail", pk=real.pk)


@require_POST
@staff_view("manage")
def retry(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """From a dry run's report back to the mapping step: same file, the mapping and options to change."""
    job = selectors.import_job_get(actor=principal, job_id=pk)
    try:
        draft = services.import_job_retry(job=job, actor=principal)
    except ArrearsError as exc:
        messages.error(request, exc.message)
        return _job_detail(request, principal, job, status=exc.status)
    messages.info(request, "Change the mapping or the options below, then run the dry run again.")
    return redirect("imports:mapping", pk=draft.pk)


@staff_view("view")
def errors_csv(request: HttpRequest, principal: Principal, pk: int) -> StreamingHttpResponse:
    job = selectors.import_job_get(actor=principal, job_id=pk)
    response = StreamingHttpResponse(selectors.import_job_errors_csv(job=job), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


def _merge_review(request: HttpRequest, principal: Principal, status: int = 200) -> HttpResponse:
    candidates = debtor_selectors.merge_candidate_list(actor=principal)[:100]
    merges = debtor_selectors.debtor_merge_list(actor=principal)[:20]
    return render(
        request,
        "imports/merge_review.html",
        {"candidates": candidates, "merges": merges, "can_manage": principal.can("manage")},
        status=status,
    )


@staff_view("work")  # merges span clients: a client viewer (view only) must not see them
def merge_review(request: HttpRequest, principal: Principal) -> HttpResponse:
    return _merge_review(request, principal)


@require_POST
@staff_view("manage")
def merge_decide(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    candidate = debtor_selectors.merge_candidate_get(actor=principal, candidate_id=pk)
    form = MergeDecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose Merge or Not the same.")
    try:
        merging.merge_candidate_decide(
            candidate=candidate, merge=form.cleaned_data["decision"] == "merge", actor=principal
        )
    except ArrearsError as exc:
        messages.error(request, exc.message)
        return _merge_review(request, principal, status=exc.status)
    return redirect("imports:merge_review")


@require_POST
@staff_view("manage")
def merge_undo(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    record = merging.debtor_merge_get(actor=principal, merge_id=pk)
    try:
        merging.debtor_unmerge(merge=record, actor=principal)
    except ArrearsError as exc:
        messages.error(request, exc.message)
        return _merge_review(request, principal, status=exc.status)
    messages.success(request, f"Merge #{record.pk} undone.")
    return redirect("imports:merge_review")
