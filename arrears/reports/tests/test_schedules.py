"""Managers set up scheduled reports and alert rules in the workbench: the services (validated, atomic,
audited), the pages (managers only, errors next to fields, another tenant's id a 404), and the real
thing: a report scheduled through the page reaches the SMTP server with its attachment, "send now"
too, and an alert made through the page fires once."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from arrears.audit.models import AuditEvent
from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.payments.services.posting import payment_post
from arrears.reports import services
from arrears.reports.delivery import alerts_evaluate, schedules_send_due
from arrears.reports.models import AlertFiring, AlertRule, Notification, ReportSchedule
from arrears.reports.services import snapshots_take
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # Monday 07:00 in New York


@pytest.fixture
def people(org, client_, make_user):
    def user(role, name, clients=None):
        u = make_user(org, role, username=name, clients=clients)
        u.email = f"{name}@example.com"
        u.save(update_fields=["email"])
        return u

    manager = user(Role.MANAGER, "mgr")
    return {
        "manager": manager,
        "collector": user(Role.COLLECTOR, "col"),
        "viewer": user(Role.CLIENT_VIEWER, "viewer", clients=[client_]),
        "actor": Principal(organization_id=org.pk, role=Role.MANAGER, user_id=manager.pk, label="mgr"),
    }


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _schedule(actor, recipients, **extra):
    spec = {
        "actor": actor,
        "schedule": None,
        "name": "Weekly book",
        "format": "pdf",
        "frequency": "weekly",
        "send_at": time(7),
        "recipients": recipients,
        "now": NOW,
    }
    return services.report_schedule_save(**{**spec, **extra})


# --- services ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_schedule_is_created_edited_paused_and_deleted_each_audited(org, people):
    # given
    actor = people["actor"]

    # when
    made = _schedule(actor, [people["manager"].pk], kpis=["liquidation_rate", "dso_countback"])
    edited = services.report_schedule_save(
        actor=actor, schedule=made, name="Daily book", format="xlsx", frequency="daily",
        send_at=time(6, 30), recipients=[people["manager"].pk, people["collector"].pk], now=NOW,
    )  # fmt: skip
    paused = services.report_schedule_pause(actor=actor, schedule=edited, active=False, now=NOW)
    services.report_schedule_delete(actor=actor, schedule=paused)

    # then
    assert (edited.pk, edited.format, edited.send_at, edited.kpis) == (made.pk, "xlsx", time(6, 30), [])
    assert paused.active is False
    assert not ReportSchedule.objects.exists()
    events = list(
        AuditEvent.objects.filter(subject_type="report_schedule")
        .order_by("seq")
        .values_list("event", flat=True)
    )
    assert events == [
        "report_schedule.saved",
        "report_schedule.saved",
        "report_schedule.paused",
        "report_schedule.deleted",
    ]
    change = AuditEvent.objects.filter(subject_type="report_schedule").order_by("seq")[1].data
    assert change["before"]["format"] == "pdf" and change["after"]["format"] == "xlsx"


@pytest.mark.django_db(transaction=True)
def test_a_refused_schedule_writes_nothing(org, people, other_org, make_user):
    # given: a user of another organization
    stranger = make_user(other_org, Role.MANAGER, username="stranger")
    stranger.email = "stranger@example.com"
    stranger.save(update_fields=["email"])

    # when / then: each refusal names its field, and nothing is written or audited
    cases = [
        ({"recipients": [stranger.pk]}, "recipients"),
        ({"recipients": []}, "recipients"),
        ({"recipients": [people["viewer"].pk]}, "recipients"),  # a client's viewer, organization report
        ({"recipients": [people["manager"].pk], "kpis": ["nonsense"]}, "kpis"),
        ({"recipients": [people["manager"].pk], "client_id": 999999}, "client"),
        ({"recipients": [people["manager"].pk], "day_of_month": 31}, "day_of_month"),
        ({"recipients": [people["manager"].pk], "format": "doc"}, "format"),
    ]
    for extra, field in cases:
        with pytest.raises(ArrearsError) as caught:
            _schedule(people["actor"], **extra)
        assert caught.value.details["field"] == field, extra
    assert not ReportSchedule.objects.exists()
    assert not AuditEvent.objects.filter(subject_type="report_schedule").exists()


@pytest.mark.django_db
def test_a_client_viewer_may_receive_their_own_clients_report_only(org, client_, people):
    made = _schedule(people["actor"], [people["viewer"].pk], client_id=client_.pk)

    assert made.recipients == [people["viewer"].pk]


@pytest.mark.django_db(transaction=True)
def test_an_alert_rule_is_validated_saved_and_audited(org, people):
    actor = people["actor"]
    with pytest.raises(ArrearsError) as caught:
        services.alert_rule_save(
            actor=actor, rule=None, name="x", kind="kpi_below", kpi="", period="week",
            threshold=Decimal("0.04"), recipients=[people["manager"].pk],
        )  # fmt: skip
    assert caught.value.details["field"] == "kpi"

    rule = services.alert_rule_save(
        actor=actor, rule=None, name="Big payment", kind="payment_over", kpi="liquidation_rate",
        period="day", threshold=Decimal(10000), recipients=[people["manager"].pk],
    )  # fmt: skip
    services.alert_rule_pause(actor=actor, rule=rule, active=False)
    services.alert_rule_pause(actor=actor, rule=rule, active=True)

    assert rule.kpi == ""  # a payment alert watches no KPI
    events = list(
        AuditEvent.objects.filter(subject_type="alert_rule").order_by("seq").values_list("event", flat=True)
    )
    assert events == ["alert_rule.saved", "alert_rule.paused", "alert_rule.resumed"]


# --- pages ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pages_are_for_managers_and_another_tenants_ids_are_404(org, other_org, people, make_user):
    # given: a schedule and a rule here, and one of each in another organization
    schedule = _schedule(people["actor"], [people["manager"].pk])
    rule = services.alert_rule_save(
        actor=people["actor"], rule=None, name="Low", kind="kpi_below", kpi="liquidation_rate",
        period="week", threshold=Decimal("0.04"), recipients=[people["manager"].pk],
    )  # fmt: skip
    theirs_mgr = make_user(other_org, Role.MANAGER, username="their-mgr")
    theirs_mgr.email = "their@example.com"
    theirs_mgr.save(update_fields=["email"])
    their_actor = Principal(organization_id=other_org.pk, role=Role.MANAGER, user_id=theirs_mgr.pk)
    theirs = _schedule(their_actor, [theirs_mgr.pk])
    manager, collector, viewer = (_browser(people[k]) for k in ("manager", "collector", "viewer"))

    # then
    pages = ["/reports/schedules/", "/reports/schedules/new/", f"/reports/schedules/{schedule.pk}/",
             "/reports/alerts/", "/reports/alerts/new/", f"/reports/alerts/{rule.pk}/"]  # fmt: skip
    for url in pages:
        assert manager.get(url).status_code == 200, url
        assert collector.get(url).status_code == 403, url
        assert viewer.get(url).status_code == 403, url
    listing = manager.get("/reports/schedules/").content.decode()
    assert "Weekly book" in listing and "Weekly on Monday at 07:00" in listing
    assert manager.get(f"/reports/schedules/{theirs.pk}/").status_code == 404
    assert manager.post(f"/reports/schedules/{theirs.pk}/delete/").status_code == 404
    assert manager.post(f"/reports/schedules/{theirs.pk}/send/").status_code == 404
    assert collector.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 403
    assert ReportSchedule.objects.filter(pk__in=[schedule.pk, theirs.pk]).count() == 2


@pytest.mark.django_db
def test_bad_input_is_shown_next_to_its_field(org, people):
    manager = _browser(people["manager"])

    response = manager.post(
        "/reports/schedules/new/",
        {"name": "", "dashboard": "org", "format": "pdf", "frequency": "weekly", "send_at": "25:99",
         "weekday": "0", "day_of_month": "1", "recipients": "not-an-email\nnobody@example.com"},
    )  # fmt: skip

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "send_at", "recipients"}
    assert "Not an email address: not-an-email" in form.errors["recipients"][0]
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "Not an email address" in html
    assert not ReportSchedule.objects.exists()

    unknown = manager.post(
        "/reports/schedules/new/",
        {"name": "x", "dashboard": "org", "format": "pdf", "frequency": "daily", "send_at": "07:00",
         "weekday": "0", "day_of_month": "1", "recipients": "nobody@example.com"},
    )  # fmt: skip
    assert "Not the address of a user of this organization" in unknown.context["form"].errors["recipients"][0]

    viewer_gets_org = manager.post(
        "/reports/schedules/new/",
        {"name": "x", "dashboard": "org", "format": "pdf", "frequency": "daily", "send_at": "07:00",
         "weekday": "0", "day_of_month": "1", "recipients": "viewer@example.com"},
    )  # fmt: skip
    assert viewer_gets_org.status_code == 400
    assert "client's viewer" in viewer_gets_org.context["form"].errors["recipients"][0]

    alert = manager.post(
        "/reports/alerts/new/",
        {"name": "x", "kind": "kpi_above", "kpi": "", "threshold": "", "client": "0", "period": "week",
         "recipients": "mgr@example.com"},
    )  # fmt: skip
    assert alert.status_code == 400
    assert set(alert.context["form"].errors) == {"kpi", "threshold"}


@pytest.mark.django_db
def test_htmx_row_actions_answer_with_the_row(org, people):
    schedule = _schedule(people["actor"], [people["manager"].pk])
    manager = _browser(people["manager"])

    paused = manager.post(f"/reports/schedules/{schedule.pk}/pause/", HTTP_HX_REQUEST="true")
    deleted = manager.post(f"/reports/schedules/{schedule.pk}/delete/", HTTP_HX_REQUEST="true")

    assert paused.status_code == 200 and f'id="schedule-{schedule.pk}"' in paused.content.decode()
    assert "Resume" in paused.content.decode()
    assert deleted.status_code == 200 and deleted.content == b""
    assert not ReportSchedule.objects.exists()


# --- the real thing: through the page, to the SMTP server -------------------------------------------------


def _books(org, make_account):
    account = make_account(
        reference="BIG-1", principal=Decimal("20000.00"), placed_on=date(2026, 10, 1),
        itemization_date=date(2026, 10, 1),
    )  # fmt: skip
    snapshots_take(organization_id=org.pk, as_of=date(2026, 11, 29))
    return account


@pytest.mark.django_db(transaction=True)
def test_a_report_scheduled_in_the_page_is_emailed_at_its_local_time(
    smtp_server, org, client_, people, make_account, settings
):
    # given: the books, and a manager who schedules the client's dashboard for Mondays at 08:15
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    _books(org, make_account)
    manager = _browser(people["manager"])
    created = manager.post(
        "/reports/schedules/new/",
        {"name": "Bank weekly", "dashboard": f"client:{client_.pk}", "kpis": ["liquidation_rate", "cei"],
         "format": "xlsx", "frequency": "weekly", "send_at": "08:15", "weekday": "0", "day_of_month": "1",
         "recipients": "mgr@example.com, viewer@example.com"},
    )  # fmt: skip
    assert created.status_code == 302, created.context["form"].errors if created.context else created
    schedule = ReportSchedule.objects.get()
    ReportSchedule.objects.filter(pk=schedule.pk).update(active_since=datetime(2026, 11, 1, tzinfo=UTC))

    # when: the scheduler's runs at 08:00 and 08:30 New York time, Monday 30 November
    at_0800 = schedules_send_due(organization_id=org.pk, now=datetime(2026, 11, 30, 13, tzinfo=UTC))
    at_0830 = schedules_send_due(organization_id=org.pk, now=datetime(2026, 11, 30, 13, 30, tzinfo=UTC))
    again = schedules_send_due(organization_id=org.pk, now=datetime(2026, 11, 30, 14, tzinfo=UTC))

    # then: sent once, after 08:15, to both, with the chosen KPIs of that client
    assert (at_0800, at_0830, again) == (0, 1, 0)
    (message,) = smtp_server.messages
    assert sorted(message["To"].split(", ")) == ["mgr@example.com", "viewer@example.com"]
    assert message["Subject"] == "Bank weekly: First Bank as of 2026-11-29"
    (attachment,) = list(message.iter_attachments())
    book = load_workbook(io.BytesIO(attachment.get_content()))
    kpis = [row[0] for row in book["KPIs"].iter_rows(min_row=2, values_only=True)]
    assert kpis == ["liquidation_rate", "cei"]
    page = manager.get("/reports/schedules/").content.decode()
    assert "Bank weekly" in page and "Weekly on Monday at 08:15" in page and "never" not in page


@pytest.mark.django_db(transaction=True)
def test_send_now_from_the_page_emails_the_pdf_once(smtp_server, org, people, make_account, settings):
    # given
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    _books(org, make_account)
    schedule = _schedule(people["actor"], [people["manager"].pk], frequency="monthly", day_of_month=28)
    manager = _browser(people["manager"])

    # when: "Send now" (the task runs at once with the immediate backend), then the task again
    response = manager.post(f"/reports/schedules/{schedule.pk}/send/")
    from arrears.reports.tasks import schedule_send_requested_task

    rerun = schedule_send_requested_task.call(schedule_id=schedule.pk, requested=NOW.isoformat())

    # then
    assert response.status_code == 302
    assert rerun is False
    (message,) = smtp_server.messages
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert "liquidation_rate" in text
    schedule.refresh_from_db()
    assert schedule.send_requested_at is None and schedule.last_sent_at is not None
    assert AuditEvent.objects.filter(event="report_schedule.send_requested").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_alert_made_in_the_page_fires_once(smtp_server, org, people, make_account, system):
    # given: a manager's alert on payments over 10,000, made in the page
    account = _books(org, make_account)
    manager = _browser(people["manager"])
    made = manager.post(
        "/reports/alerts/new/",
        {"name": "Big payment", "kind": "payment_over", "kpi": "", "threshold": "10000", "client": "0",
         "period": "week", "recipients": "mgr@example.com"},
    )  # fmt: skip
    assert made.status_code == 302
    rule = AlertRule.objects.get()

    # when: a payment of 12,000, and the rule evaluated three times in the same week
    payment_post(
        account=account, amount=Money(Decimal("12000.00"), "USD"), method="ach",
        received_at=datetime(2026, 12, 1, 15, tzinfo=UTC), actor=system, idempotency_key="big-1",
    )  # fmt: skip
    now = datetime(2026, 12, 1, 18, tzinfo=UTC)
    runs = [alerts_evaluate(organization_id=org.pk, today=date(2026, 12, d), now=now) for d in (1, 1, 3)]

    # then: fired once, by email and in the app; the page shows it fired and is quiet until next week
    assert runs == [1, 0, 0]
    assert AlertFiring.objects.filter(rule=rule).count() == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["Alert: Big payment"]
    assert Notification.objects.filter(user=people["manager"]).count() == 1
    page = manager.get(f"/reports/alerts/{rule.pk}/").content.decode()
    assert "a payment of 12000.00 USD" in page


@pytest.mark.django_db
def test_the_lists_cost_the_same_queries_for_one_row_or_many(org, people, django_assert_num_queries):
    manager = _browser(people["manager"])
    _schedule(people["actor"], [people["manager"].pk])
    services.alert_rule_save(
        actor=people["actor"], rule=None, name="A0", kind="dispute", period="day", threshold=Decimal(0),
        recipients=[people["manager"].pk],
    )  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_schedule:
        manager.get("/reports/schedules/")
    with CaptureQueriesContext(connection) as one_alert:
        manager.get("/reports/alerts/")
    for n in range(1, 6):
        _schedule(people["actor"], [people["manager"].pk, people["collector"].pk], name=f"S{n}")
        services.alert_rule_save(
            actor=people["actor"], rule=None, name=f"A{n}", kind="dispute", period="day",
            threshold=Decimal(0), recipients=[people["manager"].pk],
        )  # fmt: skip

    with django_assert_num_queries(len(one_schedule)):
        manager.get("/reports/schedules/")
    with django_assert_num_queries(len(one_alert)):
        manager.get("/reports/alerts/")


@pytest.mark.django_db(transaction=True)
def test_a_client_scoped_payment_alert_ignores_other_clients_payments(
    smtp_server, org, system, client_, people, make_account
):
    # given: an alert on First Bank's accounts, and a big payment on another client's account
    from arrears.tenancy.services import client_create

    other = client_create(organization=org, code="store", name="Corner Store", actor=system)
    theirs = make_account(reference="STORE-1", principal=Decimal("20000.00"), client=other)
    rule = services.alert_rule_save(
        actor=people["actor"], rule=None, name="Bank big payment", kind="payment_over", period="week",
        threshold=Decimal(10000), client_id=client_.pk, recipients=[people["manager"].pk],
    )  # fmt: skip
    payment_post(
        account=theirs, amount=Money(Decimal("12000.00"), "USD"), method="ach",
        received_at=datetime(2026, 12, 1, 15, tzinfo=UTC), actor=system, idempotency_key="store-1",
    )  # fmt: skip

    # when
    now = datetime(2026, 12, 1, 18, tzinfo=UTC)
    fired = alerts_evaluate(organization_id=org.pk, today=date(2026, 12, 1), now=now)

    # then
    assert fired == 0 and not AlertFiring.objects.filter(rule=rule).exists()
    assert smtp_server.messages == []
