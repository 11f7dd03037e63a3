"""Dashboards: each opens, every figure drills down to its accounts, widgets can be arranged, and a
client's viewer sees only their own client's dashboard."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from arrears.core.money import Money
from arrears.payments.services.posting import payment_post
from arrears.reports.services import snapshots_take
from arrears.tenancy.choices import Role
from arrears.tenancy.services import client_create

AS_OF = date(2026, 11, 30)


def _book(org, system, make_account):
    """LATE-1 (900 placed in September, 100 paid) and NEW-1 (400 placed in November): 1,300 placed."""
    late = make_account(
        reference="LATE-1",
        principal=Decimal("900.00"),
        placed_on=date(2026, 9, 1),
        itemization_date=date(2026, 9, 1),
        delinquent_since=date(2026, 8, 20),
    )
    make_account(
        reference="NEW-1",
        principal=Decimal("400.00"),
        placed_on=date(2026, 11, 1),
        itemization_date=date(2026, 11, 1),
    )
    payment_post(
        account=late,
        amount=Money(Decimal("100.00"), "USD"),
        method="card",
        received_at=datetime(2026, 11, 20, 15, tzinfo=UTC),
        actor=system,
        idempotency_key="dash-1",
    )
    snapshots_take(organization_id=org.pk, as_of=AS_OF)
    return late


@pytest.mark.django_db(transaction=True)
def test_dashboards_answer_drill_down_and_refuse_bad_input_and_other_clients(
    client, org, system, client_, make_account, make_user
):
    # given
    _book(org, system, make_account)
    other = client_create(organization=org, code="other", name="Other Bank", actor=system)
    manager = make_user(org, Role.MANAGER, username="mgr")
    viewer = make_user(org, Role.CLIENT_VIEWER, username="viewer", clients=[client_])
    day = {"as_of": AS_OF.isoformat()}

    # when
    client.force_login(manager)
    org_page = client.get("/reports/", day)
    drill = client.get("/reports/accounts/", {**day, "bucket": "91-120"})
    client_page = client.get(f"/reports/client/{client_.pk}/", day)
    collector_page = client.get(f"/reports/collector/{manager.pk}/", day)
    pay_drill = client.get(
        "/reports/payments/", {"since": "2026-11-01", "until": "2026-11-30", "method": "card"}
    )
    bad = client.get("/reports/", {"as_of": "2026-02-31"})
    bad_drill = client.get("/reports/accounts/", {"as_of": "x", "bucket": "nope"})
    missing = client.get("/reports/client/999999/")
    client.force_login(viewer)
    viewer_home = client.get("/reports/", day)
    viewer_other = client.get(f"/reports/client/{other.pk}/", day)
    viewer_drill_all = client.get("/reports/accounts/", day)

    # then
    assert org_page.status_code == 200
    body = org_page.content.decode()
    assert "7.7%" in body  # liquidation: 100 ÷ 1,300
    assert drill.status_code == 200
    assert "LATE-1" in drill.content.decode() and "NEW-1" not in drill.content.decode()
    assert client_page.status_code == 200 and collector_page.status_code == 200
    assert pay_drill.status_code == 200 and "100.00" in pay_drill.content.decode()
    assert (bad.status_code, bad_drill.status_code, missing.status_code) == (400, 400, 404)
    assert viewer_home.status_code == 302 and viewer_home["Location"] == f"/reports/client/{client_.pk}/"
    assert viewer_other.status_code == 404 and viewer_drill_all.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_manager_arranges_widgets_and_a_collector_may_not(client, org, system, make_account, make_user):
    # given
    _book(org, system, make_account)
    manager = make_user(org, Role.MANAGER, username="mgr")
    collector = make_user(org, Role.COLLECTOR, username="col")
    order = {"kpis": 2, "aging": 1, "status": 3, "cohorts": 4, "roll": 5, "payments": 6, "collectors": 7}
    form = {"dashboard": "org", **{f"order_{k}": v for k, v in order.items()}}
    form |= {f"show_{k}": "on" for k in order if k != "roll"}

    # when
    client.force_login(collector)
    refused = client.post("/reports/layout/", form)
    client.force_login(manager)
    saved = client.post("/reports/layout/", {**form, "next": "/reports/"})
    invalid = client.post("/reports/layout/", {**form, "order_kpis": "0"})
    page = client.get("/reports/", {"as_of": AS_OF.isoformat()}).content.decode()

    # then
    assert refused.status_code == 403
    assert saved.status_code == 302 and invalid.status_code == 400
    assert 'id="widget-roll"' not in page
    assert page.index('id="widget-aging"') < page.index('id="widget-kpis"')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_opens_each_dashboard_and_drills_down(
    page, screenshot, org, system, client_, make_account, make_user
):
    # given
    _book(org, system, make_account)
    manager = make_user(org, Role.MANAGER, username="mgr")
    page.goto("/login/")
    page.fill("input[name=username]", "mgr")
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")

    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        # when: the organization's dashboard, then a bar of the aging chart
        page.goto(f"/reports/?as_of={AS_OF.isoformat()}")
        page.wait_for_selector("#widget-aging svg")
        screenshot(page, f"org-{width}")
        page.click("#widget-aging svg a[aria-label^='91-120']")
        page.wait_for_selector("text=Accounts behind the figure")
        # then
        assert page.locator("td a", has_text="LATE-1").count() == 1
        screenshot(page, f"drill-{width}")
        page.click("td a:has-text('LATE-1')")
        page.wait_for_url("**/accounts/*/")
        # the client's dashboard and its status figure
        page.goto(f"/reports/client/{client_.pk}/?as_of={AS_OF.isoformat()}")
        page.wait_for_selector("#widget-status")
        screenshot(page, f"client-{width}")
        page.click("#widget-status a >> nth=0")
        page.wait_for_selector("text=Accounts behind the figure")
        assert page.locator("td a").count() >= 1
        # a collector's dashboard
        page.goto(f"/reports/collector/{manager.pk}/?as_of={AS_OF.isoformat()}")
        page.wait_for_selector("#widget-aging svg")
        screenshot(page, f"collector-{width}")
