"""The creditor client's window (`/portal/client/…`): a logged-in client viewer sees only their clients'
accounts (``Principal.client_ids``), what was collected, and their remittance statements; they can
upload a placement (validated first, written on confirmation), ask for accounts back, and write to the
agency about an account. Another client's account is a 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.accounts import reporting as accounts_reporting
from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.accounts.selectors import account_get, accounts_of_client
from arrears.accounts.services import account_note_add
from arrears.compliance.packs.base import local_date
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.imports import selectors as import_selectors
from arrears.imports import services as import_services
from arrears.payments import reporting as payments_reporting
from arrears.payments.choices import PaymentMethod
from arrears.payments.remittance import period_bounds, remittance_build, remittance_csv, remittance_pdf
from arrears.payments.selectors import payments_for_accounts
from arrears.reports import selectors as reports
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list, organization_get

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


# --- the client's dashboard: the reports app's KPIs and charts, for their own clients only ----------------

PERIODS = [(7, _("7 days")), (30, _("30 days")), (90, _("90 days")), (365, _("365 days"))]
# The widgets a client sees: the organization-wide ones (collector performance) are the agency's own.
CLIENT_WIDGETS = [
    ("kpis", _("Key figures")),
    ("aging", _("Aging")),
    ("status", _("Status mix")),
    ("cohorts", _("Liquidation by placement cohort")),
    ("roll", _("Roll rates (30 days)")),
    ("payments", _("Payment analytics")),
]


class DashboardForm(forms.Form):
    client = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    as_of = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.TypedChoiceField(
        label=_("Period"), choices=PERIODS, coerce=int, required=False, empty_value=None
    )


class DrillForm(forms.Form):
    client = forms.IntegerField(min_value=1, max_value=2**62)
    as_of = forms.DateField()
    bucket = forms.ChoiceField(choices=[("", "Any"), *AgingBucket.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any"), *AccountStatus.choices], required=False)


class PaymentDrillForm(forms.Form):
    client = forms.IntegerField(min_value=1, max_value=2**62)
    since = forms.DateField()
    until = forms.DateField()
    method = forms.ChoiceField(choices=[("", "Any"), *PaymentMethod.choices], required=False)


def _url(name: str, **params: Any) -> str:
    return reverse(name) + "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


@require_GET
@staff_view("view")
def dashboard(request: HttpRequest, principal: Principal) -> HttpResponse:
    """One of the principal's clients' dashboard (the first by name unless `client` says which):
    the same KPIs and charts as the agency's, every figure drilling down to that client's accounts."""
    form = DashboardForm(request.GET or None)
    clients = list(_clients(principal))
    if request.GET and not form.is_valid():
        return render(request, "portal/client/dashboard.html", {"form": form, "clients": clients}, status=400)
    data = form.cleaned_data if request.GET else {}
    if not clients:
        raise Http404("no client to show")
    client = _client(principal, data["client"]) if data.get("client") else clients[0]
    org = organization_get(organization_id=principal.organization_id)
    as_of = data.get("as_of") or local_date(utcnow(), org.timezone)
    period = data.get("period") or 30
    shown = reports.dashboard_figures(
        organization_id=principal.organization_id,
        as_of=as_of,
        period=period,
        client_id=client.pk,
        drill_url=lambda **p: _url("portal:client_drill", **{**p, "collector": None}),
        payments_url=lambda **p: _url("portal:client_payments", **p),
    )
    context = {
        **shown,
        "form": DashboardForm(initial={"client": client.pk, "as_of": as_of, "period": period}),
        "client": client,
        "clients": clients,
        "widgets": [{"key": k, "label": label} for k, label in CLIENT_WIDGETS],
    }
    return render(request, "portal/client/dashboard.html", context)


@require_GET
@staff_view("view")
def drill(request: HttpRequest, principal: Principal) -> HttpResponse:
    """The client's accounts behind a dashboard figure, on the figure's snapshot day."""
    form = DrillForm(request.GET)
    if not form.is_valid():
        return render(request, "portal/client/drill.html", {"form": form}, status=400)
    d = form.cleaned_data
    client = _client(principal, d["client"])  # not theirs: 404
    count, snaps = reports.drill_accounts(
        organization_id=principal.organization_id,
        as_of=d["as_of"],
        client_id=client.pk,
        bucket=d["bucket"],
        status=d["status"],
    )
    refs = accounts_reporting.account_rows(
        organization_id=principal.organization_id, ids=[s.account_id for s in snaps]
    )
    rows = [
        {
            "snap": s,
            "reference": refs.get(s.account_id, {}).get("reference", s.account_id),
            "balance": s.balance_principal + s.balance_interest + s.balance_fees + s.balance_costs,
        }
        for s in snaps
    ]
    context = {"form": form, "client": client, "count": count, "rows": rows, "filters": d}
    return render(request, "portal/client/drill.html", context)


@require_GET
@staff_view("view")
def drill_payments(request: HttpRequest, principal: Principal) -> HttpResponse:
    """The client's payments behind a payment-method bar."""
    form = PaymentDrillForm(request.GET)
    if not form.is_valid() or (
        form.cleaned_data["until"] - form.cleaned_data["since"] > timedelta(days=3660)
    ):
        return render(request, "portal/client/payments.html", {"form": form}, status=400)
    d = form.cleaned_data
    client = _client(principal, d["client"])
    rows = payments_reporting.payment_rows(
        organization_id=principal.organization_id,
        since=d["since"],
        through=d["until"],
        client_id=client.pk,
        method=d["method"],
    )
    refs = accounts_reporting.account_rows(
        organization_id=principal.organization_id, ids=[r["account_id"] for r in rows]
    )
    for r in rows:
        r["reference"] = refs.get(r["account_id"], {}).get("reference", r["account_id"])
    context = {"form": form, "client": client, "rows": rows, "filters": d}
    return render(request, "portal/client/payments.html", context)
