"""Scoring's pages: the work queue with "next account", the model report (and its PDF), the forecast."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from arrears.core.clock import utcnow
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list, organization_get

from . import charts
from .forms import ForecastForm, QueueForm, ReportForm
from .queueing import queue_next
from .selectors import forecast, model_get, model_list, work_queue
from .services import model_current, organization_today
from .tasks import scoring_retrain_task


def _bad(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400)


@require_GET
@staff_view("work")
def queue(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = QueueForm(request.GET)
    if not form.is_valid():
        return _bad(request, "scoring/queue.html", {"form": form, "queue": None})
    limit = form.cleaned_data.get("limit") or 25
    assert principal.user_id is not None
    result = work_queue(principal=principal, user_id=principal.user_id, at=utcnow(), limit=limit)
    zone = ZoneInfo(organization_get(organization_id=principal.organization_id).timezone)
    later = [
        (row, row.contactable_at.astimezone(zone) if row.contactable_at else None)
        for row in result.later[:limit]
    ]
    return render(
        request, "scoring/queue.html", {"form": form, "queue": result, "later": later, "limit": limit}
    )


@require_POST
@staff_view("work")
def next_account(request: HttpRequest, principal: Principal) -> HttpResponse:
    assert principal.user_id is not None
    account_id = queue_next(principal=principal, user_id=principal.user_id, at=utcnow())
    if account_id is None:
        messages.info(request, "Your queue is empty: nothing can be called now.")
        return redirect("scoring:queue")
    return redirect(reverse("workbench:account_detail", args=[account_id]))


def _report_context(principal: Principal, version: int | None) -> dict[str, Any] | None:
    org_id = principal.organization_id
    model = (
        model_get(organization_id=org_id, version=version)
        if version
        else model_current(organization_id=org_id)
    )
    if model is None:
        return None
    m = model.metrics
    return {
        "model": model,
        "m": m,
        "versions": model_list(organization_id=org_id),
        "calibration_svg": charts.calibration_svg(m.get("calibration") or []),
        "capture_svg": charts.capture_svg(m.get("capture") or [(0, 0), (1, 1)]),
        "features": model.params.get("names", []),
        "coef": sorted(
            zip(model.params.get("names", []), model.params.get("coef", []), strict=False),
            key=lambda nc: -abs(nc[1]),
        )[:12],
        "organization": organization_get(organization_id=org_id),
        "trained_on": [
            c.name for c in client_list(organization_id=org_id) if c.pk in (m.get("trained_on_clients") or ())
        ],
    }


@require_GET
@staff_view("manage")
def report(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = ReportForm(request.GET)
    if not form.is_valid():
        return _bad(request, "scoring/report.html", {"form": form})
    context = _report_context(principal, form.cleaned_data.get("version"))
    if context is None and form.cleaned_data.get("version"):
        form.add_error("version", "No model has this version.")
        return render(request, "scoring/report.html", {"form": form}, status=404)
    return render(request, "scoring/report.html", {"form": form, **(context or {})})


@require_GET
@staff_view("manage")
def report_pdf(request: HttpRequest, principal: Principal) -> HttpResponse:
    from weasyprint import HTML

    form = ReportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(f"version: {form.errors.as_text()}", status=400, content_type="text/plain")
    context = _report_context(principal, form.cleaned_data.get("version"))
    if context is None:
        return HttpResponse("No model has been trained yet.", status=404)
    html = render_to_string("scoring/report_pdf.html", {**context, "generated_at": utcnow()})
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="model-v{context["model"].version}.pdf"'
    return response


@require_POST
@staff_view("manage")
def retrain(request: HttpRequest, principal: Principal) -> HttpResponse:
    scoring_retrain_task.enqueue(organization_id=principal.organization_id)
    messages.info(request, "Retraining is queued: the new version appears here when the worker has run it.")
    return redirect("scoring:report")


@require_GET
@staff_view("manage")
def forecast_view(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = ForecastForm(request.GET)
    if not form.is_valid():
        return _bad(request, "scoring/forecast.html", {"form": form})
    weeks = form.cleaned_data.get("weeks") or 13
    today = organization_today(organization_id=principal.organization_id, at=utcnow())
    result = forecast(organization_id=principal.organization_id, weeks=weeks, as_of=today, start=today)
    model = model_current(organization_id=principal.organization_id)
    svg = charts.forecast_svg(
        [(w.week_start.isoformat(), float(w.expected), float(w.low), float(w.high)) for w in result]
    )
    total = sum((w.expected for w in result), start=Decimal(0))
    return render(
        request,
        "scoring/forecast.html",
        {"form": form, "weeks": result, "svg": svg, "total": total, "model": model, "n_weeks": weeks},
    )
