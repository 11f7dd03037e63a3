"""htmx partials for the account page: "Contact now?" per channel, and the holds with place/lift forms.

The workbench includes them with ``hx-get``; each also works as a plain page fragment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.accounts.selectors import account_get
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, NotFound
from arrears.tenancy.auth import request_principal
from arrears.tenancy.domain import Principal

from .choices import HoldKind
from .forms import HoldLiftForm, HoldPlaceForm
from .selectors import contact_now_panel, hold_get, holds_for_account, primary_debtor
from .services import hold_lift, hold_place
from .zones import zone

if TYPE_CHECKING:
    from arrears.accounts.models import Account

View = Callable[..., HttpResponse]


def with_account(permission: str = "view") -> Callable[[View], View]:
    """Login required; the account is looked up through the user's principal, so another tenant's
    (or another client's) id is a 404."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
            principal = request_principal(request)
            try:
                account = account_get(principal=principal, pk=pk)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            if not principal.can(permission):
                raise PermissionDenied(f"Your role may not {permission}.")
            return view(request, principal, account, *args, **kwargs)

        return wrapper

    return decorator


def _local(value: datetime | None, zones: tuple[str, ...]) -> str:
    if value is None or not zones:
        return ""
    return ", ".join(
        f"{value.astimezone(zone(z)):%a %d %b %H:%M} {z.split('/')[-1].replace('_', ' ')}" for z in zones
    )


@require_GET
@with_account()
def contact_now(request: HttpRequest, principal: Principal, account: Account) -> HttpResponse:
    now = utcnow()
    rows = []
    for row in contact_now_panel(principal=principal, account=account, at=now):
        decision = row.decision
        rows.append(
            {
                "channel": row.channel,
                "target": row.target,
                "allowed": row.allowed,
                "reasons": decision.reasons if decision else (),
                "requirements": decision.requirements if decision else (),
                "next_allowed_at": decision.next_allowed_at if decision and not decision.allowed else None,
                "next_local": _local(decision.next_allowed_at, decision.zones)
                if decision and not decision.allowed
                else "",
            }
        )
    return render(request, "compliance/_contact_now.html", {"account": account, "rows": rows, "now": now})


def _holds_response(
    request: HttpRequest,
    principal: Principal,
    account: Account,
    form: HoldPlaceForm | None = None,
    lift_form: HoldLiftForm | None = None,
    lifting: int | None = None,
) -> HttpResponse:
    refused = bool(form is not None and form.errors) or bool(lift_form is not None and lift_form.errors)
    context = {
        "account": account,
        "holds": list(holds_for_account(principal=principal, account=account)),
        "kinds": HoldKind.choices,
        "can_place": principal.can("work"),
        "can_lift": principal.can("manage"),
        "form": form if form is not None and form.errors else HoldPlaceForm(),
        "lift_form": lift_form,
        "lifting": lifting,
    }
    # htmx swaps only 2xx responses, so a refused form comes back as 200 to htmx and 400 otherwise.
    status = 400 if refused and not getattr(request, "htmx", False) else 200
    return render(request, "compliance/_holds.html", context, status=status)


@require_http_methods(["GET", "POST"])
@with_account()
def holds(request: HttpRequest, principal: Principal, account: Account) -> HttpResponse:
    if request.method == "GET":
        return _holds_response(request, principal, account)
    if not principal.can("work"):
        raise PermissionDenied("Your role may not place holds.")
    form = HoldPlaceForm(request.POST)
    if not form.is_valid():
        return _holds_response(request, principal, account, form=form)
    data = form.cleaned_data
    try:
        hold_place(
            kind=data["kind"],
            actor=principal,
            account=account if data["scope"] == "account" else None,
            debtor=primary_debtor(account) if data["scope"] == "debtor" else None,
            effective_on=data["effective_on"],
            reason=data["reason"],
            details={"written": data["written"]} if data["kind"] == HoldKind.DISPUTE else {},
        )
    except ArrearsError as exc:
        form.add_service_error(exc)
        return _holds_response(request, principal, account, form=form)
    return _holds_response(request, principal, account)


@require_POST
@with_account()
def hold_lift_view(
    request: HttpRequest, principal: Principal, account: Account, hold_pk: int
) -> HttpResponse:
    if not principal.can("manage"):
        raise PermissionDenied("Your role may not lift holds.")
    visible = {h.pk for h in holds_for_account(principal=principal, account=account)}
    if hold_pk not in visible:
        raise Http404("no such hold on this account")
    form = HoldLiftForm(request.POST)
    if form.is_valid():
        try:
            hold_lift(
                hold=hold_get(principal=principal, pk=hold_pk),
                actor=principal,
                reason=form.cleaned_data["reason"],
            )
        except ArrearsError as exc:
            form.add_error("reason", exc.message)
    if form.errors:
        return _holds_response(request, principal, account, lift_form=form, lifting=hold_pk)
    return _holds_response(request, principal, account)
