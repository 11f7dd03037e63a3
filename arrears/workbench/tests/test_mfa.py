"""The second factor (django-allauth MFA): who must enrol (the organization's policy), the enrolment
being enforced on every page, and signing in with a TOTP code or a recovery code."""

from __future__ import annotations

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from arrears.tenancy.choices import MfaPolicy, Role
from arrears.tenancy.models import Organization

PASSWORD = "pw-for-tests-1"


def totp_now(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238, allauth's own helper)."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _policy(org, policy):
    Organization.objects.filter(pk=org.pk).update(mfa_policy=policy)


def _sign_in(client, username):
    return client.post("/login/", {"username": username, "password": PASSWORD})


@pytest.mark.parametrize(
    ("policy", "role", "forced"),
    [
        (MfaPolicy.ADMINS_AND_MANAGERS, Role.ADMIN, True),
        (MfaPolicy.ADMINS_AND_MANAGERS, Role.MANAGER, True),
        (MfaPolicy.ADMINS_AND_MANAGERS, Role.COLLECTOR, False),
        (MfaPolicy.EVERYONE, Role.COLLECTOR, True),
        (MfaPolicy.EVERYONE, Role.CLIENT_VIEWER, True),
        (MfaPolicy.OFF, Role.MANAGER, False),  # the demo's setting
    ],
)
def test_who_must_enrol_is_sent_to_enrolment_until_they_do(client, org, make_user, policy, role, forced):
    # given
    _policy(org, policy)
    user = make_user(org, role)

    # when
    assert _sign_in(client, user.username).status_code == 302
    page = client.get("/accounts/")  # the account list

    # then
    if forced:
        assert page.status_code == 302 and page["Location"] == "/auth/2fa/"
        assert client.get("/auth/2fa/").status_code == 200  # the enrolment page itself is open
        assert client.get("/", headers={"HX-Request": "true"})["HX-Redirect"] == "/auth/2fa/"
    else:
        assert page.status_code == 200


def test_a_manager_with_totp_is_asked_for_the_code_and_then_may_work(client, org, make_user, settings):
    # given: the default policy, and a manager who enrolled an authenticator app
    settings.MFA_TOTP_TOLERANCE = 1  # a code made at the end of a 30 s step still counts
    _policy(org, MfaPolicy.ADMINS_AND_MANAGERS)
    user = make_user(org, Role.MANAGER)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    # when: the password is right
    first = _sign_in(client, user.username)

    # then: no session yet, the code is asked
    assert first.status_code == 302 and first["Location"] == "/auth/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post(
        "/auth/2fa/authenticate/", {"code": "000000" if totp_now(secret) != "000000" else "1"}
    )
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = client.post("/auth/2fa/authenticate/", {"code": totp_now(secret)})
    assert right.status_code == 302 and int(client.session["_auth_user_id"]) == user.pk
    assert client.get("/accounts/").status_code == 200  # enrolled: not sent to enrolment


def test_a_recovery_code_signs_in_once(client, org, make_user):
    # given
    user = make_user(org, Role.ADMIN)
    TOTP.activate(user, generate_totp_secret())
    code = RecoveryCodes.activate(user).get_unused_codes()[0]

    # when
    _sign_in(client, user.username)
    used = client.post("/auth/2fa/authenticate/", {"code": code})
    client.logout()
    _sign_in(client, user.username)
    again = client.post("/auth/2fa/authenticate/", {"code": code})

    # then
    assert used.status_code == 302
    assert again.status_code == 200 and "_auth_user_id" not in client.session


def test_the_second_factor_is_asked_whatever_the_policy(client, org, make_user):
    # given: the demo's policy (nobody must enrol), and a collector who enrolled anyway
    user = make_user(org, Role.COLLECTOR)
    TOTP.activate(user, generate_totp_secret())

    response = _sign_in(client, user.username)

    assert response["Location"] == "/auth/2fa/authenticate/" and "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)  # the settings service's own transaction
def test_an_admin_sets_who_must_use_mfa(client, org, make_user):
    from arrears.audit.models import AuditEvent

    # given
    client.force_login(make_user(org, Role.ADMIN))
    form = {
        "part": "organization",
        "name": org.name,
        "timezone": org.timezone,
        "mfa_policy": "everyone",
    }

    # when
    bad = client.post("/manage/settings/", form | {"mfa_policy": "sometimes"})
    good = client.post("/manage/settings/", form)

    # then
    assert bad.status_code == 400 and b"Select a valid choice" in bad.content
    assert good.status_code == 302
    org.refresh_from_db()
    assert org.mfa_policy == MfaPolicy.EVERYONE
    event = AuditEvent.objects.filter(event="organization.settings_changed").latest("id")
    assert event.data["mfa_policy"] == {"from": "off", "to": "everyone"}


def test_organizations_require_mfa_for_admins_and_managers_unless_told(db):
    from arrears.tenancy.services import organization_create

    made = organization_create(
        slug="new", name="New", kind="agency", currency="USD", country="US", timezone="UTC"
    )

    assert made.mfa_policy == MfaPolicy.ADMINS_AND_MANAGERS


def test_the_demo_organization_asks_nobody_and_says_so(db):
    from datetime import date

    from arrears.demo.management.commands.demo import mfa_note
    from arrears.demo.seed import LOGINS, seed_demo
    from arrears.tenancy.selectors import mfa_required, user_by_username

    org = seed_demo(accounts=5, today=date(2026, 12, 7))

    assert org.mfa_policy == MfaPolicy.OFF
    assert not any(mfa_required(user=user_by_username(username=login.username)) for login in LOGINS)
    assert "(MFA) is OFF in this demo organization" in mfa_note()
    _policy(org, MfaPolicy.EVERYONE)  # an admin changed it since: the note follows
    assert "required in this demo organization for: everyone" in mfa_note()


def test_wrong_codes_are_logged_and_count_towards_the_sign_in_lockout(client, org, make_user, settings):
    from axes.models import AccessFailureLog

    # given: a manager with an authenticator app, and a lockout after 3 failures
    settings.AXES_FAILURE_LIMIT = 3
    _policy(org, MfaPolicy.ADMINS_AND_MANAGERS)
    user = make_user(org, Role.MANAGER)
    TOTP.activate(user, generate_totp_secret())
    assert _sign_in(client, user.username)["Location"] == "/auth/2fa/authenticate/"

    # when: three wrong codes (the right password was given)
    answers = [client.post("/auth/2fa/authenticate/", {"code": "12345x"}).status_code for _ in range(3)]

    # then: each is in the failure log, the third locks out, and the password no longer opens the door
    assert answers == [200, 200, 429]
    assert AccessFailureLog.objects.filter(username=user.username).count() == 3
    client.logout()
    assert _sign_in(client, user.username).status_code == 429


def test_second_factor_secrets_are_encrypted_and_rotated_with_the_field_keys(
    client, org, make_user, settings
):
    from allauth.mfa.models import Authenticator
    from cryptography.fernet import Fernet

    from arrears.core import crypto
    from arrears.strategies.rotation import keys_rotate
    from arrears.tenancy.selectors import mfa_secrets_stale

    # given: a TOTP key and recovery codes made through allauth, and one key stored in the clear by an
    # earlier version
    settings.MFA_TOTP_TOLERANCE = 1
    _policy(org, MfaPolicy.ADMINS_AND_MANAGERS)
    user, old = make_user(org, Role.MANAGER), make_user(org, Role.ADMIN)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    clear = generate_totp_secret()
    Authenticator.objects.create(user=old, type=Authenticator.Type.TOTP, data={"secret": clear})

    # then: nothing of the user's is stored in the clear
    stored = {a.type: a.data for a in Authenticator.objects.filter(user=user)}
    assert stored["totp"]["secret"] != secret and crypto.decrypt(stored["totp"]["secret"]) == secret
    assert crypto.looks_encrypted(stored["recovery_codes"]["seed"])
    assert mfa_secrets_stale() == 1  # the one in the clear

    # when: a new key is put first, and the keys are rotated
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    assert mfa_secrets_stale() == 3
    result = keys_rotate(batch=1)

    # then: all three are under the new key, and the codes still work
    assert result.by_column["mfa.authenticator.secret"] == 3 and mfa_secrets_stale() == 0
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key retired
    assert crypto.decrypt(Authenticator.objects.get(user=old).data["secret"]) == clear
    _sign_in(client, user.username)
    right = client.post("/auth/2fa/authenticate/", {"code": totp_now(secret)})
    assert right.status_code == 302 and int(client.session["_auth_user_id"]) == user.pk
