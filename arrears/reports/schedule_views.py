"""Managers set up scheduled reports and alert rules here (`/reports/schedules/`, `/reports/alerts/`).

Each view parses its input with a form, calls one service or selector, and renders; a service's error is
shown next to the field it concerns (400). Only managers and admins reach them (`staff_view("manage")`):
a collector or a client viewer gets 403 before any lookup, and another organization's id is a 404. The
row actions (pause, send now, delete) answer htmx with the row itself, and anything else with a redirect
to the list.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.tenancy.auth import staff_view
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list, memberships_list, organization_get

from . import selectors, services
from .choices import KPI_LABELS, RATE_KPIS, AlertKind
from .delivery import period_key, period_start
from .domain import cadence
from .forms import AlertForm, ScheduleForm
from .models import AlertRule, ReportSchedule

FIELD_OF = {"client": "dashboard", "collector": "dashboard"}


class _People:
    """The organization's members and clients, read once per request, for forms and labels."""

    def __init__(self, principal: Principal) -> None:
        self.memberships = list(memberships_list(organization_id=principal.organization_id))
        self.by_email = {m.user.email.lower(): m.user_id for m in self.memberships if m.user.email}
        self.email_of = {m.user_id: m.user.email for m in self.memberships}
        self.name_of = {m.user_id: m.user.get_username() for m in self.memberships}
        self.clients = [(c.pk, c.name) for c in client_list(organization_id=principal.organization_id)]
        self.client_name = dict(self.clients)
        self.collectors = [
            (m.user_id, m.user.get_username())
            for m in self.memberships
            if m.role in (Role.COLLECTOR, Role.MANAGER, Role.ADMIN)
        ]

    def form_kwargs(self) -> dict[str, Any]:
        return {"members": self.by_email, "clients": self.clients}

    def emails(self, user_ids: list[int]) -> list[str]:
        return [self.email_of.get(u) or f"user #{u} (no longer a member)" for u in user_ids]

    def scope(self, client_id: int, collector_id: int = 0) -> str:
        if client_id:
            return f"Client: {self.client_name.get(client_id, f'#{client_id}')}"
        if collector_id:
            return f"Collector: {self.name_of.get(collector_id, f'#{collector_id}')}"
        return "The organization"


def _service_error(form: Any, exc: ArrearsError) -> None:
    field = str(exc.details.get("field", ""))
    if field not in form.fields:
        field = FIELD_OF.get(field, field)
    form.add_error(field if field in form.fields else None, exc.message)


# --- scheduled reports ---------------------------------------------------------------------------------


def _schedule_row(schedule: ReportSchedule, people: _People, tz: str) -> dict[str, Any]:
    now = utcnow()
    nxt = selectors.report_schedule_next(schedule, tz=tz, now=now)
    return {
        "s": schedule,
        "scope": people.scope(schedule.client_id, schedule.collector_id),
        "cadence": cadence.describe(
            frequency=schedule.frequency,
            at=schedule.send_at,
            weekday=schedule.weekday,
            day_of_month=schedule.day_of_month,
        ),
        "next": nxt,
        "due_now": nxt is not None and nxt == now,
        "recipients": people.emails(list(schedule.recipients or [])),
        "kpis": [KPI_LABELS.get(k, k) for k in schedule.kpis or []],
    }


@require_GET
@staff_view("manage")
def schedule_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    people = _People(principal)
    rows = [
        _schedule_row(s, people, org.timezone)
        for s in selectors.report_schedules_list(organization_id=org.pk)
    ]
    return render(request, "reports/schedules.html", {"rows": rows, "tz": org.timezone})


@staff_view("manage")
def schedule_edit(request: HttpRequest, principal: Principal, pk: int | None = None) -> HttpResponse:
    """A new scheduled report (no pk), or a change to one."""
    org = organization_get(organization_id=principal.organization_id)
    current = selectors.report_schedule_get(organization_id=org.pk, pk=pk) if pk else None
    people = _People(principal)
    kwargs = {**people.form_kwargs(), "collectors": people.collectors}
    status = 200
    if request.method == "POST":
        form = ScheduleForm(request.POST, **kwargs)
        if form.is_valid():
            d = form.cleaned_data
            client_id, collector_id = form.scope()
            try:
                saved = services.report_schedule_save(
                    actor=principal,
                    schedule=current,
                    name=d["name"],
                    format=d["format"],
                    frequency=d["frequency"],
                    send_at=d["send_at"],
                    weekday=d["weekday"],
                    day_of_month=d["day_of_month"],
                    client_id=client_id,
                    collector_id=collector_id,
                    kpis=d["kpis"],
                    recipients=d["recipients"],
                    now=utcnow(),
                )
            except ArrearsError as exc:
                _service_error(form, exc)
            else:
                nxt = selectors.report_schedule_next(saved, tz=org.timezone, now=utcnow())
                local = nxt.astimezone(ZoneInfo(org.timezone)) if nxt else None
                when = f" Next: {local:%Y-%m-%d %H:%M} ({org.timezone})." if local else ""
                messages.success(request, f"Saved the scheduled report {saved.name!r}.{when}")
                return redirect("reports:schedules")
        status = 400
    elif current is not None:
        scope = (
            f"client:{current.client_id}"
            if current.client_id
            else f"collector:{current.collector_id}"
            if current.collector_id
            else "org"
        )
        form = ScheduleForm(
            initial={
                "name": current.name,
                "dashboard": scope,
                "kpis": list(current.kpis or []),
                "format": current.format,
                "frequency": current.frequency,
                "send_at": current.send_at,
                "weekday": current.weekday,
                "day_of_month": current.day_of_month,
                "recipients": "\n".join(
                    people.email_of[u] for u in current.recipients or [] if people.email_of.get(u)
                ),
            },
            **kwargs,
        )
    else:
        form = ScheduleForm(initial={"format": "pdf", "frequency": "weekly"}, **kwargs)
    context = {
        "form": form,
        "schedule": current,
        "tz": org.timezone,
        "row": _schedule_row(current, people, org.timezone) if current else None,
        "members": [m for m in people.memberships if m.user.email],
    }
    return render(request, "reports/schedule_edit.html", context, status=status)


def _say(request: HttpRequest, level: int, text: str) -> None:
    """A message for the list page a plain form post lands on (htmx swaps the row instead)."""
    if not request.htmx:  # type: ignore[attr-defined]
        messages.add_message(request, level, text)


def _row_or_list(
    request: HttpRequest, template: str, row: dict[str, Any] | None, target: str, tz: str
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        if row is None:
            return HttpResponse("")  # the row is gone
        return render(request, template, {"row": row, "tz": tz})
    return redirect(target)


@require_POST
@staff_view("manage")
def schedule_pause(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    schedule = selectors.report_schedule_get(organization_id=org.pk, pk=pk)
    schedule = services.report_schedule_pause(
        actor=principal, schedule=schedule, active=not schedule.active, now=utcnow()
    )
    verb = "Resumed" if schedule.active else "Paused"
    _say(request, messages.SUCCESS, f"{verb} {schedule.name!r}.")
    row = _schedule_row(schedule, _People(principal), org.timezone)
    return _row_or_list(request, "reports/_schedule_row.html", row, "reports:schedules", org.timezone)


@require_POST
@staff_view("manage")
def schedule_send(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    schedule = selectors.report_schedule_get(organization_id=org.pk, pk=pk)
    try:
        schedule = services.report_schedule_send_now(actor=principal, schedule=schedule, now=utcnow())
    except ArrearsError as exc:
        _say(request, messages.ERROR, exc.message)
    else:
        _say(request, messages.SUCCESS, f"{schedule.name!r} is being sent now (yesterday's figures).")
    row = _schedule_row(schedule, _People(principal), org.timezone)
    row["notice"] = "Sending…" if schedule.send_requested_at else ""
    return _row_or_list(request, "reports/_schedule_row.html", row, "reports:schedules", org.timezone)


@require_POST
@staff_view("manage")
def schedule_delete(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    schedule = selectors.report_schedule_get(organization_id=org.pk, pk=pk)
    services.report_schedule_delete(actor=principal, schedule=schedule)
    _say(request, messages.SUCCESS, f"Deleted the scheduled report {schedule.name!r}.")
    return _row_or_list(request, "", None, "reports:schedules", org.timezone)


# --- alert rules ---------------------------------------------------------------------------------------


def _condition(rule: AlertRule) -> str:
    if rule.kind in (AlertKind.KPI_BELOW, AlertKind.KPI_ABOVE):
        side = "below" if rule.kind == AlertKind.KPI_BELOW else "above"
        shown = rule.threshold.normalize()
        value = f"{shown:f}" + (f" ({shown * 100:f} %)" if rule.kpi in RATE_KPIS else "")
        return f"{KPI_LABELS.get(rule.kpi, rule.kpi)} {side} {value} over the {rule.period}"
    if rule.kind == AlertKind.PAYMENT_OVER:
        return f"A payment of more than {rule.threshold.normalize():f}"
    return "A dispute"


def _alert_row(rule: AlertRule, people: _People, tz: str, last: Any) -> dict[str, Any]:
    today = utcnow().astimezone(ZoneInfo(tz)).date()
    key = period_key(rule.period, today)
    start = period_start(rule.period, today)
    if rule.period == "day":
        following = start + timedelta(days=1)
    elif rule.period == "week":
        following = start + timedelta(days=7)
    else:
        following = (start + timedelta(days=32)).replace(day=1)
    return {
        "r": rule,
        "condition": _condition(rule),
        "scope": people.scope(rule.client_id),
        "recipients": people.emails(list(rule.recipients or [])),
        "last": last,
        "fired_this_period": last is not None and last.period_key == key,
        "period_started": start,
        "next_period": following,
    }


@require_GET
@staff_view("manage")
def alert_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    people = _People(principal)
    rules = selectors.alert_rules_list(organization_id=org.pk)
    latest = selectors.alert_firings_latest(rule_ids=[r.pk for r in rules])
    rows = [_alert_row(r, people, org.timezone, latest.get(r.pk)) for r in rules]
    return render(request, "reports/alerts.html", {"rows": rows, "tz": org.timezone})


@staff_view("manage")
def alert_edit(request: HttpRequest, principal: Principal, pk: int | None = None) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    current = selectors.alert_rule_get(organization_id=org.pk, pk=pk) if pk else None
    people = _People(principal)
    status = 200
    if request.method == "POST":
        form = AlertForm(request.POST, **people.form_kwargs())
        if form.is_valid():
            d = form.cleaned_data
            try:
                saved = services.alert_rule_save(
                    actor=principal,
                    rule=current,
                    name=d["name"],
                    kind=d["kind"],
                    kpi=d["kpi"],
                    threshold=d["threshold"] if d["threshold"] is not None else Decimal(0),
                    client_id=d["client"],
                    period=d["period"],
                    recipients=d["recipients"],
                )
            except ArrearsError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, f"Saved the alert {saved.name!r}.")
                return redirect("reports:alerts")
        status = 400
    elif current is not None:
        form = AlertForm(
            initial={
                "name": current.name,
                "kind": current.kind,
                "kpi": current.kpi,
                "threshold": current.threshold.normalize(),
                "client": current.client_id,
                "period": current.period,
                "recipients": "\n".join(
                    people.email_of[u] for u in current.recipients or [] if people.email_of.get(u)
                ),
            },
            **people.form_kwargs(),
        )
    else:
        form = AlertForm(initial={"kind": AlertKind.KPI_BELOW, "period": "week"}, **people.form_kwargs())
    firings = selectors.alert_firings(rule=current) if current else []
    context = {
        "form": form,
        "rule": current,
        "tz": org.timezone,
        "firings": firings,
        "row": _alert_row(current, people, org.timezone, firings[0] if firings else None)
        if current
        else None,
        "members": [m for m in people.memberships if m.user.email],
    }
    return render(request, "reports/alert_edit.html", context, status=status)


@require_POST
@staff_view("manage")
def alert_pause(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    rule = selectors.alert_rule_get(organization_id=org.pk, pk=pk)
    rule = services.alert_rule_pause(actor=principal, rule=rule, active=not rule.active)
    _say(request, messages.SUCCESS, f"{'Resumed' if rule.active else 'Paused'} {rule.name!r}.")
    latest = selectors.alert_firings_latest(rule_ids=[rule.pk]).get(rule.pk)
    row = _alert_row(rule, _People(principal), org.timezone, latest)
    return _row_or_list(request, "reports/_alert_row.html", row, "reports:alerts", org.timezone)


@require_POST
@staff_view("manage")
def alert_delete(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    org = organization_get(organization_id=principal.organization_id)
    rule = selectors.alert_rule_get(organization_id=org.pk, pk=pk)
    services.alert_rule_delete(actor=principal, rule=rule)
    _say(request, messages.SUCCESS, f"Deleted the alert {rule.name!r}.")
    return _row_or_list(request, "", None, "reports:alerts", org.timezone)
