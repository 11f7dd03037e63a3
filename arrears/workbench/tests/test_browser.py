from decimal import Decimal

import pytest
from playwright.sync_api import expect

from arrears.tenancy.choices import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_collector_logs_in_searches_and_opens_an_account(page, screenshot, org, make_user, make_account):
    user = make_user(org, Role.COLLECTOR, username="carla")
    make_account(principal=Decimal("310.00"))
    make_account(principal=Decimal("999.99"))

    page.goto("/accounts/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/")
    assert page.locator("table tbody tr").count() == 2
    page.fill("input[type=search]", "(212) 555-0002")
    page.press("input[type=search]", "Enter")
    # Not wait_for_function: it evals a string in the page, which the Content-Security-Policy refuses.
    expect(page.locator("#results tbody tr")).to_have_count(1)
    screenshot(page, "search")
    page.click("text=ACC-00002")

    page.wait_for_selector("h1:has-text('ACC-00002')")
    screenshot(page, "account")
    assert "999.99 USD" in page.content()
    assert "Jane Doe2" in page.content()
