"""Scheduled reports reach a real SMTP server and open as PDF and XLSX; an alert fires once per period."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from arrears.core.money import Money
from arrears.payments.services.posting import payment_post
from arrears.reports.delivery import alerts_evaluate, schedules_send_due
from arrears.reports.models import AlertFiring, AlertRule, Notification, ReportSchedule
from arrears.reports.services import snapshots_take
from arrears.tenancy.choices import Role


def _setup(org, system, make_account, make_user):
    account = make_account(
        reference="BIG-1",
        principal=Decimal("20000.00"),
        placed_on=date(2026, 10, 1),
        itemization_date=date(2026, 10, 1),
    )
    manager = make_user(org, Role.MANAGER, username="mgr")
    manager.email = "mgr@example.com"
    manager.save(update_fields=["email"])
    snapshots_take(organization_id=org.pk, as_of=date(2026, 11, 29))
    return account, manager


@pytest.mark.django_db(transaction=True)
def test_scheduled_reports_are_emailed_once_and_open_as_pdf_and_xlsx(
    smtp_server, org, system, make_account, make_user
):
    # given
    _, manager = _setup(org, system, make_account, make_user)
    for fmt in ("pdf", "xlsx"):
        ReportSchedule.objects.create(
            organization_id=org.pk,
            name=f"Weekly {fmt}",
            format=fmt,
            frequency="weekly",
            recipients=[manager.pk],
        )
    ReportSchedule.objects.create(
        organization_id=org.pk, name="Monthly", format="pdf", frequency="monthly", recipients=[manager.pk]
    )

    # when: Monday 30 November at 08:00 in New York (the default send time is 07:00 local), twice
    monday_morning = datetime(2026, 11, 30, 13, tzinfo=UTC)
    first = schedules_send_due(organization_id=org.pk, now=monday_morning)
    second = schedules_send_due(organization_id=org.pk, now=monday_morning)

    # then: the two weekly reports, once; the monthly one waits for the 1st
    assert (first, second) == (2, 0)
    messages = smtp_server.messages
    assert len(messages) == 2 and all(m["To"] == "mgr@example.com" for m in messages)
    attachments = {a.get_filename(): a.get_content() for m in messages for a in m.iter_attachments()}
    pdf = attachments["report-2026-11-29.pdf"]
    xlsx = attachments["report-2026-11-29.xlsx"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "liquidation_rate" in text and "Aging" in text
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["KPIs", "Aging", "Cohorts"]
    kpi_rows = {row[0]: row[1] for row in book["KPIs"].iter_rows(min_row=2, values_only=True)}
    assert "liquidation_rate" in kpi_rows and "dso_countback" in kpi_rows
    assert [row[0] for row in book["Aging"].iter_rows(min_row=2, values_only=True)][0] == "current"


@pytest.mark.django_db(transaction=True)
def test_an_alert_fires_once_per_period_in_the_app_and_by_email(
    smtp_server, org, system, make_account, make_user
):
    # given: "a payment of more than 10,000" and "liquidation rate this week below 4 %"
    account, manager = _setup(org, system, make_account, make_user)
    big = AlertRule.objects.create(
        organization_id=org.pk,
        name="Big payment",
        kind="payment_over",
        threshold=Decimal(10000),
        period="week",
        recipients=[manager.pk],
    )
    low = AlertRule.objects.create(
        organization_id=org.pk,
        name="Low liquidation",
        kind="kpi_below",
        kpi="liquidation_rate",
        threshold=Decimal("0.04"),
        period="week",
        recipients=[manager.pk],
    )
    now = datetime(2026, 12, 1, 18, tzinfo=UTC)

    # when: nothing yet; then a payment of 12,000 and two evaluations in the same week
    before = alerts_evaluate(organization_id=org.pk, today=date(2026, 12, 1), now=now)
    payment_post(
        account=account,
        amount=Money(Decimal("12000.00"), "USD"),
        method="ach",
        received_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
        actor=system,
        idempotency_key="big-1",
    )
    once = alerts_evaluate(organization_id=org.pk, today=date(2026, 12, 1), now=now)
    again = alerts_evaluate(organization_id=org.pk, today=date(2026, 12, 2), now=now)

    # then: liquidation (0 %) was below 4 % before the payment and fired then, once; the payment fired once
    assert (before, once, again) == (1, 1, 0)
    assert AlertFiring.objects.filter(rule=low).count() == 1
    assert AlertFiring.objects.filter(rule=big).count() == 1
    assert Notification.objects.filter(user=manager).count() == 2
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == ["Alert: Big payment", "Alert: Low liquidation"]
