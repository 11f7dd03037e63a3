"""Sign-in through django-allauth (docs/security.md): username and password at /login/, a second factor
for whoever has one, and each organization's OpenID Connect provider.

- django-axes counts and locks out failed passwords, so allauth's own password counter is off here
  (`pre_authenticate`); allauth still limits second-factor codes.
- Nobody signs up. An identity from an organization's provider signs in as the member of that
  organization whose email it verified, inside the organization's email domain; it never creates a user.
- The provider's settings come from the organization's row (tenancy.SingleSignOn, secret encrypted at
  rest), built per request into allauth's `SocialApp`, never stored in allauth's own table.
- allauth's OpenID Connect client sends no nonce: `sso_start` puts a fresh one in the session and in the
  authorization request, and `pre_social_login` refuses an ID token without it.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm
from allauth.account.views import LoginView
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from arrears.core import crypto
from arrears.tenancy.selectors import (
    is_member,
    member_by_email,
    mfa_required,
    principal_for_user,
    sso_buttons,
    sso_providers,
)
from arrears.tenancy.services import sso_sign_in_record

log = logging.getLogger(__name__)

PROVIDER = "openid_connect"
NONCE_KEY = "arrears_sso_nonce"
MFA_ENROL_KEY = "arrears_mfa_enrol"  # set at sign-in when the member must enrol a second factor


class SignInForm(LoginForm):
    """allauth's login form, its field named `username` as the form at /login/ always had."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.pop("login")
        field.label = "Username"
        # Each field has a visible label; allauth's placeholder text would only repeat it.
        field.widget.attrs.pop("placeholder", None)
        field.widget.attrs["autocomplete"] = "username"
        self.fields = {"username": field, **self.fields}
        self.fields["password"].help_text = ""  # no "forgot your password" link: an admin resets it
        self.fields["password"].widget.attrs.pop("placeholder", None)

    def clean(self) -> dict[str, Any]:
        if "username" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["username"].strip()
        return super().clean()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error("username" if field == "login" else field, error)


class SignInView(LoginView):
    """The sign-in page at /login/: the username form, and a button per organization's provider."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_buttons"] = sso_buttons()
        return context


class SsoStartForm(forms.Form):
    """The organization whose provider to use: a slug, checked before it reaches a query."""

    organization = forms.SlugField(max_length=50)


@require_POST
def sso_start(request: HttpRequest) -> HttpResponse:
    """Start a sign-in at the organization's provider (the button's form posts the organization's slug)."""
    form_in = SsoStartForm(request.POST)
    slug = form_in.cleaned_data["organization"] if form_in.is_valid() else ""
    if not slug or not sso_providers(slug=slug):
        form = SignInForm(request=request)
        context = {"form": form, "sso_buttons": sso_buttons()}
        context["sso_error"] = "No organization with single sign-on by that name."
        return render(request, "registration/login.html", context, status=400)
    request.session[NONCE_KEY] = secrets.token_urlsafe(32)
    return sso_login(request, provider_id=slug)


def sso_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's start of an OpenID Connect sign-in, with a provider that cannot be reached answered by a
    page that says so (502), not a server error."""
    try:
        return oidc_views.login(request, provider_id=provider_id)
    except requests.RequestException as exc:
        log.warning("single sign-on: provider of %s unreachable: %s", provider_id, exc)
        reason = "Your organization's sign-in provider cannot be reached. Try again later."
        return render(request, "registration/sso_refused.html", {"reason": reason}, status=502)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # staff are invited (Manage → People), never self-registered

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Failed passwords are counted and locked out by django-axes (settings: AXES_*)."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def list_apps(self, request: HttpRequest, provider: Any = None, client_id: Any = None) -> list[SocialApp]:
        """One OpenID Connect app per organization with single sign-on, built from its settings."""
        nonce = request.session.get(NONCE_KEY) if request is not None else None
        apps = []
        for sso in sso_providers():
            if provider not in (None, PROVIDER, sso.slug) or client_id not in (None, sso.client_id):
                continue
            settings: dict[str, Any] = {"server_url": sso.issuer, "fetch_userinfo": True}
            if nonce:
                settings["auth_params"] = {"nonce": nonce}
            apps.append(
                SocialApp(
                    provider=PROVIDER,
                    provider_id=sso.slug,
                    name=sso.label,
                    client_id=sso.client_id,
                    secret=sso.client_secret,
                    settings=settings,
                )
            )
        return apps

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        slug = sociallogin.account.provider
        found = sso_providers(slug=slug)
        if not found:
            _refuse(request, "This organization has no single sign-on.")
        sso = found[0]
        extra = sociallogin.account.extra_data or {}
        id_token = extra.get("id_token") or {}
        expected = request.session.pop(NONCE_KEY, None)
        if not expected or not secrets.compare_digest(str(id_token.get("nonce", "")), expected):
            _refuse(request, "The provider's answer does not belong to this sign-in (nonce).", sso.issuer)
        claims = extra.get("userinfo") or id_token
        email = str(claims.get("email") or "").strip()
        verified = any(a.verified and a.email.lower() == email.lower() for a in sociallogin.email_addresses)
        if not email or not verified:
            _refuse(request, "The provider did not give a verified email address.", sso.issuer)
        if email.rsplit("@", 1)[-1].lower() != sso.email_domain:
            _refuse(request, f"Only addresses at {sso.email_domain} may sign in here.", sso.issuer)
        if sociallogin.is_existing:
            user = sociallogin.user
            if not is_member(user_id=user.pk, organization_id=sso.organization_id):
                _refuse(request, "You are no longer a member of this organization.", sso.issuer)
        else:
            user = member_by_email(organization_id=sso.organization_id, email=email)
            if user is None:
                _refuse(request, f"No user of this organization has the email {email}.", sso.issuer)
            sociallogin.connect(request, user)
        request.session["organization_id"] = sso.organization_id
        principal = principal_for_user(user=user, organization_id=sso.organization_id)
        if principal is not None:
            sso_sign_in_record(principal=principal, issuer=sso.issuer, subject=sociallogin.account.uid)


def _refuse(request: HttpRequest, reason: str, issuer: str = "") -> None:
    log.warning("single sign-on refused (%s): %s", issuer or "no provider", reason)
    response = render(request, "registration/sso_refused.html", {"reason": reason}, status=403)
    raise ImmediateHttpResponse(response)


def flag_mfa_enrolment(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At sign-in (user_logged_in): remember whether this member must still enrol a second factor, so
    the middleware asks no query on each page."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    if request is None or not hasattr(request, "session"):
        return
    must = mfa_required(user=user, organization_id=request.session.get("organization_id"))
    factors = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    if must and not is_mfa_enabled(user, factors):
        request.session[MFA_ENROL_KEY] = True
    else:
        request.session.pop(MFA_ENROL_KEY, None)


def clear_mfa_enrolment(
    sender: Any, request: HttpRequest | None = None, authenticator: Any = None, **kwargs: Any
) -> None:
    """A second factor was added (allauth's authenticator_added): the member may use the workbench.
    Recovery codes alone do not count: they back up a factor, they are not one."""
    from allauth.mfa.models import Authenticator

    kind = getattr(authenticator, "type", None)
    if kind not in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN):
        return
    if request is not None and hasattr(request, "session"):
        request.session.pop(MFA_ENROL_KEY, None)


def record_mfa_failure(
    sender: Any,
    request: HttpRequest | None = None,
    user: Any = None,
    reauthentication: bool = False,
    **kwargs: Any,
) -> None:
    """A wrong second-factor code (allauth's authentication_failed): logged, and handed to django-axes
    as a failed sign-in of that username from that address, so it is stored in the failure log and
    counts towards the same lockout as a wrong password (guessing codes is guessing a credential)."""
    from django.contrib.auth.signals import user_login_failed

    username = user.get_username() if user is not None else ""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    log.warning("wrong second-factor code for %r from %s", username, address or "unknown address")
    user_login_failed.send(
        sender=__name__,
        credentials={"username": username, "second_factor": "code"},
        request=request,
    )


class MfaAdapter(DefaultMFAAdapter):
    """allauth's second factors, with their secrets (TOTP keys, recovery-code seeds) encrypted with the
    field keys like every other secret column, and re-encrypted by `arrears rotate-keys`."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        if crypto.looks_encrypted(encrypted_text):
            return crypto.decrypt(encrypted_text)
        return encrypted_text  # written in the clear before secrets were encrypted; rotate-keys fixes it
