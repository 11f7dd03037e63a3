"""The creditor client's window (`/portal/client/…`): a logged-in client viewer sees only their clients'
accounts (``Principal.client_ids``), what was collected, and their remittance statements; they can
upload a placement (validated first, written on confirmation), ask for accounts back, and write to the
agency about an account. Another client's account is a 404."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from arrears.accounts.selectors import account_get, accounts_of_client
from arrears.accounts.services import account_note_add
from arrears.core.errors import ArrearsError
from arrears.imports import selectors as import_selectors
from arrears.imports import services as import_services
from arrears.payments.remittance import period_bounds, remittance_build, remittance_csv, remittance_pdf
from arrears.payments.selectors import payments_for_accounts
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list

PAGE = 200


def _clients(principal: Principal):
    clients = client_list(organization_id=principal.organization_id)
    return clients if principal.client_ids is None else clients.filter(pk__in=principal.client_ids)


def _client(principal: Principal, pk: object):
    try:
        found = _clients(principal).filter(pk=int(str(pk))).first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise Http404("no such client")
    return found


class RemittanceForm(forms.Form):
    client = forms.IntegerField(min_value=1, max_value=2**62)
    period = forms.RegexField(label=_("Month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7)
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("csv", "CSV")])


class UploadForm(forms.Form):
    client = forms.IntegerField(min_value=1, max_value=2**62)
    file = forms.FileField(label=_("Placement file"), max_length=255)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class RecallForm(forms.Form):
    references = forms.CharField(
        label=_("Account references, one a line"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


def _home(request: HttpRequest, principal: Principal, status: int = 200, **extra) -> HttpResponse:
    clients = list(_clients(principal))
    rows = []
    for c in clients:
        accounts = accounts_of_client(principal=principal, client_id=c.pk)
        ids = list(accounts.values_list("pk", flat=True)[:5000])
        collected = (
            payments_for_accounts(account_ids=ids).filter(status="posted").aggregate(s=Sum("amount"))["s"]
        )
        rows.append({"client": c, "accounts": accounts[:PAGE], "collected": collected or Decimal(0)})
    context = {
        "rows": rows,
        "remittance_form": extra.pop("remittance_form", RemittanceForm()),
        "upload_form": extra.pop("upload_form", UploadForm()),
        "recall_form": extra.pop("recall_form", RecallForm()),
        **extra,
    }
    return render(request, "portal/client/home.html", context, status=status)


@staff_view("view")
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    return _home(request, principal)


@staff_view("view")
def account(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    acc = account_get(principal=principal, pk=pk)  # another client's account: NotFound → 404
    payments = payments_for_accounts(account_ids=[acc.pk])[:100]
    return render(
        request, "portal/client/account.html", {"account": acc, "payments": payments, "form": NoteForm()}
    )


@require_POST
@staff_view("view")
def message(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    acc = account_get(principal=principal, pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        payments = payments_for_accounts(account_ids=[acc.pk])[:100]
        return render(
            request,
            "portal/client/account.html",
            {"account": acc, "payments": payments, "form": form},
            status=400,
        )
    account_note_add(
        account=acc, body=f"Message from the client: {form.cleaned_data['body']}", actor=principal
    )
    return redirect("portal:client_account", pk=acc.pk)


@require_POST
@staff_view("view")
def recall(request: HttpRequest, principal: Principal) -> HttpResponse:
    """A request to recall accounts: written on each account for the agency to act on."""
    from arrears.accounts.selectors import account_get_by_reference

    form = RecallForm(request.POST)
    if not form.is_valid():
        return _home(request, principal, status=400, recall_form=form)
    refs = [r.strip() for r in form.cleaned_data["references"].splitlines() if r.strip()]
    found, missing = [], []
    for ref in refs[:500]:
        try:
            found.append(account_get_by_reference(principal=principal, reference=ref))
        except ArrearsError:
            missing.append(ref)
    if missing:
        form.add_error("references", _("Not your accounts: %(refs)s") % {"refs": ", ".join(missing[:20])})
        return _home(request, principal, status=400, recall_form=form)
    for acc in found:
        account_note_add(
            account=acc,
            body=f"Recall requested by the client: {form.cleaned_data['reason']}",
            actor=principal,
        )
    return _home(request, principal, notice=_("Recall requested for %(n)d accounts.") % {"n": len(found)})


@staff_view("view")
def remittance(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = RemittanceForm(request.GET)
    if not form.is_valid():
        return _home(request, principal, status=400, remittance_form=form)
    client = _client(principal, form.cleaned_data["client"])
    start, end = period_bounds(form.cleaned_data["period"])
    try:
        built = remittance_build(client=client, start=start, end=end)
    except ArrearsError as exc:
        return _home(request, principal, status=exc.status, notice=exc.message, remittance_form=form)
    name = f"remittance-{client.code}-{form.cleaned_data['period']}"
    if form.cleaned_data["format"] == "csv":
        response = HttpResponse(remittance_csv(built), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    response = HttpResponse(remittance_pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@require_http_methods(["POST"])
@staff_view("view")
def upload(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Upload a placement: a dry run validates every row at once and shows the report; the client
    confirms to write it (the imports app's own validate-first path)."""
    if "confirm" in request.POST:
        try:
            job = import_selectors.import_job_get(actor=principal, job_id=int(request.POST["confirm"]))
        except (ValueError, ArrearsError) as exc:
            raise Http404("no such upload") from exc
        _client(principal, job.client_id)
        try:
            real = import_services.import_job_confirm(job=job, actor=principal)
        except ArrearsError as exc:
            return _home(request, principal, status=exc.status, notice=exc.message)
        real = import_services.import_job_run(job=real)
        summary = import_selectors.import_job_summary(job=real)
        return _home(request, principal, job=real, summary=summary)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, principal, status=400, upload_form=form)
    client = _client(principal, form.cleaned_data["client"])
    file = form.cleaned_data["file"]
    try:
        job = import_services.import_upload(
            client=client, name=file.name or "placement.csv", chunks=file.chunks(), actor=principal
        )
    except ArrearsError as exc:
        form.add_error("file", exc.message)
        return _home(request, principal, status=400, upload_form=form)
    job = import_services.import_job_run(job=job)
    summary = import_selectors.import_job_summary(job=job)
    return _home(request, principal, job=job, summary=summary, confirmable=job.status == "dry_run")
