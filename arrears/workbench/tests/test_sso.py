"""Single sign-on through an organization's OpenID Connect provider, against a local stand-in that speaks
the protocol: the whole flow through /login/, and the answers that must be refused."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from arrears.audit.models import AuditEvent
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.models import SingleSignOn
from arrears.tenancy.services import sso_configure

from .oidc_standin import OidcStandIn


@pytest.fixture
def provider():
    standin = OidcStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def sso(org, provider):
    admin = Principal(organization_id=org.pk, role=Role.ADMIN, label="test")
    return sso_configure(
        organization_id=org.pk,
        enabled=True,
        label="Acme Okta",
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domain="acme.test",
        actor=admin,
    )


@pytest.fixture
def alice(org, make_user):
    user = make_user(org, Role.MANAGER, username="alice")
    user.email = "Alice@acme.test"
    user.save(update_fields=["email"])
    return user


def _start(client, slug="acme"):
    """Press "Sign in with …" on /login/: the browser is sent to the provider's /authorize."""
    response = client.post("/login/sso/", {"organization": slug})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def _at_provider(authorize_url):
    """The provider signs the user in and sends the browser back with code and state."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}", parse_qs(back.query)


def test_a_member_signs_in_with_the_organizations_provider(client, sso, provider, alice):
    # given: the log-in page offers the organization's provider
    page = client.get("/login/")
    assert b"Sign in with Acme Okta" in page.content
    provider.identity = {"sub": "okta|alice", "email": "alice@acme.test", "email_verified": True}

    # when
    authorize = _start(client)
    sent = parse_qs(urlsplit(authorize).query)
    callback, _ = _at_provider(authorize)
    response = client.get(callback)

    # then: signed in as the member with that email, a nonce and PKCE were used, and it is audited
    assert response.status_code == 302, response.content[:800]
    assert int(client.session["_auth_user_id"]) == alice.pk
    assert sent["nonce"][0] and sent["code_challenge_method"] == ["S256"] and sent["state"][0]
    assert "/.well-known/openid-configuration" in provider.requests[0]
    assert any(path.startswith("/token") for path in provider.requests)
    event = AuditEvent.objects.filter(event="user.signed_in_with_sso").get()
    assert event.data["subject"] == "okta|alice" and event.subject_id == str(alice.pk)
    assert client.get("/accounts/").status_code in (200, 302)

    # and the second time the linked identity signs in again, without an email match
    client.logout()
    provider.identity = {"sub": "okta|alice", "email": "alice@acme.test", "email_verified": True}
    callback, _ = _at_provider(_start(client))
    assert client.get(callback).status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_the_secret_is_stored_encrypted(sso, provider):
    row = SingleSignOn.objects.get()

    assert provider.client_secret not in row.client_secret_encrypted
    assert row.email_domain == "acme.test"


def test_a_forged_state_is_refused(client, sso, provider, alice):
    # given
    provider.identity = {"sub": "okta|alice", "email": "alice@acme.test"}
    callback, query = _at_provider(_start(client))

    # when: the answer comes back with another state (a login CSRF)
    forged = callback.replace(f"state={query['state'][0]}", "state=forged")
    response = client.get(forged)

    # then
    assert "_auth_user_id" not in client.session
    assert b"Single sign-on failed" in response.content


def test_a_wrong_nonce_is_refused(client, sso, provider, alice):
    # given: the provider returns an ID token minted for another sign-in
    provider.identity = {"sub": "okta|alice", "email": "alice@acme.test"}
    provider.nonce_override = "someone-elses-nonce"
    callback, _ = _at_provider(_start(client))

    # when
    response = client.get(callback)

    # then
    assert response.status_code == 403 and b"nonce" in response.content
    assert "_auth_user_id" not in client.session


def test_a_sign_in_started_without_our_nonce_is_refused(client, sso, provider, alice):
    # given: someone posts straight to allauth's start URL, skipping /login/sso/ (no nonce in the session)
    provider.identity = {"sub": "okta|alice", "email": "alice@acme.test"}
    start = client.post("/auth/oidc/acme/login/")
    callback, _ = _at_provider(start["Location"])

    # when
    response = client.get(callback)

    # then
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("identity", "reason"),
    [
        (
            {"sub": "x1", "email": "mallory@acme.test", "email_verified": True},
            b"No user of this organization",
        ),
        ({"sub": "x2", "email": "alice@evil.test", "email_verified": True}, b"Only addresses at acme.test"),
        ({"sub": "x3", "email": "alice@acme.test", "email_verified": False}, b"verified email"),
    ],
    ids=["unknown-email", "other-domain", "unverified-email"],
)
def test_an_identity_that_names_no_member_is_refused_and_nobody_is_created(
    client, sso, provider, alice, identity, reason
):
    from arrears.tenancy.models import User

    provider.identity = identity
    users_before = User.objects.count()
    callback, _ = _at_provider(_start(client))

    response = client.get(callback)

    assert response.status_code == 403 and reason in response.content
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before


def test_an_unknown_organization_is_a_clear_400(client, sso):
    response = client.post("/login/sso/", {"organization": "nobody"})

    assert response.status_code == 400 and b"No organization with single sign-on" in response.content


@pytest.mark.django_db(transaction=True)  # sso_configure's own transaction, not pytest-django's
def test_an_admin_sets_up_single_sign_on_in_the_settings(client, org, make_user, provider):
    # given
    client.force_login(make_user(org, Role.ADMIN, username="ada"))
    form = {
        "enabled": "on",
        "label": "Acme Okta",
        "issuer": provider.issuer + "/",
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "email_domain": "@Acme.test",
    }

    # when
    bad = client.post("/manage/settings/sso/", form | {"email_domain": "not a domain"})
    saved = client.post("/manage/settings/sso/", form)
    kept = client.post("/manage/settings/sso/", form | {"client_secret": "", "label": "Okta"})

    # then: errors next to the field; the secret kept when left empty
    assert bad.status_code == 400 and b"A domain like example.com" in bad.content
    assert saved.status_code == 302 and kept.status_code == 302
    row = SingleSignOn.objects.get(organization=org)
    assert (row.issuer, row.email_domain, row.label) == (provider.issuer, "acme.test", "Okta")
    from arrears.core.crypto import decrypt

    assert decrypt(row.client_secret_encrypted) == provider.client_secret
    page = client.get("/manage/settings/sso/")
    assert provider.client_secret.encode() not in page.content
    assert b"/auth/oidc/acme/login/callback/" in page.content


@pytest.mark.parametrize("role", [Role.MANAGER, Role.COLLECTOR])
def test_only_an_admin_may_set_up_single_sign_on(client, org, make_user, role):
    client.force_login(make_user(org, role))

    assert client.get("/manage/settings/sso/").status_code == 403


def test_rotate_keys_re_encrypts_the_client_secret(org, settings):
    from cryptography.fernet import Fernet

    from arrears.core import crypto
    from arrears.strategies.rotation import keys_rotate

    # given: a secret stored under the old key, then a new key prepended
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    admin = Principal(organization_id=org.pk, role=Role.ADMIN, label="test")
    sso_configure(
        organization_id=org.pk,
        enabled=True,
        label="Okta",
        issuer="https://login.acme.test",
        client_id="arrears",
        client_secret="the-secret",  # noqa: S106 - a test value
        email_domain="acme.test",
        actor=admin,
    )
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    # when
    result = keys_rotate(batch=10)

    # then
    assert result.by_column["tenancy.single_sign_on.client_secret"] == 1 and result.remaining == 0
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(SingleSignOn.objects.get().client_secret_encrypted) == "the-secret"


def test_a_provider_that_cannot_be_reached_is_a_clear_502(client, org):
    # given: the provider's address answers nothing (nothing listens on port 9)
    admin = Principal(organization_id=org.pk, role=Role.ADMIN, label="test")
    sso_configure(
        organization_id=org.pk,
        enabled=True,
        label="Down",
        issuer="http://127.0.0.1:9",
        client_id="arrears",
        client_secret="x",  # noqa: S106 - a test value
        email_domain="acme.test",
        actor=admin,
    )

    response = client.post("/login/sso/", {"organization": "acme"})

    assert response.status_code == 502 and b"cannot be reached" in response.content
