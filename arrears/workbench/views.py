from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.accounts.domain import aging_bucket, days_past_due
from arrears.accounts.selectors import account_get, debtors_for_account
from arrears.accounts.selectors import account_list as select_accounts
from arrears.accounts.services import account_note_add
from arrears.audit.selectors import audit_list_for_account
from arrears.compliance.notices import validation_notice_content, validation_notice_pdf
from arrears.compliance.scenario import decision_to_json
from arrears.compliance.selectors import contact_now_panel, holds_for_account, validation_notices_for_account
from arrears.contact.calls import call_preview
from arrears.contact.messaging import message_queue
from arrears.contact.selectors import (
    message_latest_for_account,
    message_preview_for_account,
    template_for_sending,
    templates_for_sending,
    validation_notice_message_latest,
)
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.ledger.selectors import ledger_balances, ledger_entries
from arrears.payments.domain import DEFAULT_SETTLEMENT_LIMITS
from arrears.payments.selectors import account_arrangements, payment_get
from arrears.payments.services import (
    PlanTerms,
    organization_today,
    payment_post,
    payment_reverse,
    plan_create,
    promise_create,
    settlement_offer,
)
from arrears.reports.evidence import evidence_packet
from arrears.reports.timeline import GROUPS, account_timeline
from arrears.tenancy.auth import staff_view
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list, organization_get

from .actions import CALL_RESULT_LABELS, CallResult, call_record
from .disclosures import in_words
from .forms import (
    AccountFilterForm,
    CallCheckForm,
    CallLogForm,
    MessageForm,
    NoteForm,
    PaymentForm,
    PlanForm,
    PromiseForm,
    ReversalForm,
    ServiceErrorsForm,
    SettlementForm,
    TimelineForm,
)
from .shortcuts import SHORTCUTS

PAGE_SIZE = 50


@staff_view()
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    """The home page is the work queue (issue 18: "the queue is the home page"); a client viewer, who
    works no queue, lands on its client's accounts."""
    if principal.role == Role.CLIENT_VIEWER:
        return redirect("workbench:account_list")
    return redirect("scoring:queue")


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
    today = local_today(account.organization_id)
    balances = ledger_balances(account=account)
    context = {
        "account": account,
        "principal": principal,
        "can_work": principal.can("work"),
        "debtors": debtors_for_account(principal=principal, account=account),
        "balances": balances,
        "balance_total": sum(v for k, v in balances.items() if k != "credit"),
        "entries": ledger_entries(account=account)[:200],
        "audit_trail": audit_list_for_account(principal=principal, account_id=account.pk)[:200],
        "aging": aging_bucket(account.delinquent_since, today),
        "dpd": days_past_due(account.delinquent_since, today),
        "shortcuts": SHORTCUTS if principal.can("work") else (),
        "validation_notice": validation_notices_for_account(principal=principal, account=account).last(),
        "validation_message": validation_notice_message_latest(
            organization_id=principal.organization_id, account_id=account.pk
        ),
        **_status_context(principal, account),
    }
    return render(request, "workbench/account_detail.html", context)


def _timeline_context(principal: Principal, account, groups: list[str], note_form: NoteForm | None = None):
    return {
        "account": account,
        "items": account_timeline(principal=principal, account=account, groups=groups),
        "groups": list(GROUPS),
        "selected": groups,
        "can_work": principal.can("work"),
        "note_form": note_form or NoteForm(),
    }


@require_GET
@staff_view()
def timeline(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    form = TimelineForm(request.GET, groups=list(GROUPS))
    if not form.is_valid():
        return HttpResponseBadRequest(f"Unknown timeline group; the groups are {', '.join(GROUPS)}.")
    context = _timeline_context(principal, account, form.cleaned_data["group"])
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
    refused = bool(form.errors)
    if request.htmx:
        context = _timeline_context(principal, account, [], form if refused else None)
        context["done"] = "" if refused else "Note added."
        return render(request, "workbench/_timeline.html", context)
    if not refused:
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
    preview = call_preview(account=account, number=number, at=utcnow()) if number else None
    return {
        "account": account,
        "form": form,
        "phones": phones,
        "number": number,
        "outcomes": list(CALL_RESULT_LABELS.items()),
        "preview": preview,
        "words": _words(principal, account, preview) if preview and "error" not in preview else None,
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


def _call_done(recorded) -> tuple[str, bool]:
    """What to tell the collector after a call: (message, blocked)."""
    if recorded.blocked:
        reasons = "; ".join(r["message"] for r in recorded.call.attempt.decision.reasons)
        return (
            f"Blocked by the compliance gate: {reasons}. The refused call is on the timeline; "
            "a manager can override with a reason.",
            True,
        )
    extra = {
        CallResult.PROMISE: " The promise is recorded.",
        CallResult.DISPUTE: " A dispute hold is placed: collection stops until it is resolved.",
        CallResult.REFUSAL: " The refusal is noted.",
        CallResult.CALLBACK: " The callback is in the queue."
        if recorded.callback_requested
        else " A callback was already in the queue.",
    }.get(recorded.result, "")
    return f"Call logged: {CALL_RESULT_LABELS[recorded.result].lower()}.{extra}", False


@require_POST
@staff_view("work")
def call_log_view(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """Log a call and what came of it; a blocked call needs a manager's override reason. Bad input shows
    the call form again with the message next to its field (400 without htmx)."""
    account = account_get(principal=principal, pk=pk)
    form = CallLogForm(request.POST, request.FILES)
    recorded = None
    if form.is_valid():
        data = form.cleaned_data
        ended = utcnow()
        try:
            with _recording_file(data["recording"]) as recording:
                recorded = call_record(
                    account=account,
                    number=data["number"],
                    direction=data["direction"],
                    result=data["outcome"],
                    started_at=ended - timedelta(minutes=data["minutes"] or 0),
                    ended_at=ended,
                    notes=data["notes"],
                    override_reason=data["override_reason"],
                    recording=recording,
                    follow_up=form.follow_up(),
                    actor=principal,
                )
        except ArrearsError as exc:
            form.add_service_error(exc)
    number = request.POST.get("number", "")[:40]
    if recorded is None:
        context = _call_panel(request, principal, account, form, number)
        if request.htmx:
            return render(request, "workbench/_call_form.html", context)
        return render(request, "workbench/call_log.html", context, status=400)
    text, blocked = _call_done(recorded)
    if request.htmx:
        context = _call_panel(request, principal, account, CallLogForm(), number)
        context.update(done=text, blocked=blocked)
        response = render(request, "workbench/_call_form.html", context)
        response["HX-Trigger"] = CALL_EVENT
        return response
    (messages.error if blocked else messages.success)(request, text)
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


# --- the account page's actions ---------------------------------------------------------------------------
# Each action is a form posted with htmx: the answer is the panel again, with the result or with the
# message next to the field that was refused. Without htmx a success redirects to the account page and a
# refusal is a 400 with the panel. The response's HX-Trigger tells the other panels what changed.

CALL_EVENT = "arrears:call"  # a call was logged: money, status and timeline panels reload
MONEY_EVENT = "arrears:money"  # money or an arrangement changed: status and timeline reload


def _answer(
    request: HttpRequest,
    template: str,
    context: dict[str, object],
    *,
    refused: bool,
    event: str = "",
    account_pk: int | None = None,
    done: str = "",
) -> HttpResponse:
    if not request.htmx and not refused and account_pk is not None:
        if done:
            messages.success(request, done)
        return redirect("workbench:account_detail", pk=account_pk)
    if done:
        context["done"] = done
    response = render(request, template, context, status=400 if refused and not request.htmx else 200)
    if event and not refused:
        response["HX-Trigger"] = event
    return response


def _words(principal: Principal, account, decision: dict[str, object], organization_name: str = ""):
    name = organization_name or organization_get(organization_id=principal.organization_id).name
    return in_words(decision, organization=name, creditor=account.current_creditor or account.client.name)


@require_GET
@staff_view()
def contact_now(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """Per channel, may the debtor be contacted now: blocks, warnings and the words to say."""
    account = account_get(principal=principal, pk=pk)
    now = utcnow()
    name = organization_get(organization_id=principal.organization_id).name
    rows = []
    for row in contact_now_panel(principal=principal, account=account, at=now):
        decision = decision_to_json(row.decision) if row.decision else None
        rows.append(
            {
                "channel": row.channel,
                "target": row.target,
                "allowed": row.allowed,
                "words": _words(principal, account, decision, name) if decision else None,
                "next_allowed_at": row.decision.next_allowed_at
                if row.decision and not row.decision.allowed
                else None,
            }
        )
    return render(request, "workbench/_contact_now.html", {"account": account, "rows": rows, "now": now})


@require_GET
@staff_view()
def status_panel(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    return render(request, "workbench/_status.html", _status_context(principal, account))


def _status_context(principal: Principal, account) -> dict[str, object]:
    return {"account": account, "holds": list(holds_for_account(principal=principal, account=account))}


def _money_context(
    principal: Principal, account, bound: dict[str, forms.Form] | None = None, done: str = ""
) -> dict[str, object]:
    today = local_today(account.organization_id)
    fresh: dict[str, forms.Form] = {
        "promise_form": PromiseForm(initial={"due_on": today + timedelta(days=7)}),
        "plan_form": PlanForm(
            initial={"frequency": "monthly", "first_due": today + timedelta(days=7), "installments": 6}
        ),
        "settlement_form": SettlementForm(initial={"expires_on": today + timedelta(days=14)}),
        "payment_form": PaymentForm(
            initial={"received_on": today, "method": "check", "idempotency_key": uuid.uuid4().hex}
        ),
        "reversal_form": ReversalForm(),
    }
    fresh.update(bound or {})
    limit = DEFAULT_SETTLEMENT_LIMITS.get(principal.role)
    return {
        "account": account,
        "arrangements": account_arrangements(principal=principal, account=account),
        "can_work": principal.can("work"),
        "settlement_limit": limit,
        "today": today,
        "done": done,
        "reversing": None,
        "fresh_reversal": ReversalForm(),
        **fresh,
    }


@require_GET
@staff_view()
def money_panel(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    return render(request, "workbench/_money.html", _money_context(principal, account))


def _money_action(
    request: HttpRequest,
    principal: Principal,
    pk: int,
    form_class: type[ServiceErrorsForm],
    name: str,
    act: Callable[..., str],
) -> HttpResponse:
    """Validate the form, run its service through `act` (which returns what was done), and answer with the
    money panel: the result, or the form with its messages."""
    account = account_get(principal=principal, pk=pk)
    form = form_class(request.POST)
    done = ""
    if form.is_valid():
        try:
            done = act(account, form.cleaned_data)
        except ArrearsError as exc:
            form.add_service_error(exc)
    refused = bool(form.errors)
    context = _money_context(principal, account, {name: form} if refused else None)
    context["open_form"] = name if refused else ""
    return _answer(
        request,
        "workbench/_money.html",
        context,
        refused=refused,
        event=MONEY_EVENT,
        account_pk=account.pk,
        done=done,
    )


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


@require_POST
@staff_view("work")
def promise_add(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    def act(account, data) -> str:
        promise = promise_create(
            account=account,
            amount=Money(data["amount"], account.currency),
            due_on=data["due_on"],
            grace_days=data["grace_days"] or 0,
            channel="workbench",
            note=data["note"],
            actor=principal,
        )
        return f"Promise of {_money(promise.amount, promise.currency)} by {promise.due_on:%Y-%m-%d} recorded."

    return _money_action(request, principal, pk, PromiseForm, "promise_form", act)


@require_POST
@staff_view("work")
def plan_add(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    def act(account, data) -> str:
        terms = PlanTerms(
            frequency=data["frequency"],
            first_due=data["first_due"],
            installments=data["installments"],
            installment_amount=data["installment_amount"],
        )
        total = Money(data["total"], account.currency) if data["total"] else None
        plan = plan_create(account=account, terms=terms, total=total, actor=principal)
        return f"Plan of {_money(plan.total, plan.currency)} set up; its schedule is below."

    return _money_action(request, principal, pk, PlanForm, "plan_form", act)


@require_POST
@staff_view("work")
def settlement_add(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    def act(account, data) -> str:
        settlement = settlement_offer(
            account=account,
            amount=Money(data["amount"], account.currency),
            expires_on=data["expires_on"],
            actor=principal,
        )
        if settlement.status == "pending_approval":
            return (
                f"Settlement of {_money(settlement.amount, settlement.currency)} "
                f"({settlement.discount_pct}% off) is above your limit: "
                f"it waits for a {settlement.required_role}'s approval."
            )
        return f"Settlement of {_money(settlement.amount, settlement.currency)} approved."

    return _money_action(request, principal, pk, SettlementForm, "settlement_form", act)


@require_POST
@staff_view("work")
def payment_add(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    def act(account, data) -> str:
        # Received today: now. An earlier day: noon of it in the organization's zone (the active one).
        received_on = data["received_on"]
        now = utcnow()
        received_at = (
            now
            if received_on == timezone.localdate(now)
            else timezone.make_aware(datetime.combine(received_on, time(12)))
        )
        payment = payment_post(
            account=account,
            amount=Money(data["amount"], account.currency),
            method=data["method"],
            received_at=received_at,
            reference=data["reference"],
            idempotency_key=f"workbench:{data['idempotency_key']}",
            actor=principal,
        )
        state = "scheduled" if payment.status == "scheduled" else "posted"
        return f"Payment of {_money(payment.amount, payment.currency)} {state}."

    return _money_action(request, principal, pk, PaymentForm, "payment_form", act)


@require_POST
@staff_view("work")
def payment_reverse_view(
    request: HttpRequest, principal: Principal, pk: int, payment_pk: int
) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    payment = payment_get(principal=principal, pk=payment_pk)
    if payment.account_id != account.pk:
        raise Http404("no such payment on this account")
    form = ReversalForm(request.POST)
    done = ""
    if form.is_valid():
        fee = form.cleaned_data["fee"]
        try:
            reversed_payment = payment_reverse(
                payment=payment,
                reason=form.cleaned_data["reason"],
                fee=Money(fee, account.currency) if fee else None,
                actor=principal,
            )
        except ArrearsError as exc:
            form.add_service_error(exc)
        else:
            amount = _money(reversed_payment.amount, reversed_payment.currency)
            done = f"Payment of {amount} {reversed_payment.status}."
    refused = bool(form.errors)
    context = _money_context(principal, account, {"reversal_form": form} if refused else None)
    context["reversing"] = payment.pk if refused else None
    return _answer(
        request,
        "workbench/_money.html",
        context,
        refused=refused,
        event=MONEY_EVENT,
        account_pk=account.pk,
        done=done,
    )


# --- messages from a template: preview first, then send -----------------------------------------------------


def _message_form(principal: Principal, data=None) -> MessageForm:
    templates = [
        (t.pk, f"{t.get_channel_display()}: {t.name or t.key} ({t.language}, v{t.version})")
        for t in templates_for_sending(principal=principal)
    ]
    return MessageForm(data, templates=templates)


@require_GET
@staff_view("work")
def message_panel(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    context = {
        "account": account,
        "form": _message_form(principal),
        "latest": message_latest_for_account(principal=principal, account_id=account.pk),
    }
    return render(request, "workbench/_message.html", context)


def _message_step(request: HttpRequest, principal: Principal, pk: int, *, send: bool) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    form = _message_form(principal, request.POST)
    preview = queued = None
    if form.is_valid():
        try:
            template = template_for_sending(principal=principal, pk=form.cleaned_data["template"])
            preview = message_preview_for_account(
                principal=principal,
                template=template,
                account=account,
                today=local_today(account.organization_id),
            )
            if send:
                queued = message_queue(template=template, account=account, actor=principal)
        except ArrearsError as exc:
            form.add_error("template", exc.message)
            preview = None
    refused = bool(form.errors)
    context = {
        "account": account,
        "form": form,
        "preview": None if queued else preview,
        "queued": queued,
        "latest": message_latest_for_account(principal=principal, account_id=account.pk),
    }
    done = (
        f"{queued.get_channel_display()} to {queued.target} queued: "
        "it is sent once the compliance gate allows it."
        if queued
        else ""
    )
    return _answer(
        request,
        "workbench/_message.html",
        context,
        refused=refused,
        event=MONEY_EVENT if queued else "",
        account_pk=account.pk if queued else None,
        done=done,
    )


@require_POST
@staff_view("work")
def message_preview(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    return _message_step(request, principal, pk, send=False)


@require_POST
@staff_view("work")
def message_send(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    return _message_step(request, principal, pk, send=True)


# --- downloads ------------------------------------------------------------------------------------------


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _safe_name(reference: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in reference)[:80]


@require_GET
@staff_view("work")
def evidence_download(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=pk)
    with timezone.override(UTC):  # the packet states its times in UTC (with the debtor's local beside)
        packet = evidence_packet(principal=principal, account=account, generated_at=utcnow())
    return _pdf(packet.pdf, f"evidence-{_safe_name(account.reference)}.pdf")


@require_GET
@staff_view("work")
def validation_notice_download(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """The notice the consumer was given (its stored copy, with the dates it bore), else one dated today."""
    account = account_get(principal=principal, pk=pk)
    provided = validation_notices_for_account(principal=principal, account=account).last()
    if provided is not None and provided.document:
        with provided.document.open("rb") as handle:
            return _pdf(handle.read(), f"validation-notice-{_safe_name(account.reference)}.pdf")
    try:
        content = validation_notice_content(account=account, provided_on=local_today(account.organization_id))
    except ArrearsError as exc:
        messages.error(request, f"No validation notice: {exc.message}.")
        return redirect("workbench:account_detail", pk=account.pk)
    return _pdf(validation_notice_pdf(content), f"validation-notice-{_safe_name(account.reference)}.pdf")


def local_today(organization_id: int):
    """Today in the organization's time zone (the date a promise or payment is entered against)."""
    return organization_today(organization_get(organization_id=organization_id))
