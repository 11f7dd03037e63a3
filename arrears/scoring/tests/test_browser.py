"""The queue and the model report in Chromium, at a desktop and a phone width (screenshots saved)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from arrears.tenancy.choices import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 11:00 in New York: calls allowed


def login(page, username):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_a_collector_works_the_queue_and_a_manager_reads_the_model(
    page, screenshot, org, client_, system, make_user, make_account
):
    from arrears.compliance.services import hold_place
    from arrears.scoring.services import model_train
    from arrears.scoring.synthetic import history_generate

    with time_machine.travel(NOW, tick=True):
        history_generate(clients=[client_], n_accounts=300, days=364, today=date(2026, 11, 30), actor=system)
        make_account(principal=Decimal("8000.00"), reference="BIG-1")
        held = make_account(principal=Decimal("9000.00"), reference="HELD-1")
        hold_place(kind="cease_communication", actor=system, account=held, reason="asked in writing")
        model = model_train(organization_id=org.pk, today=date(2026, 11, 30), actor=system)
        make_user(org, Role.COLLECTOR, username="carla")
        make_user(org, Role.MANAGER, username="mona")

        login(page, "carla")
        page.goto("/queue/")
        page.wait_for_selector("h1:has-text('Work queue')")
        rows = page.locator("table.queue tbody tr")
        assert rows.count() >= 5
        assert not any("HELD-1" in text for text in rows.all_inner_texts())  # blocked: under "Not now"
        assert "HELD-1" in page.locator("h2:has-text('Not now') + table").inner_text()
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"queue-{width}")
        page.set_viewport_size({"width": 1366, "height": 900})
        page.click("button.next")
        page.wait_for_url("**/accounts/*/")
        assert "/accounts/" in page.url

        # Leave the account page first: its htmx fragments, still loading, would set a new
        # CSRF cookie after the clear and the manager's sign-in would fail its CSRF check.
        page.goto("about:blank")
        page.context.clear_cookies()
        login(page, "mona")
        page.goto("/scoring/model/")
        page.wait_for_selector("h1:has-text('Propensity model')")
        assert f"Model v{model.version}" in page.content()
        assert page.locator("svg.chart").count() == 2
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"report-{width}")
        page.goto("/scoring/forecast/")
        page.wait_for_selector("svg.chart")
        page.set_viewport_size({"width": 1366, "height": 900})
        screenshot(page, "forecast-1366")
