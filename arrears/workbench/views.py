from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.accounts.domain import aging_bucket, days_past_due
from arrears.accounts.selectors import account_get, debtors_for_account
from arrears.accounts.selectors import account_list as select_accounts
from arrears.accounts.services import account_note_add
from arrears.audit.selectors import audit_list_for_account
from arrears.contact.calls import CALL_OUTCOMES, call_log, call_preview
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.ledger.selectors import ledger_balances, ledger_entries
from arrears.reports.timeline import GROUPS, account_timeline
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list

from .forms import AccountFilterForm, CallCheckForm, CallLogForm, NoteForm, TimelineForm

PAGE_SIZE = 50


@staff_view()
def account_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    today = utcnow().date()
    form = AccountFilterForm(request.GET)
    valid = form.is_valid()
    filters = form.cleaned_data if valid else {}
    page = filters.get("page") or 1
    qs = select_accounts(
        principal=principal,
        search=filters.get("q", ""),
        client_id=filters.get("client"),
        status=filters.get("status", ""),
        aging=filters.get("aging", ""),
        as_of=today,
    )
    # No COUNT(*): on millions of rows it costs more than the page. One extra row tells if there is more.
    window = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1]) if valid else []
    rows = [
        {
            "account": a,
            "debtor": next(iter(a.account_debtors.all()), None),
            "aging": aging_bucket(a.delinquent_since, today),
            "dpd": days_past_due(a.delinquent_since, today),
        }
        for a in window[:PAGE_SIZE]
    ]
    clients = client_list(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        clients = clients.filter(id__in=principal.client_ids)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": len(window) > PAGE_SIZE,
        "clients": clients,
        "statuses": AccountStatus.choices,
        "buckets": AgingBucket.choices,
        "filters": {
            "q": request.GET.get("q", "")[:200],
            "client": request.GET.get("client", "")[:20],
            "status": filters.get("status", ""),
            "aging": filters.get("aging", ""),
        },
        "principal": principal,
    }
    template = "workbench/_account_rows.html" if request.htmx and request.htmx.target == "results" else None
    # htmx swaps only 2xx answers, so a bad filter comes back to htmx as 200 with its message, else 400.
    status = 400 if not valid and not request.htmx else 200
    return render(request, template or "workbench/account_list.html", context, status=status)


@staff_view()
def account_detail(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    today = utcnow().date()
    balances = ledger_balances(account=account)
    context = {
        "account": account,
        "principal": principal,
        "debtors": debtors_for_account(principal=principal, account=account),
        "balances": balances,
        "balance_total": sum(v for k, v in balances.items() if k != "credit"),
        "entries": ledger_entries(account=account)[:200],
        "audit_trail": audit_list_for_account(principal=principal, account_id=account.pk)[:200],
        "aging": aging_bucket(account.delinquent_since, today),
        "dpd": days_past_due(account.delinquent_since, today),
    }
    return render(request, "workbench/account_detail.html", context)


@require_GET
@staff_view()
def timeline(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    form = TimelineForm(request.GET, groups=list(GROUPS))
    if not form.is_valid():
        return HttpResponseBadRequest(f"Unknown timeline group; the groups are {', '.join(GROUPS)}.")
    groups = form.cleaned_data["group"]
    context = {
        "account": account,
        "items": account_timeline(principal=principal, account=account, groups=groups),
        "groups": list(GROUPS),
        "selected": groups,
        "can_work": principal.can("work"),
        "note_form": NoteForm(),
    }
    return render(request, "workbench/_timeline.html", context)


@require_POST
@staff_view("work")
def note_add(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            account_note_add(account=account, body=form.cleaned_data["body"], actor=principal)
        except ArrearsError as exc:
            form.add_error("body", exc.message)
        else:
            return redirect("workbench:account_detail", pk=account.pk)
    return render(request, "workbench/note_add.html", {"account": account, "note_form": form}, status=400)


def _phones(principal: Principal, account) -> list[tuple[str, str]]:
    rows = debtors_for_account(principal=principal, account=account)
    return [
        (cp.value, f"{cp.value} ({cp.get_label_display().lower()}, {d.display_name})")
        for _, d in rows
        for cp in d.contact_points.all()
        if cp.kind == "phone"
    ]


def _call_panel(
    request: HttpRequest, principal: Principal, account, form: CallLogForm, number: str
) -> dict[str, object]:
    phones = _phones(principal, account)
    number = number or (phones[0][0] if phones else "")
    return {
        "account": account,
        "form": form,
        "phones": phones,
        "number": number,
        "outcomes": [(o.value, o.label) for o in CALL_OUTCOMES],
        "preview": call_preview(account=account, number=number, at=utcnow()) if number else None,
        "can_override": principal.can("override_compliance"),
    }


@require_GET
@staff_view("work")
def call_form(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    check = CallCheckForm(request.GET)
    if not check.is_valid():
        return HttpResponseBadRequest(check.errors.as_text())
    context = _call_panel(request, principal, account, CallLogForm(), check.cleaned_data["number"])
    template = "workbench/_call_check.html" if check.cleaned_data["check"] else "workbench/_call_form.html"
    return render(request, template, context)


@require_POST
@staff_view("work")
def call_log_view(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """Log a call from the workbench; a blocked call needs a manager's override reason. Bad input shows
    the call form again with the message next to its field (400)."""
    account = account_get(principal=principal, pk=pk)
    form = CallLogForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        ended = utcnow()
        try:
            with _recording_file(data["recording"]) as recording:
                call = call_log(
                    accounts=[account],
                    number=data["number"],
                    direction=data["direction"],
                    outcome=data["outcome"],
                    started_at=ended - timedelta(minutes=data["minutes"] or 0),
                    ended_at=ended,
                    notes=data["notes"],
                    override_reason=data["override_reason"],
                    recording=recording,
                    actor=principal,
                )
        except ArrearsError as exc:
            form.add_service_error(exc)
    if not form.is_valid():
        context = _call_panel(request, principal, account, form, request.POST.get("number", "")[:40])
        return render(request, "workbench/call_log.html", context, status=400)
    if call.blocked:
        codes = ", ".join(r["code"] for r in call.attempt.decision.reasons)
        messages.error(
            request, f"Blocked by the compliance gate ({codes}). A manager can override with a reason."
        )
    else:
        messages.success(request, "Call logged.")
    return redirect("workbench:account_detail", pk=account.pk)


@contextmanager
def _recording_file(upload: UploadedFile | None) -> Iterator[Path | None]:
    """The uploaded recording as a file under its own name, so the call and its recording are stored in
    one service call (and one transaction): a recording refused means the call is not logged either."""
    if upload is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="arrears-call-") as folder:
        path = Path(folder) / (Path(upload.name or "").name or "recording")
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path
