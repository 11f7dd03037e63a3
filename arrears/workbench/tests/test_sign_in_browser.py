"""Sign-in in the browser (Playwright, Debian's Chromium): a manager whose organization requires a second
factor is sent to enrolment, enrols an authenticator app with the secret the page shows, and signs in
again with a TOTP code. Each page is screenshotted at 1366 and 390 px (var/screenshots/) and checked with
axe-core."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

from arrears.tenancy.choices import MfaPolicy, Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.models import Organization
from arrears.tenancy.services import sso_configure

from .test_manage_browser import PASSWORD, shoot  # noqa: F401 - the screenshot fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_now(secret: str, step: int = 0) -> str:
    """The code an authenticator app shows now (``step`` 1: the next one; RFC 6238, allauth's helper)."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2] + step))


def test_a_manager_enrols_totp_then_signs_in_with_a_code(page, shoot, org, make_user, settings):  # noqa: F811
    # given: the default policy, a manager without a second factor, and the organization's SSO button
    settings.MFA_TOTP_TOLERANCE = 1  # a code typed at the end of its 30 s step still counts
    Organization.objects.filter(pk=org.pk).update(mfa_policy=MfaPolicy.ADMINS_AND_MANAGERS)
    make_user(org, Role.MANAGER, username="maria")
    sso_configure(
        organization_id=org.pk,
        enabled=True,
        label="Acme Okta",
        issuer="https://login.acme.test",
        client_id="arrears",
        client_secret="not-used-here",  # noqa: S106 - a test value
        email_domain="acme.test",
        actor=Principal(organization_id=org.pk, role=Role.ADMIN, label="test"),
    )

    # when: she signs in with her password
    page.goto("/login/")
    assert page.locator("text=Sign in with Acme Okta").is_visible()
    shoot(page, "login")
    page.fill("input[name=username]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")

    # then: every page sends her to enrolment
    page.wait_for_url("**/auth/2fa/")
    assert "requires a second factor" in page.content()
    shoot(page, "mfa-enrol")
    page.goto("/accounts/")
    assert page.url.endswith("/auth/2fa/")

    # when: she enrols an authenticator app with the secret the page shows (allauth asks for the
    # password again first: nobody at an unlocked screen adds their own factor)
    page.click("text=Activate")
    page.wait_for_url("**/auth/reauthenticate/**")
    shoot(page, "mfa-reauthenticate")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/auth/2fa/totp/activate/")
    secret = page.input_value("#authenticator_secret")
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    shoot(page, "mfa-totp-activate")
    page.fill("input[name=code]", totp_now(secret))
    page.click("main button:has-text('Activate')")
    page.wait_for_url(re.compile(r".*/auth/2fa/(recovery-codes/)?$"))
    shoot(page, "mfa-after-enrol")

    # then: the workbench is hers
    page.goto("/accounts/")
    assert page.url.endswith("/accounts/")

    # when: she signs out and in again
    page.click("header form.logout button")
    page.goto("/login/")
    page.fill("input[name=username]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")

    # then: the code is asked, and the right one lets her in
    page.wait_for_url("**/auth/2fa/authenticate/")
    shoot(page, "mfa-code")
    # (the code used to enrol may not serve twice: the next step's, which the tolerance of 1 accepts)
    page.fill("input[name=code]", totp_now(secret, step=1))
    page.click("main button:has-text('Sign In')")
    page.wait_for_url(re.compile(r".*/queue/$"))  # a manager's home: the work queue
    assert "maria" in page.locator("header").inner_text()


def test_the_single_sign_on_settings_page(page, shoot, org, make_user):  # noqa: F811
    make_user(org, Role.ADMIN, username="ada")
    page.goto("/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto("/manage/settings/sso/")
    page.fill("#id_issuer", "https://login.acme.test/realms/acme")
    page.fill("#id_client_id", "arrears")
    page.fill("#id_client_secret", "a-secret")
    page.fill("#id_email_domain", "acme.test")
    page.click("main button[type=submit]")

    assert "Single sign-on saved." in page.content()
    shoot(page, "sso-settings")
    page.goto("/manage/settings/")
    shoot(page, "settings")
