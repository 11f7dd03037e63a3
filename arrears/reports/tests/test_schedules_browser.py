"""Browser journey (Playwright, Debian's Chromium): a manager schedules a report and sets an alert in the
workbench, pauses the report in place (htmx), and a client's viewer opens the dashboard in its portal and
sees only its own client. Each new page is screenshotted at 1366 and 390 px (var/screenshots/) and
checked with axe-core: no serious or critical violation."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.compliance.packs.base import local_date
from arrears.core.clock import utcnow
from arrears.reports.models import AlertRule, ReportSchedule
from arrears.reports.services import snapshots_take
from arrears.tenancy.choices import Role
from arrears.tenancy.services import client_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
PASSWORD = "pw-for-tests-1"  # noqa: S105 - the conftest users' password


@pytest.fixture
def shoot():
    from axe_playwright_python.sync_playwright import Axe

    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()

    def take(page, name: str) -> None:
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"reports-{name}-{width}.png"), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
            assert not wide, f"{name}: the page is wider than {width} px"
        page.set_viewport_size({"width": 1366, "height": 900})
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: " + json.dumps([(v["id"], v["impact"], v["help"]) for v in bad])

    return take


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def agency(org, system, client_, make_user, make_account):
    other = client_create(organization=org, code="store", name="Corner Store", actor=system)
    for n in range(3):
        make_account(reference=f"BANK-{n}", principal=Decimal(500 + 100 * n))
    make_account(reference="STORE-1", principal=Decimal("9000.00"), client=other)
    snapshots_take(organization_id=org.pk, as_of=local_date(utcnow(), org.timezone))
    users = {}
    for role, name, clients in (
        (Role.MANAGER, "maria", None),
        (Role.CLIENT_VIEWER, "bankview", [client_]),
    ):
        users[name] = make_user(org, role, username=name, clients=clients)
        users[name].email = f"{name}@example.com"
        users[name].save(update_fields=["email"])
    return {"other": other, **users}


def test_manager_schedules_a_report_and_an_alert_and_the_client_sees_its_dashboard(
    page, shoot, agency, client_
):
    # the manager: Reports & alerts in the top bar
    log_in(page, "maria")
    page.get_by_role("link", name="Reports & alerts").click()
    page.wait_for_url("**/reports/schedules/")
    shoot(page, "schedules-empty")

    # a new schedule, first with a bad address (the error sits by the field), then right
    page.get_by_role("link", name="New scheduled report").first.click()
    page.fill("input[name=name]", "Bank weekly")
    page.select_option("select[name=dashboard]", label="Client: First Bank")
    page.get_by_label("Liquidation rate").check()
    page.get_by_label("Promise-kept rate").check()
    page.get_by_label("XLSX").check()
    page.select_option("select[name=frequency]", "weekly")
    page.fill("input[name=send_at]", "08:15")
    page.select_option("select[name=weekday]", label="Friday")
    page.fill("textarea[name=recipients]", "maria@example.com\nnot-an-address")
    page.get_by_role("button", name="Create scheduled report").click()
    assert page.locator("text=Not an email address: not-an-address").is_visible()
    shoot(page, "schedule-errors")
    page.fill("textarea[name=recipients]", "maria@example.com\nbankview@example.com")
    page.get_by_role("button", name="Create scheduled report").click()
    page.wait_for_url("**/reports/schedules/")
    row = page.locator("tr", has_text="Bank weekly")
    assert "Weekly on Friday at 08:15" in row.inner_text() and "Fri " in row.inner_text()
    assert "Client: First Bank" in row.inner_text()
    shoot(page, "schedules")

    # pause in place (htmx swaps the row), then open it to edit
    row.get_by_role("button", name="Pause").click()
    page.locator("tr", has_text="Bank weekly").get_by_role("button", name="Resume").wait_for()
    assert ReportSchedule.objects.get().active is False
    page.get_by_role("link", name="Bank weekly").click()
    page.wait_for_url("**/reports/schedules/*/")
    shoot(page, "schedule-edit")

    # an alert: liquidation below 4 % this week, on the bank's accounts
    page.goto("/reports/alerts/")
    page.get_by_role("link", name="New alert").first.click()
    page.fill("input[name=name]", "Low liquidation")
    page.select_option("select[name=kind]", "kpi_below")
    page.select_option("select[name=kpi]", "liquidation_rate")
    page.fill("input[name=threshold]", "0.04")
    page.select_option("select[name=client]", label="First Bank")
    page.select_option("select[name=period]", "week")
    page.fill("textarea[name=recipients]", "maria@example.com")
    shoot(page, "alert-new")
    page.get_by_role("button", name="Create alert").click()
    page.wait_for_url("**/reports/alerts/")
    alert_row = page.locator("tr", has_text="Low liquidation")
    assert "Liquidation rate below 0.04 (4.00 %)" in alert_row.inner_text()
    assert "not fired this week" in alert_row.inner_text()
    shoot(page, "alerts")
    page.get_by_role("link", name="Low liquidation").click()
    page.wait_for_url("**/reports/alerts/*/")
    shoot(page, "alert-edit")
    assert AlertRule.objects.get().client_id == client_.pk

    # the client's viewer: Dashboard leads to its portal dashboard, with its client only
    page.get_by_role("button", name="Log out").click()
    log_in(page, "bankview")
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/portal/client/dashboard/")
    body = page.locator("main").inner_text()
    assert "First Bank: dashboard" in body and "Corner Store" not in body
    assert page.locator("#widget-kpis").is_visible() and page.locator("svg.chart").first.is_visible()
    shoot(page, "portal-dashboard")
    page.locator("#widget-status a").first.click()
    page.wait_for_url("**/portal/client/dashboard/accounts/**")
    drill = page.locator("main").inner_text()
    assert "BANK-0" in drill and "STORE-1" not in drill
    shoot(page, "portal-drill")
    page.get_by_role("link", name="BANK-0").click()
    page.wait_for_url("**/portal/client/accounts/*/")
