"""The debtor portal's pages: parse the request, call one service or selector, render.

A portal session lives in Django's session under ``portal``: the organization and debtor it was
verified for, and when it was last used; it ends after ``PORTAL_IDLE_SECONDS`` without a request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from arrears.compliance.notices import validation_notice_content, validation_notice_pdf
from arrears.compliance.selectors import validation_notices_of_accounts
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, NotFound
from arrears.documents.selectors import document_shared_get, documents_shared_for_accounts
from arrears.documents.services import document_open
from arrears.payments.providers.stripe_provider import StripeProvider, checkout_origin
from arrears.tenancy.selectors import organization_resolve

from . import forms, selectors, services
from .errors import PortalError

LANGUAGES = ("en", "es")
PENDING_SECONDS = 15 * 60


def idle_seconds() -> int:
    return int(getattr(settings, "PORTAL_IDLE_SECONDS", 15 * 60))


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("lang") or request.session.get("portal_lang")
    if chosen in LANGUAGES:
        return str(chosen)
    best = translation.get_language_from_request(request)
    return best if best in LANGUAGES else "en"


def _organization(slug: str):
    try:
        return organization_resolve(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def portal_page(*, verified: bool) -> Callable:
    """Resolve the organization, pick the language, and (``verified``) require an unexpired portal
    session for this organization; a NotFound becomes a 404."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            organization = _organization(slug)
            lang = _language(request)
            if request.GET.get("lang") in LANGUAGES:
                request.session["portal_lang"] = lang
            request.portal_org = organization  # type: ignore[attr-defined]
            request.portal_brand = selectors.branding_for(organization=organization)  # type: ignore[attr-defined]
            with translation.override(lang):
                if verified:
                    state = request.session.get("portal") or {}
                    now = utcnow().timestamp()
                    if (
                        state.get("org") != organization.pk
                        or now - float(state.get("seen", 0)) > idle_seconds()
                    ):
                        request.session.pop("portal", None)
                        return redirect("portal:start", slug=slug)
                    state["seen"] = now
                    request.session["portal"] = state
                    request.portal_debtor_id = int(state["debtor"])  # type: ignore[attr-defined]
                try:
                    return view(request, organization, *args, **kwargs)
                except NotFound as exc:
                    raise Http404(exc.message) from exc

        return wrapper

    return decorator


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {
        "org": request.portal_org,  # type: ignore[attr-defined]
        "brand": request.portal_brand,  # type: ignore[attr-defined]
        "lang": translation.get_language(),
        "verified": hasattr(request, "portal_debtor_id"),
        **context,
    }
    response = render(request, template, context, status=status)
    if context["verified"]:
        # A verified debtor's forms (pay, accept a settlement) POST to us and are redirected to the card
        # provider's hosted checkout; the CSP's form-action covers redirects, so that origin is allowed
        # there, and nowhere else.
        base = cast("dict[str, list[str]]", settings.SECURE_CSP)
        policy = {directive: list(sources) for directive, sources in base.items()}
        policy["form-action"] = [*policy.get("form-action", []), checkout_origin()]
        response._csp_config = policy  # type: ignore[attr-defined]
    return response


# --- verification ------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def brand_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The organization's colours as CSS custom properties: a stylesheet from 'self', since the
    Content-Security-Policy allows no inline <style> (docs/security.md). The colours are validated hex."""
    brand = selectors.branding_for(organization=_organization(slug))
    css = f":root {{ --brand: {brand.primary}; --accent: {brand.accent}; }}\n"
    response = HttpResponse(css, content_type="text/css")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
@portal_page(verified=False)
def start(request: HttpRequest, organization) -> HttpResponse:
    form = forms.IdentifyForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _page(request, "portal/start.html", {"form": form}, status=400)
        try:
            debtor_id = services.verification_identify(
                organization_id=organization.pk,
                reference=form.cleaned_data["reference"],
                last_name=form.cleaned_data["last_name"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                postal_code=form.cleaned_data["postal_code"],
                ip=_ip(request),
                now=utcnow(),
            )
        except ArrearsError as exc:
            return _page(request, "portal/start.html", {"form": form, "error": _throttled(exc)}, status=429)
        if debtor_id is None:
            error = _("We could not verify those details. Check them and try again.")
            return _page(request, "portal/start.html", {"form": form, "error": error}, status=400)
        _pending_set(request, organization.pk, debtor_id)
        return redirect("portal:code", slug=organization.slug)
    return _page(request, "portal/start.html", {"form": form})


def _throttled(exc: ArrearsError) -> str:
    if exc.code == PortalError.LOCKED:
        return _("Too many wrong codes. Verification is locked for 30 minutes; try again later.")
    return _("Too many attempts. Please wait 30 minutes and try again.")


def _pending_set(request: HttpRequest, organization_id: int, debtor_id: int) -> None:
    request.session.cycle_key()
    request.session["portal_pending"] = {
        "org": organization_id,
        "debtor": debtor_id,
        "at": utcnow().timestamp(),
    }


def _pending(request: HttpRequest, organization_id: int) -> int | None:
    state = request.session.get("portal_pending") or {}
    if (
        state.get("org") != organization_id
        or utcnow().timestamp() - float(state.get("at", 0)) > PENDING_SECONDS
    ):
        return None
    return int(state["debtor"])


@portal_page(verified=False)
def link(request: HttpRequest, organization, token: str) -> HttpResponse:
    """A signed link from a letter or message: the first step is skipped, the code is still asked for."""
    try:
        target = services.portal_link_read(token=token, organization_id=organization.pk)
    except ArrearsError as exc:
        expired = exc.code == PortalError.LINK_EXPIRED
        return _page(
            request, "portal/link_invalid.html", {"expired": expired}, status=410 if expired else 400
        )
    services.verification_link_opened(
        organization_id=organization.pk, debtor_id=target.debtor_id, ip=_ip(request), now=utcnow()
    )
    _pending_set(request, organization.pk, target.debtor_id)
    return _code_page(request, organization, target.debtor_id)


def _code_page(
    request: HttpRequest,
    organization,
    debtor_id: int,
    *,
    error: str = "",
    sent: bool = False,
    status: int = 200,
) -> HttpResponse:
    destinations = selectors.code_destinations(debtor_id=debtor_id, organization_id=organization.pk)
    locked = services.locked_until(debtor_id=debtor_id, now=utcnow())
    context = {
        "destinations": destinations,
        "code_form": forms.CodeForm(),
        "error": error,
        "sent": sent,
        "locked": locked is not None,
    }
    return _page(request, "portal/code.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_page(verified=False)
def code(request: HttpRequest, organization) -> HttpResponse:
    debtor_id = _pending(request, organization.pk)
    if debtor_id is None:
        return redirect("portal:start", slug=organization.slug)
    if request.method == "GET":
        return _code_page(request, organization, debtor_id)
    now = utcnow()
    if request.POST.get("action") == "send":
        send = forms.SendCodeForm(request.POST)
        if not send.is_valid():
            return _code_page(
                request, organization, debtor_id, error=_("Choose where to send the code."), status=400
            )
        try:
            services.code_send(
                organization_id=organization.pk,
                debtor_id=debtor_id,
                contact_point_id=send.cleaned_data["destination"],
                ip=_ip(request),
                now=now,
            )
        except ArrearsError as exc:
            if exc.code in (PortalError.THROTTLED, PortalError.LOCKED):
                return _code_page(request, organization, debtor_id, error=_throttled(exc), status=429)
            return _code_page(
                request,
                organization,
                debtor_id,
                error=_("The code could not be sent there. Choose another."),
                status=400,
            )
        return _code_page(request, organization, debtor_id, sent=True)
    form = forms.CodeForm(request.POST)
    if not form.is_valid():
        return _code_page(
            request, organization, debtor_id, error=_("Enter the code we sent you."), sent=True, status=400
        )
    try:
        services.code_check(
            organization_id=organization.pk,
            debtor_id=debtor_id,
            code=form.cleaned_data["code"],
            ip=_ip(request),
            now=now,
        )
    except ArrearsError as exc:
        if exc.code == PortalError.LOCKED:
            return _code_page(request, organization, debtor_id, error=_throttled(exc), status=429)
        if exc.code == PortalError.CODE_EXPIRED:
            return _code_page(
                request,
                organization,
                debtor_id,
                error=_("That code has expired. Ask for a new one."),
                status=400,
            )
        return _code_page(
            request,
            organization,
            debtor_id,
            error=_("That code is not right. Try again."),
            sent=True,
            status=400,
        )
    request.session.pop("portal_pending", None)
    request.session.cycle_key()
    request.session["portal"] = {"org": organization.pk, "debtor": debtor_id, "seen": now.timestamp()}
    return redirect("portal:home", slug=organization.slug)


@require_POST
@portal_page(verified=False)
def signout(request: HttpRequest, organization) -> HttpResponse:
    request.session.pop("portal", None)
    request.session.pop("portal_pending", None)
    return redirect("portal:start", slug=organization.slug)


# --- what the debtor sees ----------------------------------------------------------------------------------


def _debtor_id(request: HttpRequest) -> int:
    return int(request.portal_debtor_id)  # type: ignore[attr-defined]


def _account(request: HttpRequest, organization, pk: int):
    return selectors.debtor_account(
        organization_id=organization.pk, debtor_id=_debtor_id(request), account_id=pk
    )


@portal_page(verified=True)
def home(request: HttpRequest, organization) -> HttpResponse:
    accounts = selectors.debtor_accounts(organization_id=organization.pk, debtor_id=_debtor_id(request))
    views = selectors.account_views(accounts=accounts)
    debtor = selectors.debtor_get(debtor_id=_debtor_id(request))
    return _page(request, "portal/home.html", {"views": views, "debtor": debtor})


@portal_page(verified=True)
def account_detail(request: HttpRequest, organization, pk: int) -> HttpResponse:
    from arrears.compliance.notices import account_itemization

    account = _account(request, organization, pk)
    [view] = selectors.account_views(accounts=[account], today=_today(organization))
    try:
        itemization = account_itemization(account=account)
    except ArrearsError:
        itemization = None
    documents = documents_shared_for_accounts(account_ids=[account.pk])
    notice = validation_notices_of_accounts(account_ids=[account.pk]).get(account.pk)
    return _page(
        request,
        "portal/account.html",
        {"v": view, "itemization": itemization, "documents": documents, "notice": notice},
    )


@portal_page(verified=True)
def document(request: HttpRequest, organization, pk: int, document_pk: int) -> HttpResponseBase:
    """A document the organization shared, on one of the debtor's accounts; its opening is audited."""
    account = _account(request, organization, pk)
    found = document_shared_get(account_ids=[account.pk], pk=document_pk)
    handle = document_open(
        document=found,
        actor=services.debtor_principal(organization_id=organization.pk, debtor_id=_debtor_id(request)),
    )
    response = FileResponse(
        handle, content_type=found.content_type, as_attachment=True, filename=found.original_name
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_page(verified=True)
def notice_pdf(request: HttpRequest, organization, pk: int) -> HttpResponse:
    """The notice the consumer was sent (the stored copy, with the dates it bore), else one dated today."""
    account = _account(request, organization, pk)
    provided = validation_notices_of_accounts(account_ids=[account.pk]).get(account.pk)
    if provided is not None and provided.document:
        with provided.document.open("rb") as handle:
            pdf = handle.read()
    else:
        try:
            pdf = validation_notice_pdf(
                validation_notice_content(account=account, provided_on=_today(organization))
            )
        except ArrearsError as exc:
            raise Http404(exc.message) from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="validation-notice-{account.pk}.pdf"'
    return response


# --- what the debtor does ----------------------------------------------------------------------------------


def _today(organization) -> Any:
    from arrears.payments.services import organization_today

    return organization_today(organization)


@require_http_methods(["GET", "POST"])
@portal_page(verified=True)
def promise(request: HttpRequest, organization, pk: int) -> HttpResponse:
    from arrears.core.money import Money

    account = _account(request, organization, pk)
    form = forms.PromiseForm(request.POST or None)
    limits = selectors.limits_for(organization_id=organization.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_promise_make(
                account=account,
                debtor_id=_debtor_id(request),
                amount=Money(form.cleaned_data["amount"], account.currency),
                due_on=form.cleaned_data["due_on"],
                today=_today(organization),
            )
        except ArrearsError as exc:
            form.add_error(None, exc.message)
        else:
            return _done(
                request,
                organization,
                _("Thank you. Your promise is recorded; a receipt is on its way by email."),
            )
    status = 400 if request.method == "POST" else 200
    return _page(
        request, "portal/promise.html", {"form": form, "account": account, "limits": limits}, status=status
    )


@require_http_methods(["GET", "POST"])
@portal_page(verified=True)
def plan(request: HttpRequest, organization, pk: int) -> HttpResponse:
    account = _account(request, organization, pk)
    form = forms.PlanForm(request.POST or None)
    debit = forms.BankDebitForm(request.POST or None)
    limits = selectors.limits_for(organization_id=organization.pk)
    if request.method == "POST" and form.is_valid() and debit.is_valid():
        bank = None
        if debit.cleaned_data.get("debit"):
            bank = services.BankDebit(
                holder_name=debit.cleaned_data["holder_name"],
                routing_number=debit.cleaned_data["routing_number"],
                account_number=debit.cleaned_data["account_number"],
                account_type=debit.cleaned_data["account_type"],
                authorized_at=utcnow(),
            )
        try:
            services.portal_plan_make(
                bank_debit=bank,
                account=account,
                debtor_id=_debtor_id(request),
                installments=form.cleaned_data["installments"],
                frequency=form.cleaned_data["frequency"],
                first_due=form.cleaned_data["first_due"],
                today=_today(organization),
            )
        except ArrearsError as exc:
            if exc.code.startswith("ACH_"):
                debit.add_error("routing_number" if "ROUTING" in exc.code else "account_number", exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            return _done(
                request,
                organization,
                _("Thank you. Your payment plan is set up; a confirmation is on its way by email."),
            )
    status = 400 if request.method == "POST" else 200
    owed = selectors.owed(account)
    return _page(
        request,
        "portal/plan.html",
        {"form": form, "debit": debit, "account": account, "limits": limits, "owed": owed},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@portal_page(verified=True)
def dispute(request: HttpRequest, organization, pk: int) -> HttpResponse:
    account = _account(request, organization, pk)
    form = forms.DisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("upload")
        try:
            services.portal_dispute_file(
                account=account,
                debtor_id=_debtor_id(request),
                reason=form.cleaned_data["reason"],
                upload=upload.file if upload else None,
                upload_name=upload.name if upload else "",
                verification=bool(form.cleaned_data.get("verification")),
            )
        except ArrearsError as exc:
            form.add_error("upload" if exc.code.startswith("DOCUMENT_") else None, exc.message)
        else:
            return _done(
                request,
                organization,
                _(
                    "We received your dispute. We have stopped collecting this debt until we send you "
                    "verification."
                ),
            )
    status = 400 if request.method == "POST" else 200
    return _page(request, "portal/dispute.html", {"form": form, "account": account}, status=status)


@require_http_methods(["GET", "POST"])
@portal_page(verified=True)
def pay(request: HttpRequest, organization) -> HttpResponse:
    debtor_id = _debtor_id(request)
    views = [
        v
        for v in selectors.account_views(
            accounts=selectors.debtor_accounts(organization_id=organization.pk, debtor_id=debtor_id)
        )
        if v.owed > 0
    ]
    choices = [
        (v.account.pk, f"{v.account.reference} ({v.owed:.2f} {v.account.currency})", v.owed) for v in views
    ]
    form = forms.PayForm(request.POST or None, accounts=choices)
    if request.method == "POST" and form.is_valid():
        queue = [[pk, str(amount)] for pk, amount in form.amounts()]
        request.session["portal_pay"] = {"queue": queue, "batch": uuid.uuid4().hex}
        return pay_next(request, organization.slug)
    status = 400 if request.method == "POST" else 200
    return _page(request, "portal/pay.html", {"form": form, "views": views}, status=status)


@require_POST
@portal_page(verified=True)
def settle(request: HttpRequest, organization, pk: int, settlement_pk: int) -> HttpResponse:
    """Accept a settlement offer and pay its amount by card."""
    account = _account(request, organization, pk)
    try:
        amount = services.portal_settlement_accept(
            account=account,
            debtor_id=_debtor_id(request),
            settlement_id=settlement_pk,
            today=_today(organization),
        )
    except ArrearsError as exc:
        return _done(request, organization, exc.message, status=409)
    request.session["portal_pay"] = {"queue": [[account.pk, str(amount)]], "batch": uuid.uuid4().hex}
    return pay_next(request, organization.slug)


@portal_page(verified=True)
def pay_next(request: HttpRequest, organization) -> HttpResponse:
    """Open the hosted checkout of the next account in the queue; back here from the provider's success
    page, until the queue is empty. A cancelled checkout drops the rest."""
    from decimal import Decimal

    state = request.session.get("portal_pay") or {}
    queue = list(state.get("queue") or [])
    if request.GET.get("cancelled") or not queue:
        request.session.pop("portal_pay", None)
        message = (
            _("Payment cancelled.")
            if request.GET.get("cancelled")
            else _("Thank you. Your payment is being processed; a receipt will follow by email.")
        )
        return _done(request, organization, message)
    pk, amount = queue.pop(0)
    account = _account(request, organization, int(pk))
    back = request.build_absolute_uri(reverse("portal:pay_next", kwargs={"slug": organization.slug}))
    try:
        session = services.portal_checkout_start(
            account=account,
            debtor_id=_debtor_id(request),
            amount=Decimal(amount),
            provider=StripeProvider.from_env(),
            idempotency_key=f"portal:{state.get('batch')}:{pk}",
            success_url=back,
            cancel_url=f"{back}?cancelled=1",
        )
    except ArrearsError as exc:
        request.session.pop("portal_pay", None)
        return _done(
            request, organization, exc.message, status=502 if exc.code.startswith("PROVIDER_") else 400
        )
    request.session["portal_pay"] = {**state, "queue": queue}
    return HttpResponseRedirect(session.url)


@require_http_methods(["GET", "POST"])
@portal_page(verified=True)
def preferences(request: HttpRequest, organization) -> HttpResponse:
    from arrears.debtors.selectors import contact_points_to_message

    debtor_id = _debtor_id(request)
    debtor = selectors.debtor_get(debtor_id=debtor_id)
    points = [
        (p.pk, selectors.domain.mask(p.kind, p.value) if p.kind != "address" else p.value)
        for kind in ("phone", "email", "address")
        for p in contact_points_to_message(
            debtor_ids=[debtor_id], kind=kind, exclude_statuses=(), for_rendering=False
        )
    ]
    optout = forms.OptOutForm(request.POST if request.POST.get("form") == "optout" else None, points=points)
    emails = [
        (p.pk, selectors.domain.mask("email", p.value))
        for p in contact_points_to_message(
            debtor_ids=[debtor_id], kind="email", exclude_statuses=(), for_rendering=False
        )
    ]
    esign = forms.ESignForm(request.POST if request.POST.get("form") == "esign" else None, emails=emails)
    prefs = forms.PreferencesForm(
        request.POST if request.POST.get("form") == "prefs" else None,
        initial={"language": debtor.language if debtor.language in LANGUAGES else "en"},
    )
    status = 200
    if request.method == "POST":
        if optout.is_bound and optout.is_valid():
            services.portal_opt_out(
                debtor_id=debtor_id,
                organization_id=organization.pk,
                channel=optout.cleaned_data["channel"],
                contact_point_id=optout.cleaned_data.get("contact_point"),
            )
            return _done(request, organization, _("Done. We will not contact you that way."))
        if esign.is_bound and esign.is_valid():
            services.portal_esign_set(
                debtor_id=debtor_id,
                organization_id=organization.pk,
                contact_point_id=esign.cleaned_data["email"],
                agree=bool(esign.cleaned_data["agree"]),
            )
            agreed = bool(esign.cleaned_data["agree"])
            return _done(
                request,
                organization,
                _("We will send notices to you electronically.")
                if agreed
                else _("We will send notices on paper."),
            )
        if prefs.is_bound and prefs.is_valid():
            services.portal_preferences_set(
                debtor_id=debtor_id,
                organization_id=organization.pk,
                language=prefs.cleaned_data["language"],
                inconvenient_times=prefs.windows(),
            )
            request.session["portal_lang"] = prefs.cleaned_data["language"]
            return _done(request, organization, _("Your preferences are saved."))
        status = 400
    whole, per = selectors.opt_outs(debtor_id=debtor_id)
    context = {
        "optout": optout,
        "prefs": prefs,
        "esign": esign,
        "esigned": [label for pk, label in emails if pk in selectors.esign_consents(debtor_id=debtor_id)],
        "opted_out": sorted(whole),
        "opted_out_points": [(label, sorted(per[pk])) for pk, label in points if pk in per],
        "inconvenient": debtor.inconvenient_times,
    }
    return _page(request, "portal/preferences.html", context, status=status)


def _done(request: HttpRequest, organization, message: str, status: int = 200) -> HttpResponse:
    return _page(request, "portal/done.html", {"message": message}, status=status)
