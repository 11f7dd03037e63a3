"""The manager's oversight pages: the outbox, letter batches and their print files, review tasks (inbound
texts), clients with their contingency terms and remittance statements, and ACH export and returns."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from arrears.contact.letters import letter_batch_complete, letter_batch_create
from arrears.contact.messaging import collector_tasks_done
from arrears.contact.selectors import collector_tasks_open, letter_batch_get, letter_batches, outbox_list
from arrears.core.errors import ArrearsError
from arrears.payments.ach import ach_export, ach_returns_process
from arrears.payments.errors import AchError
from arrears.payments.remittance import (
    client_terms_set,
    remittance_csv,
    remittance_issue,
    remittance_pdf,
)
from arrears.payments.selectors import ach_file_get, ach_files, client_terms_by_client
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list, organization_get

from .forms import (
    AchExportForm,
    AchFileForm,
    AchReturnsForm,
    ClientTermsForm,
    OutboxFilterForm,
    RemittanceForm,
    TaskDoneForm,
)
from .views import _window

# A web page names web controls: the CLI's advice is replaced where a service gives it.
WEB_WORDS = {
    AchError.NO_ORIGINATOR: "No ODFI (originating bank) is set up for ACH yet; an admin sets it up first.",
}


def _say(exc: ArrearsError) -> str:
    return WEB_WORDS.get(exc.code, exc.message)


@require_GET
@staff_view("manage")
def outbox(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = OutboxFilterForm(request.GET)
    rows: list[Any] = []
    has_next, page = False, 1
    if form.is_valid():
        data = form.cleaned_data
        page = data["page"] or 1
        rows, has_next = _window(
            outbox_list(principal=principal, status=data["status"], channel=data["channel"]), page
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "rows": rows, "page": page, "has_next": has_next, "query": query.urlencode()}
    return render(request, "workbench/manage/outbox.html", context, status=200 if form.is_valid() else 400)


@require_GET
@staff_view("manage")
def letters(request: HttpRequest, principal: Principal) -> HttpResponse:
    batches = letter_batches(organization_id=principal.organization_id)[:100]
    return render(request, "workbench/manage/letters.html", {"batches": batches})


@require_POST
@staff_view("manage")
def letter_batch_new(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Gather the pending letters into a batch (each through the compliance gate) and print it."""
    organization = organization_get(organization_id=principal.organization_id)
    batch = letter_batch_create(organization=organization, actor=principal)
    if batch is None:
        messages.info(request, "No letters are waiting to be printed.")
    else:
        batch = letter_batch_complete(batch_id=batch.pk, actor=principal)
        messages.success(
            request, f"Letter batch {batch.pk}: {batch.letter_count} letters, ready to download."
        )
    return redirect("workbench:manage:letters")


@require_GET
@staff_view("manage")
def letter_file(request: HttpRequest, principal: Principal, pk: int, part: str) -> HttpResponse:
    batch = letter_batch_get(organization_id=principal.organization_id, pk=pk)
    if part not in ("print", "manifest"):
        raise Http404("A letter batch has a print file and a manifest.")
    stored = batch.print_file if part == "print" else batch.manifest
    if not stored:
        raise Http404("This batch has no print file yet.")
    name = f"letters-{batch.pk}.{'pdf' if part == 'print' else 'csv'}"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)


@require_GET
@staff_view("manage")
def tasks(request: HttpRequest, principal: Principal) -> HttpResponse:
    rows = list(collector_tasks_open(organization_id=principal.organization_id)[:200])
    return render(request, "workbench/manage/tasks.html", {"tasks": rows, "form": TaskDoneForm()})


@require_POST
@staff_view("manage")
def task_done(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        rows = list(collector_tasks_open(organization_id=principal.organization_id)[:200])
        return render(request, "workbench/manage/tasks.html", {"tasks": rows, "form": form}, status=400)
    try:
        collector_tasks_done(task_ids=[pk], note=form.cleaned_data["note"], actor=principal)
    except ArrearsError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Task closed.")
    return redirect("workbench:manage:tasks")


def _client(principal: Principal, pk: int):
    found = client_list(organization_id=principal.organization_id).filter(pk=pk).first()
    if found is None:
        raise Http404("No such client.")
    return found


@staff_view("manage")
def clients(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Clients with their contingency terms; POST sets one client's terms."""
    form = ClientTermsForm(
        request.POST or None, clients=client_list(organization_id=principal.organization_id)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                client_terms_set(
                    client=data["client"], rate=data["rate"], remit_mode=data["remit_mode"], actor=principal
                )
            except ArrearsError as exc:
                form.add_error("rate", exc.message)
            else:
                messages.success(request, f"Terms of {data['client'].name} saved.")
                return redirect("workbench:manage:clients")
        status = 400
    rows = list(client_list(organization_id=principal.organization_id))
    terms = client_terms_by_client(organization_id=principal.organization_id)
    context = {
        "rows": [(c, terms.get(c.pk)) for c in rows],
        "form": form,
        "remittance_form": RemittanceForm(),
    }
    return render(request, "workbench/manage/clients.html", context, status=status)


@require_GET
@staff_view("manage")
def remittance(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """Issue a month's remittance statement and download it as PDF or CSV."""
    client = _client(principal, pk)
    form = RemittanceForm(request.GET)
    if form.is_valid():
        period = form.cleaned_data["period"]
        try:
            statement = remittance_issue(client=client, period=period, actor=principal)
        except ArrearsError as exc:
            form.add_error("period", exc.message)
        else:
            name = f"remittance-{client.code}-{period}"
            if form.cleaned_data["format"] == "csv":
                response = HttpResponse(remittance_csv(statement), content_type="text/csv")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                return response
            response = HttpResponse(remittance_pdf(statement), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
    return render(request, "workbench/manage/remittance.html", {"client": client, "form": form}, status=400)


def _ach_page(request: HttpRequest, principal: Principal, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "files": ach_files(organization_id=principal.organization_id)[:100],
        "export_form": forms.get("export_form") or AchExportForm(),
        "returns_form": forms.get("returns_form") or AchReturnsForm(),
        "summary": forms.get("summary"),
    }
    return render(request, "workbench/manage/ach.html", context, status=status)


@require_GET
@staff_view("manage")
def ach(request: HttpRequest, principal: Principal) -> HttpResponse:
    if "file" in request.GET:
        form = AchFileForm(request.GET)
        if not form.is_valid():
            return _ach_page(request, principal, status=400)
        ach_file = ach_file_get(organization_id=principal.organization_id, pk=form.cleaned_data["file"])
        response = HttpResponse(ach_file.content, content_type="text/plain")
        response["Content-Disposition"] = (
            f'attachment; filename="ach-{ach_file.effective_date}-{ach_file.pk}.ach"'
        )
        return response
    return _ach_page(request, principal)


@require_POST
@staff_view("manage")
def ach_export_view(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = AchExportForm(request.POST)
    if form.is_valid():
        organization = organization_get(organization_id=principal.organization_id)
        try:
            written = ach_export(organization=organization, on=form.cleaned_data["date"], actor=principal)
        except ArrearsError as exc:
            form.add_error("date", _say(exc))
        else:
            if written is None:
                messages.info(request, "No authorised installments are due on that date.")
            else:
                messages.success(request, f"ACH file {written.pk}: {written.entry_count} debits.")
            return redirect("workbench:manage:ach")
    return _ach_page(request, principal, status=400, export_form=form)


@require_POST
@staff_view("manage")
def ach_returns_view(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = AchReturnsForm(request.POST, request.FILES)
    if form.is_valid():
        organization = organization_get(organization_id=principal.organization_id)
        try:
            summary = ach_returns_process(
                organization=organization, data=form.cleaned_data["file"].read(), actor=principal
            )
        except ArrearsError as exc:
            form.add_error("file", _say(exc))
        else:
            return _ach_page(request, principal, summary=summary)
    return _ach_page(request, principal, status=400, returns_form=form)
