"""Dashboards for the organization, each client and each collector, and the accounts behind each figure."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from arrears.accounts import reporting as accounts_reporting
from arrears.compliance.packs.base import local_date
from arrears.core.clock import utcnow
from arrears.payments import reporting as payments_reporting
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list, organization_get

from . import selectors
from .forms import WIDGETS, DashboardForm, DrillForm, LayoutForm, PaymentDrillForm
from .services import dashboard_layout_save


def _today(principal: Principal) -> date:
    org = organization_get(organization_id=principal.organization_id)
    return local_date(utcnow(), org.timezone)


def _widgets(principal: Principal, scope: str) -> list[dict[str, Any]]:
    saved = selectors.dashboard_layout(
        user_id=principal.user_id or 0, organization_id=principal.organization_id, dashboard=scope
    )
    known = [w for w in saved if w.get("key") in WIDGETS]
    missing = [{"key": k, "visible": True} for k in WIDGETS if k not in {w["key"] for w in known}]
    rows = known + missing
    if scope != "org":
        rows = [w for w in rows if w["key"] != "collectors"]
    return [{**w, "label": WIDGETS[w["key"]], "position": i} for i, w in enumerate(rows, start=1)]


def _drill(**params: Any) -> str:
    return (
        reverse("reports:accounts")
        + "?"
        + urlencode({k: v for k, v in params.items() if v not in (None, "")})
    )


def _pay_drill(**params: Any) -> str:
    return (
        reverse("reports:payments")
        + "?"
        + urlencode({k: v for k, v in params.items() if v not in (None, "")})
    )


def _dashboard(
    request: HttpRequest,
    principal: Principal,
    *,
    scope: str,
    title: str,
    client_id: int | None = None,
    collector_id: int | None = None,
) -> HttpResponse:
    form = DashboardForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(
            request,
            "reports/dashboard.html",
            {"form": form, "title": title, "principal": principal},
            status=400,
        )
    data = form.cleaned_data if request.GET else {}
    as_of = data.get("as_of") or _today(principal)
    period = data.get("period") or 30
    org_id = principal.organization_id
    shown = selectors.dashboard_figures(
        organization_id=org_id,
        as_of=as_of,
        period=period,
        client_id=client_id,
        collector_id=collector_id,
        drill_url=_drill,
        payments_url=_pay_drill,
    )
    performance = []
    if scope in ("org", "collector"):
        performance = selectors.collector_performance(
            organization_id=org_id, since=shown["since"], through=as_of
        )
        if collector_id:
            performance = [p for p in performance if p["user_id"] == collector_id]
    context = {
        **shown,
        "form": DashboardForm(initial={"as_of": as_of, "period": period}),
        "title": title,
        "scope": scope,
        "principal": principal,
        "performance": performance,
        "widgets": _widgets(principal, scope),
        "unread": selectors.notifications_unread(
            user_id=principal.user_id or 0, organization_id=principal.organization_id
        ),
        "layout_form": LayoutForm() if principal.can("manage") else None,
        "clients": list(client_list(organization_id=org_id).filter(id__in=principal.client_ids))
        if principal.client_ids is not None
        else list(client_list(organization_id=org_id)),
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
@staff_view()
def org_dashboard(request: HttpRequest, principal: Principal) -> HttpResponse:
    if principal.client_ids is not None:  # a client's viewer sees only their client's dashboard
        first = sorted(principal.client_ids)[:1]
        if not first:
            raise Http404("no client to show")
        return redirect("reports:client", client_id=first[0])
    org = organization_get(organization_id=principal.organization_id)
    return _dashboard(request, principal, scope="org", title=org.name)


@require_GET
@staff_view()
def client_dashboard(request: HttpRequest, principal: Principal, client_id: int) -> HttpResponse:
    client = client_list(organization_id=principal.organization_id).filter(id=client_id).first()
    if client is None or not principal.sees_client(client_id):
        raise Http404("no such client")
    return _dashboard(request, principal, scope="client", title=client.name, client_id=client_id)


@require_GET
@staff_view()
def collector_dashboard(request: HttpRequest, principal: Principal, user_id: int) -> HttpResponse:
    if principal.client_ids is not None or (not principal.can("manage") and principal.user_id != user_id):
        raise Http404("no such collector")
    from arrears.tenancy.selectors import organization_member_ids

    if user_id not in organization_member_ids(principal.organization_id):
        raise Http404("no such collector")
    user = get_user_model().objects.filter(id=user_id).values_list("username", flat=True).first()
    return _dashboard(request, principal, scope="collector", title=f"Collector {user}", collector_id=user_id)


@require_GET
@staff_view()
def drill_accounts(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = DrillForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/accounts.html", {"form": form, "principal": principal}, status=400)
    d = form.cleaned_data
    client_id = d["client"]
    if principal.client_ids is not None and (client_id is None or not principal.sees_client(client_id)):
        raise Http404("no such client")
    count, snaps = selectors.drill_accounts(
        organization_id=principal.organization_id,
        as_of=d["as_of"],
        client_id=client_id,
        collector_id=d["collector"],
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
            "client": refs.get(s.account_id, {}).get("client__name", ""),
            "balance": s.balance_principal + s.balance_interest + s.balance_fees + s.balance_costs,
        }
        for s in snaps
    ]
    return render(
        request,
        "reports/accounts.html",
        {"form": form, "principal": principal, "count": count, "rows": rows, "filters": d},
    )


@require_GET
@staff_view()
def drill_payments(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = PaymentDrillForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/payments.html", {"form": form, "principal": principal}, status=400)
    d = form.cleaned_data
    if principal.client_ids is not None and (d["client"] is None or not principal.sees_client(d["client"])):
        raise Http404("no such client")
    rows = payments_reporting.payment_rows(
        organization_id=principal.organization_id,
        since=d["since"],
        through=d["until"],
        client_id=d["client"],
        method=d["method"],
    )
    return render(
        request, "reports/payments.html", {"form": form, "principal": principal, "rows": rows, "filters": d}
    )


@require_POST
@staff_view("manage")
def layout_save(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = LayoutForm(request.POST)
    if not form.is_valid():
        return render(
            request, "reports/layout_error.html", {"form": form, "principal": principal}, status=400
        )
    dashboard_layout_save(
        user_id=principal.user_id or 0,
        organization_id=principal.organization_id,
        dashboard=form.cleaned_data["dashboard"],
        widgets=form.widgets(),
    )
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/reports/") else reverse("reports:org"))


@require_GET
@staff_view()
def notifications(request: HttpRequest, principal: Principal) -> HttpResponse:
    rows = selectors.notifications_for(
        user_id=principal.user_id or 0, organization_id=principal.organization_id
    )
    return render(request, "reports/notifications.html", {"principal": principal, "rows": rows})
