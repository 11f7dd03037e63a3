from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
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
from arrears.tenancy.models import Client

PAGE_SIZE = 50


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@staff_view()
def account_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    today = utcnow().date()
    params = request.GET
    status = params.get("status", "") if params.get("status", "") in AccountStatus.values else ""
    aging = params.get("aging", "") if params.get("aging", "") in AgingBucket.values else ""
    page = max(_int_or_none(params.get("page")) or 1, 1)
    qs = select_accounts(
        principal=principal,
        search=params.get("q", "")[:200],
        client_id=_int_or_none(params.get("client")),
        status=status,
        aging=aging,
        as_of=today,
    )
    # No COUNT(*): on millions of rows it costs more than the page. One extra row tells if there is more.
    window = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    rows = [
        {
            "account": a,
            "debtor": next(iter(a.account_debtors.all()), None),
            "aging": aging_bucket(a.delinquent_since, today),
            "dpd": days_past_due(a.delinquent_since, today),
        }
        for a in window[:PAGE_SIZE]
    ]
    clients = Client.objects.filter(organization_id=principal.organization_id).order_by("name")
    if principal.client_ids is not None:
        clients = clients.filter(id__in=principal.client_ids)
    context = {
        "rows": rows,
        "page": page,
        "has_next": len(window) > PAGE_SIZE,
        "clients": clients,
        "statuses": AccountStatus.choices,
        "buckets": AgingBucket.choices,
        "filters": {
            "q": params.get("q", ""),
            "client": params.get("client", ""),
            "status": status,
            "aging": aging,
        },
        "principal": principal,
    }
    template = "workbench/_account_rows.html" if request.htmx and request.htmx.target == "results" else None
    return render(request, template or "workbench/account_list.html", context)


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
    groups = [g for g in request.GET.getlist("group") if g in GROUPS]
    context = {
        "account": account,
        "items": account_timeline(principal=principal, account=account, groups=groups),
        "groups": list(GROUPS),
        "selected": groups,
        "can_work": principal.can("work"),
    }
    return render(request, "workbench/_timeline.html", context)


@require_POST
@staff_view("work")
def note_add(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    try:
        account_note_add(account=account, body=request.POST.get("body", ""), actor=principal)
    except ArrearsError as exc:
        messages.error(request, exc.message)
    return redirect("workbench:account_detail", pk=account.pk)


def _phones(principal: Principal, account) -> list[tuple[str, str]]:
    rows = debtors_for_account(principal=principal, account=account)
    return [
        (cp.value, f"{cp.value} ({cp.get_label_display().lower()}, {d.display_name})")
        for _, d in rows
        for cp in d.contact_points.all()
        if cp.kind == "phone"
    ]


@require_GET
@staff_view("work")
def call_form(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    phones = _phones(principal, account)
    number = request.GET.get("number") or (phones[0][0] if phones else "")
    context = {
        "account": account,
        "phones": phones,
        "number": number,
        "outcomes": [(o.value, o.label) for o in CALL_OUTCOMES],
        "preview": call_preview(account=account, number=number, at=utcnow()) if number else None,
        "can_override": principal.can("override_compliance"),
    }
    template = "workbench/_call_check.html" if request.GET.get("check") else "workbench/_call_form.html"
    return render(request, template, context)


@require_POST
@staff_view("work")
def call_log_view(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """Log a call from the workbench; a blocked call needs a manager's override reason."""
    from django.core.files.uploadedfile import UploadedFile

    account = account_get(principal=principal, pk=pk)
    recording = request.FILES.get("recording")
    try:
        ended = utcnow()
        minutes = int(request.POST.get("minutes") or 0)
        started = ended - timedelta(minutes=max(minutes, 0))
        call = call_log(
            accounts=[account],
            number=request.POST.get("number", ""),
            direction=request.POST.get("direction", ""),
            outcome=request.POST.get("outcome", ""),
            started_at=started,
            ended_at=ended,
            notes=request.POST.get("notes", ""),
            override_reason=request.POST.get("override_reason", ""),
            actor=principal,
        )
        if recording is not None and isinstance(recording, UploadedFile) and not call.blocked:
            from arrears.documents.services import document_store

            document_store(
                actor=principal,
                kind="call_recording",
                stream=recording,
                account=account,
                original_name=recording.name or "recording",
                contact_attempt_id=call.attempt.pk,
            )
    except ArrearsError as exc:
        messages.error(request, f"Not logged: {exc.message}")
        return redirect("workbench:account_detail", pk=account.pk)
    if call.blocked:
        codes = ", ".join(r["code"] for r in call.attempt.decision.reasons)
        messages.error(
            request, f"Blocked by the compliance gate ({codes}). A manager can override with a reason."
        )
    else:
        messages.success(request, "Call logged.")
    return redirect("workbench:account_detail", pk=account.pk)
