"""Scheduled reports and alerts: render a dashboard as PDF (WeasyPrint) or XLSX (openpyxl), send it,
and fire alert rules at most once per period."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from weasyprint import HTML

from arrears.accounts import reporting as accounts_reporting
from arrears.compliance import reporting as compliance_reporting
from arrears.core.spreadsheet import xlsx_bytes
from arrears.payments import reporting as payments_reporting
from arrears.tenancy.selectors import client_list, organization_get, organization_member_ids

from . import selectors
from .choices import KPI_LABELS
from .domain import cadence
from .models import AlertFiring, AlertRule, Notification, ReportSchedule

MAILER = "default"


def report_data(
    *,
    organization_id: int,
    as_of: date,
    client_id: int = 0,
    collector_id: int = 0,
    kpi_keys: list[str] | None = None,
) -> dict[str, Any]:
    """What a scheduled report shows: the dashboard's key figures (only `kpi_keys` when given), aging,
    and placement cohorts; a collector's report shows that collector's performance and accounts."""
    org = organization_get(organization_id=organization_id)
    client = client_list(organization_id=organization_id).filter(id=client_id).first() if client_id else None
    figures, _ = selectors.figures_for(
        organization_id=organization_id, as_of=as_of, client_id=client_id or None
    )
    day = selectors.snapshot_day(organization_id=organization_id, as_of=as_of)
    ages = selectors.aging(
        organization_id=organization_id,
        day=day,
        client_id=client_id or None,
        collector_id=collector_id or None,
    )
    title = client.name if client else org.name
    stored: dict[str, Any] = figures["kpis"]
    # the dashboard's order, whatever order the database kept the keys in (PostgreSQL's jsonb sorts them)
    order = [k for k in KPI_LABELS if k in stored] + sorted(k for k in stored if k not in KPI_LABELS)
    kpis = {k: stored[k] for k in order if not kpi_keys or k in kpi_keys}
    if collector_id:
        since = as_of - timedelta(days=selectors.PERIOD_DAYS - 1)
        rows = selectors.collector_performance(organization_id=organization_id, since=since, through=as_of)
        mine = next((r for r in rows if r["user_id"] == collector_id), None)
        name = get_user_model().objects.filter(pk=collector_id).values_list("username", flat=True).first()
        title = f"Collector {name}"
        kpis = {}
        if mine is not None:
            f = mine["figures"]
            kpis = {
                "hours_worked": f.hours,
                "contacts": f.contacts,
                "right_party_contacts": f.right_party_contacts,
                "promises": f.promises,
                "collected": f.collected,
                **{f"{k}_per_hour": round(float(v), 2) for k, v in mine["per_hour"].items()},
            }
    return {
        "title": title,
        "as_of": as_of,
        "figures": {**figures, "kpis": kpis},
        "aging": [(b, v["accounts"], v["balance"]) for b, v in ages.items()],
    }


def report_pdf(data: dict[str, Any]) -> bytes:
    pdf: bytes = HTML(string=render_to_string("reports/report_pdf.html", data)).write_pdf()
    return pdf


def report_xlsx(data: dict[str, Any]) -> bytes:
    return xlsx_bytes(
        {
            "KPIs": [
                ["KPI", "value", "as of", data["as_of"].isoformat()],
                *([key, value] for key, value in data["figures"]["kpis"].items()),
            ],
            "Aging": [
                ["bucket", "accounts", "balance"],
                *([b, n, balance] for b, n, balance in data["aging"]),
            ],
            "Cohorts": [
                ["cohort", "accounts", "placed", "collected", "liquidation_rate"],
                *(
                    [c["cohort"], c["accounts"], c["placed"], c["collected"], c["liquidation_rate"]]
                    for c in data["figures"].get("cohorts", [])
                ),
            ],
        }
    )


def _emails(organization_id: int, user_ids: list[int]) -> list[tuple[int, str]]:
    members = organization_member_ids(organization_id)
    users = get_user_model().objects.filter(id__in=[u for u in user_ids if u in members])
    return [(u.pk, u.email) for u in users if u.email]


def schedule_send(schedule: ReportSchedule, *, as_of: date, label: str) -> bool:
    """Render the schedule's report as of `as_of` and email it to its recipients (those still members
    with an address). False when nobody is left to send it to."""
    data = report_data(
        organization_id=schedule.organization_id,
        as_of=as_of,
        client_id=schedule.client_id,
        collector_id=schedule.collector_id,
        kpi_keys=list(schedule.kpis or []),
    )
    if schedule.format == "pdf":
        content, mime, ext = report_pdf(data), "application/pdf", "pdf"
    else:
        content = report_xlsx(data)
        mime, ext = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    to = [email for _, email in _emails(schedule.organization_id, list(schedule.recipients))]
    if not to:
        return False
    message = EmailMessage(
        subject=f"{schedule.name}: {data['title']} as of {as_of.isoformat()}",
        body=f"The {label} report {schedule.name!r} is attached (figures as of {as_of}).",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach(f"report-{as_of.isoformat()}.{ext}", content, mime)
    message.send(using=MAILER)
    return True


def schedules_send_due(*, organization_id: int, now: datetime) -> int:
    """Send every schedule whose send time (its cadence, in the organization's time zone) has come and
    whose day is not sent yet; a send missed while no worker ran is caught up within a day. A schedule
    is claimed with a conditional UPDATE before it is sent, so two workers never both send it. Returns
    the number sent."""
    tz = organization_get(organization_id=organization_id).timezone
    sent = 0
    for schedule in ReportSchedule.objects.filter(organization_id=organization_id, active=True):
        day = cadence.due(
            frequency=schedule.frequency,
            at=schedule.send_at,
            tz=tz,
            now=now,
            last_sent_on=schedule.last_sent_on,
            active_since=schedule.active_since,
            weekday=schedule.weekday,
            day_of_month=schedule.day_of_month,
        )
        if day is None:
            continue
        claimed = (
            ReportSchedule.objects.filter(pk=schedule.pk, active=True)
            .filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=day))
            .update(last_sent_on=day, last_sent_at=now)
        )
        if not claimed:
            continue
        try:
            # yesterday's books: the last complete day
            done = schedule_send(schedule, as_of=day - timedelta(days=1), label=schedule.frequency)
        except Exception:
            # not sent: release the claim so the next run tries again
            ReportSchedule.objects.filter(pk=schedule.pk).update(
                last_sent_on=schedule.last_sent_on, last_sent_at=schedule.last_sent_at
            )
            raise
        sent += int(done)
    return sent


def schedule_send_requested(*, schedule_id: int, requested: datetime, now: datetime) -> bool:
    """ "Send now": send the schedule's report of the organization's yesterday, once per request. The
    request's stamp is cleared by a conditional UPDATE; only the run that clears it sends."""
    claimed = ReportSchedule.objects.filter(pk=schedule_id, send_requested_at=requested).update(
        send_requested_at=None
    )
    if not claimed:
        return False
    schedule = ReportSchedule.objects.get(pk=schedule_id)
    tz = organization_get(organization_id=schedule.organization_id).timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    try:
        done = schedule_send(schedule, as_of=today - timedelta(days=1), label="requested")
    except Exception:
        ReportSchedule.objects.filter(pk=schedule_id, send_requested_at__isnull=True).update(
            send_requested_at=requested
        )
        raise
    if done:
        ReportSchedule.objects.filter(pk=schedule_id).update(last_sent_at=now)
    return done


def period_key(period: str, day: date) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def period_start(period: str, day: date) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _condition(rule: AlertRule, *, today: date, now: datetime) -> str | None:
    """The alert's message when the rule's condition holds, else None."""
    start = period_start(rule.period, today)
    client_id = rule.client_id or None
    if rule.kind in ("kpi_below", "kpi_above"):
        days = (today - start).days + 1
        figures = selectors.kpis_compute(
            organization_id=rule.organization_id, as_of=today, client_id=client_id, period_days=days
        )
        value = figures["kpis"].get(rule.kpi)
        if value is None:
            return None
        below = Decimal(str(value)) < rule.threshold
        if (rule.kind == "kpi_below") == below:
            side = "below" if below else "above"
            return f"{rule.name}: {rule.kpi} is {value} ({side} {rule.threshold}) this {rule.period}"
        return None
    if rule.kind == "payment_over":
        since = datetime.combine(start, datetime.min.time(), tzinfo=now.tzinfo)
        big = payments_reporting.large_payments(
            organization_id=rule.organization_id, since=since, threshold=rule.threshold
        )
        if client_id:
            rows = accounts_reporting.account_rows(
                organization_id=rule.organization_id, ids=[p["account_id"] for p in big]
            )
            big = [p for p in big if rows.get(p["account_id"], {}).get("client_id") == client_id]
        if big:
            p = big[0]
            return (
                f"{rule.name}: a payment of {p['amount']:.2f} {p['currency']} on account #{p['account_id']} "
                f"({len(big)} over {rule.threshold} this {rule.period})"
            )
        return None
    since = datetime.combine(start, datetime.min.time(), tzinfo=now.tzinfo)
    disputes = compliance_reporting.disputes_placed_since(organization_id=rule.organization_id, since=since)
    if client_id:
        rows = accounts_reporting.account_rows(
            organization_id=rule.organization_id, ids=[a for _, a in disputes]
        )
        disputes = [(h, a) for h, a in disputes if rows.get(a, {}).get("client_id") == client_id]
    if disputes:
        return (
            f"{rule.name}: {len(disputes)} dispute(s) this {rule.period}, first on account #{disputes[0][1]}"
        )
    return None


def alerts_evaluate(*, organization_id: int, today: date, now: datetime) -> int:
    """Fire every active rule whose condition holds, at most once per rule and period: the firing row's
    unique key (rule, period) is written first, and only the writer of that row notifies. Returns the
    number of rules fired."""
    fired = 0
    for rule in AlertRule.objects.filter(organization_id=organization_id, active=True):
        message = _condition(rule, today=today, now=now)
        if message is None:
            continue
        try:
            with transaction.atomic():
                AlertFiring.objects.create(
                    rule=rule, period_key=period_key(rule.period, today), fired_at=now, message=message
                )
                recipients = _emails(organization_id, list(rule.recipients))
                member_ids = [u for u in rule.recipients if u in organization_member_ids(organization_id)]
                Notification.objects.bulk_create(
                    [
                        Notification(
                            organization_id=organization_id,
                            user_id=u,
                            text=message,
                            link="/reports/",
                            created_at=now,
                        )
                        for u in member_ids
                    ]
                )
        except IntegrityError:
            continue  # already fired this period
        if recipients:
            EmailMessage(
                subject=f"Alert: {rule.name}",
                body=message,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email for _, email in recipients],
            ).send(using=MAILER)
        fired += 1
    return fired
