"""Scheduled reports and alerts: render a dashboard as PDF (WeasyPrint) or XLSX (openpyxl), send it,
and fire alert rules at most once per period."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from weasyprint import HTML

from arrears.compliance import reporting as compliance_reporting
from arrears.core.spreadsheet import xlsx_bytes
from arrears.payments import reporting as payments_reporting
from arrears.tenancy.selectors import client_list, organization_get, organization_member_ids

from . import selectors
from .models import AlertFiring, AlertRule, Notification, ReportSchedule

MAILER = "default"


def report_data(*, organization_id: int, as_of: date, client_id: int = 0) -> dict[str, Any]:
    org = organization_get(organization_id=organization_id)
    client = client_list(organization_id=organization_id).filter(id=client_id).first() if client_id else None
    figures, _ = selectors.figures_for(
        organization_id=organization_id, as_of=as_of, client_id=client_id or None
    )
    day = selectors.snapshot_day(organization_id=organization_id, as_of=as_of)
    ages = selectors.aging(organization_id=organization_id, day=day, client_id=client_id or None)
    return {
        "title": client.name if client else org.name,
        "as_of": as_of,
        "figures": figures,
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


def schedule_due(schedule: ReportSchedule, today: date) -> bool:
    """Daily: not yet sent today. Weekly: Mondays. Monthly: the 1st."""
    if not schedule.active or schedule.last_sent_on == today:
        return False
    if schedule.frequency == "weekly":
        return today.weekday() == 0
    if schedule.frequency == "monthly":
        return today.day == 1
    return True


def schedules_send_due(*, organization_id: int, today: date) -> int:
    """Send every schedule due today, each at most once a day: a schedule is claimed with a conditional
    UPDATE before it is sent, so two workers never both send it. Returns the number sent."""
    sent = 0
    as_of = today - timedelta(days=1)  # yesterday's books: the last complete day
    for schedule in ReportSchedule.objects.filter(organization_id=organization_id, active=True):
        if not schedule_due(schedule, today):
            continue
        claimed = (
            ReportSchedule.objects.filter(pk=schedule.pk)
            .exclude(last_sent_on=today)
            .update(last_sent_on=today)
        )
        if not claimed:
            continue
        data = report_data(organization_id=organization_id, as_of=as_of, client_id=schedule.client_id)
        if schedule.format == "pdf":
            content, mime, ext = report_pdf(data), "application/pdf", "pdf"
        else:
            content = report_xlsx(data)
            mime, ext = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
        to = [email for _, email in _emails(organization_id, list(schedule.recipients))]
        if not to:
            continue
        message = EmailMessage(
            subject=f"{schedule.name}: {data['title']} as of {as_of.isoformat()}",
            body=f"The {schedule.frequency} report {schedule.name!r} is attached (figures as of {as_of}).",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
        )
        message.attach(f"report-{as_of.isoformat()}.{ext}", content, mime)
        try:
            message.send(using=MAILER)
        except Exception:
            # not sent: release the claim so the next run tries again
            ReportSchedule.objects.filter(pk=schedule.pk).update(last_sent_on=schedule.last_sent_on)
            raise
        sent += 1
    return sent


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
        from arrears.accounts import reporting as accounts_reporting

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
