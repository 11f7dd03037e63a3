"""The collector's journey in Debian's Chromium: open an account, record a call, a promise, a plan and a
payment, each shown in place; screenshots at 1366 and 390 px under var/screenshots/ (CI artifacts), and
axe-core finds no serious or critical violation on the account page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.tenancy.choices import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"collector-{name}.png"), full_page=True)


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def settle(page) -> None:
    """Wait until htmx has no request in flight."""
    page.wait_for_load_state("networkidle")
    # Not wait_for_function: it evals a string in the page, which the Content-Security-Policy refuses.
    from playwright.sync_api import expect

    expect(page.locator(".htmx-request")).to_have_count(0)


def test_a_collector_records_a_call_a_promise_a_plan_and_a_payment(page, org, make_user, make_account):
    from arrears.core.clock import utcnow

    user = make_user(org, Role.COLLECTOR, username="carla")
    account = make_account(
        principal=Decimal("1200.00"),
        original_creditor="Springfield General Hospital Emergency Department Billing Services Incorporated",
    )
    today = utcnow().date()

    # opens the account from the list
    page.goto("/accounts/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click(f"text={account.reference}")
    page.wait_for_selector("#call-panel form")
    page.wait_for_selector("#money table")
    settle(page)

    # the debtor calls in (inbound, so the hour of the test run does not matter to the gate)
    page.select_option("#call-panel select[name=direction]", "inbound")
    page.select_option("#call-outcome", "right_party_contact")
    page.fill("#call-panel input[name=notes]", "debtor called about the hospital bill")
    page.click("#call-panel button[type=submit]")
    page.wait_for_selector("#call-panel .result:has-text('Call logged: right-party contact.')")
    settle(page)

    # a promise, by keyboard: p opens the form
    page.locator("body").press("p")
    page.fill("#promise-amount", "100.00")
    page.fill("#promise-due_on", (today + timedelta(days=5)).isoformat())
    page.click("#promise-form button[type=submit]")
    page.wait_for_selector("#money .result:has-text('Promise of 100.00 USD')")
    settle(page)

    # a plan: l opens the form; three monthly installments of what is owed
    page.locator("body").press("l")
    page.fill("#plan-first_due", (today + timedelta(days=7)).isoformat())
    page.fill("#plan-installments", "3")
    page.click("#plan-form button[type=submit]")
    page.wait_for_selector("#money .result:has-text('Plan of 1,200.00 USD set up')")
    assert page.locator("#money table.schedule tbody tr").count() == 3
    settle(page)

    # a payment: y opens the form
    page.locator("body").press("y")
    page.fill("#payment-amount", "250.00")
    page.click("#payment-form button[type=submit]")
    page.wait_for_selector("#money .result:has-text('Payment of 250.00 USD posted.')")
    settle(page)

    # everything is on the timeline, and the status line says where the account stands
    page.wait_for_selector("#timeline:has-text('debtor called about the hospital bill')")
    assert "Promise" in page.inner_text("#timeline")
    shoot(page, "account-1366")
    page.locator("#money").screenshot(path=str(SCREENSHOTS / "collector-money-1366.png"))
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 390, "height": 844})
    settle(page)
    shoot(page, "account-390")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "collector-top-390.png"))
    page.locator("#money").screenshot(path=str(SCREENSHOTS / "collector-money-390.png"))
    page.locator("#call-panel").screenshot(path=str(SCREENSHOTS / "collector-call-390.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide at 390px: something does not wrap"
    assert serious_violations(page) == []


def test_the_keyboard_shortcuts_are_listed_and_a_bad_value_is_shown_by_its_field(
    page, org, make_user, make_account
):
    user = make_user(org, Role.COLLECTOR, username="carla")
    account = make_account()
    page.goto(f"/accounts/{account.pk}/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_selector("#money table")
    settle(page)

    page.locator("body").press("?")
    assert page.evaluate("document.activeElement.id") == "shortcuts"
    page.locator("body").press("y")
    page.fill("#payment-amount", "-5")
    page.click("#payment-form button[type=submit]")
    page.wait_for_selector("#payment-amount-error")
    assert page.get_attribute("#payment-amount", "aria-invalid") == "true"
    shoot(page, "field-error-1366")
