"""A manager builds a strategy, previews it, and starts an experiment, in Chromium."""

import pytest

from arrears.contact.messaging import template_save
from arrears.tenancy.choices import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STRATEGY = """name = "%s"
priority = %d
[[segments]]
name = "all"
when = { holds = "none" }
  [[segments.steps]]
  action = "letter"
  template = "browser-letter"
  [[segments.steps]]
  action = "stop"
"""


def _save(page, name, priority):
    page.goto("/strategies/new/")
    page.fill("#id_source", STRATEGY % (name, priority))
    page.click("#save")
    page.wait_for_selector(f"text=Saved {name} version 1")


def test_a_manager_builds_previews_and_experiments(page, screenshot, org, system, make_user, make_account):
    # given
    body = "<p>Dear {{ debtor.name }}, account {{ account.reference }}.</p>{{ debt_collector_disclosure }}"
    template_save(organization=org, key="browser-letter", channel="letter", actor=system, body=body)
    for _ in range(3):
        make_account()
    user = make_user(org, Role.MANAGER, username="maria")
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")

    # when: a strategy with a mistake, then right
    page.goto("/strategies/")
    page.click("text=New strategy")
    page.fill("#id_source", 'name = "broken"\n[[segments]]\n')
    page.click("#save")
    error = page.inner_text("#source-error")
    _save(page, "letters", 10)
    page.fill("#id_date", "2026-03-02")
    page.click("#preview-button")
    page.wait_for_selector("#preview")
    total = page.inner_text("#preview-total")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"edit-{width}")
    _save(page, "letters-b", 20)

    # and an experiment
    page.goto("/strategies/experiments/new/")
    page.fill("#id_name", "letters-ab")
    page.select_option("#id_champion", "letters")
    page.select_option("#id_challenger", "letters-b")
    page.fill("#id_challenger_share", "30")
    page.click("#start")
    page.wait_for_selector("#arms")
    arms = page.inner_text("#arms")
    verdict = page.inner_text("#verdict")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"experiment-{width}")
    page.goto("/strategies/")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"index-{width}")

    # then
    assert "steps" in error
    assert "3 accounts would act" in total
    assert "letters-b" in arms and "30%" in arms and "70%" in arms
    assert "not significant" in verdict.lower() or "not enough" in verdict.lower()
