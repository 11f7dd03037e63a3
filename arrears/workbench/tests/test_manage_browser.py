"""Browser journeys (Playwright, Debian's Chromium): the manager edits a template, approves a settlement,
resolves a reconciliation line and invites a user; a client viewer sees only its own client. Every page is
screenshotted at 1366 and 390 px (var/screenshots/) and checked with axe-core: no serious or critical
violation."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from arrears.contact.messaging import template_save
from arrears.core.clock import utcnow
from arrears.core.money import Money
from arrears.core.samples import samples_dir
from arrears.payments.choices import BankLineState, SettlementStatus
from arrears.payments.models import BankLine, Settlement
from arrears.payments.services import promise_create, settlement_offer
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.services import client_create

from .test_manage_people import smtp  # noqa: F401 - the aiosmtpd fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
GOOD_SMS = (
    "Hi {{ debtor.first_name }}, this is a debt collector. About {{ account.reference }}: "
    "call {{ callback_number }}. Reply STOP to opt out."
)


@pytest.fixture
def shoot():
    """Screenshot at 1366 and 390 px wide, then axe-core: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()

    def take(page, name: str) -> None:
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"manage-{name}-{width}.png"), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
            assert not wide, f"{name}: the page is wider than {width} px"
        page.set_viewport_size({"width": 1366, "height": 900})
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: " + json.dumps([(v["id"], v["impact"], v["help"]) for v in bad])

    return take


PASSWORD = "pw-for-tests-1"  # noqa: S105 - the conftest users' password


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def manager_day(org, system, make_user, make_account):
    """A template to edit, a settlement over the collector's limit, a bank line no rule matched."""
    make_user(org, Role.MANAGER, username="maria")
    template_save(
        organization=org, key="reminder", channel="sms", name="Reminder", body=GOOD_SMS, actor=system
    )
    big = make_account(reference="SET-1", principal=Decimal("1000.00"))
    today = utcnow().date()
    settlement = settlement_offer(
        account=big,
        amount=Money(Decimal("600.00"), "USD"),
        expires_on=today + timedelta(days=20),
        actor=Principal(organization_id=org.pk, role=Role.COLLECTOR, label="carla"),
        today=today,
    )
    paying = make_account(reference="DIV-1", principal=Decimal("10.00"))
    promise_create(
        account=paying, amount=Money(Decimal("0.01"), "USD"), due_on=date(2011, 3, 31), actor=system,
        today=date(2000, 1, 1),
    )  # fmt: skip
    path = Path(samples_dir()) / "ofx" / "ofxparse_checking.ofx"
    call_command("reconcile", "import", str(path), stdout=StringIO(), stderr=StringIO())
    return settlement, BankLine.objects.get(state=BankLineState.REVIEW)


def test_a_managers_day(page, shoot, manager_day, smtp):  # noqa: F811
    settlement, line = manager_day
    log_in(page, "maria")
    page.click("nav >> text=Manage")
    page.wait_for_selector("h1:has-text('Manage')")
    shoot(page, "home")

    # edit a template: the rules are checked as the manager types, the preview uses a real account
    page.click("text=Templates")
    shoot(page, "templates")
    page.click("text=reminder")
    page.wait_for_selector("#rules:has-text('passes every content rule')")
    page.fill("textarea[name=body]", "Pay {{ account.balance }} now.")
    page.wait_for_selector("#rules:has-text('opt out')")
    page.fill("textarea[name=body]", GOOD_SMS + " Thank you.")
    page.wait_for_selector("#rules:has-text('passes every content rule')")
    page.fill("input[name=account]", "SET-1")
    page.click("button:has-text('Preview')")
    page.wait_for_selector("#preview:has-text('About SET-1')")
    shoot(page, "template-edit")
    page.click("button:has-text('Save as a new version')")
    page.wait_for_selector(".messages:has-text('version 2')")

    # approve a settlement
    page.click("nav >> text=Manage")
    page.click("text=Settlement approvals")
    page.wait_for_selector(f"#settlement-{settlement.pk}")
    shoot(page, "settlements")
    page.click(f"#settlement-{settlement.pk} >> button:has-text('Approve')")
    page.wait_for_selector(".messages:has-text('approved')")
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.APPROVED

    # resolve a reconciliation line
    page.goto("/manage/reconciliation/")
    shoot(page, "reconciliation")
    page.fill(f"#acct-{line.pk}", "DIV-1")
    page.click(f"#line-{line.pk} >> button:has-text('Post')")
    page.wait_for_selector(".messages:has-text('Posted the bank line to DIV-1')")
    line.refresh_from_db()
    assert line.state == BankLineState.RESOLVED

    # invite a user, who sets a password from the email and logs in
    page.goto("/manage/people/")
    shoot(page, "people")
    page.fill("input[name=username]", "newbie")
    page.fill("input[name=email]", "newbie@example.com")
    page.select_option("select[name=role]", Role.COLLECTOR)
    page.click("button:has-text('Send the invitation')")
    page.wait_for_selector(".messages:has-text('Invited newbie')")
    body = smtp.messages[0].get_content()
    link = re.search(r"https?://\S+/manage/join/\S+/", body).group(0)
    page.click("button:has-text('Log out')")
    page.goto(link)
    shoot(page, "join")
    page.fill("input[name=password1]", "a-long-pass-4-me")
    page.fill("input[name=password2]", "a-long-pass-4-me")
    page.click("button:has-text('Set my password')")
    log_in(page, "newbie", "a-long-pass-4-me")
    assert "newbie" in page.inner_text(".who")


def test_the_other_manager_pages_pass_axe_at_both_widths(page, shoot, org, make_user):
    make_user(org, Role.ADMIN, username="ada")
    log_in(page, "ada")
    for name in ("audit", "outbox", "letters", "tasks", "clients", "ach", "settings"):
        page.goto(f"/manage/{name}/")
        shoot(page, name)
    page.goto("/manage/audit/?since=2026-02-01&until=2026-01-01")
    page.wait_for_selector("text=The end date is before the start date")
    shoot(page, "audit-bad-input")
    page.goto("/manage/settings/")
    page.fill("input[name=envelope_name]", "Acme Debt Collectors")
    page.click("button:has-text('Save letterhead')")
    page.wait_for_selector("text=may not show that you collect debts")
    shoot(page, "settings-bad-input")
    page.goto("/no/such/page/")
    shoot(page, "404")


def test_the_contact_policy_section_refuses_looser_than_the_law(page, shoot, org, make_user):
    # given
    make_user(org, Role.ADMIN, username="ada")
    log_in(page, "ada")
    page.goto("/manage/settings/")

    # when: more calls than Regulation F allows, and an earlier start than 08:00
    page.fill("#contact-policy input[name=call_limit]", "9")
    page.fill("#contact-policy input[name=earliest]", "07:00")
    page.click("button:has-text('Save contact policy')")

    # then: each refusal next to its field, and a stricter policy saves
    page.wait_for_selector("text=Regulation F allows at most 7 calls")
    page.wait_for_selector("text=choose 08:00 or later")
    shoot(page, "settings-policy-bad-input")
    page.locator("#contact-policy").screenshot(path=str(SHOTS / "manage-settings-policy-section-1366.png"))
    page.fill("#contact-policy input[name=call_limit]", "4")
    page.fill("#contact-policy input[name=earliest]", "09:00")
    page.uncheck("#contact-policy input[name=weekend_calls]")
    page.click("button:has-text('Save contact policy')")
    page.wait_for_selector("text=Contact policy saved")
    assert page.input_value("#contact-policy input[name=call_limit]") == "4"
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#contact-policy").screenshot(path=str(SHOTS / "manage-settings-policy-section-390.png"))


def test_a_client_viewer_sees_only_its_own_client(page, shoot, org, system, client_, make_user, make_account):
    # given: two clients, an account each; the viewer may see the first only
    other = client_create(organization=org, code="other", name="Other Creditor", actor=system)
    mine = make_account(reference="MINE-1")
    theirs = make_account(reference="THEIRS-1", client=other)
    make_user(org, Role.CLIENT_VIEWER, username="vera", clients=[client_])

    # when
    log_in(page, "vera")
    shoot(page, "client-viewer-accounts")
    listed = page.inner_text("#results")
    forbidden = page.goto("/manage/")
    hidden = page.goto(f"/accounts/{theirs.pk}/")
    shown = page.goto(f"/accounts/{mine.pk}/")

    # then
    assert "MINE-1" in listed and "THEIRS-1" not in listed
    assert "Manage" not in page.inner_text("nav")
    assert forbidden.status == 403 and hidden.status == 404 and shown.status == 200
