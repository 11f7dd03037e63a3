from __future__ import annotations

import zoneinfo
from collections.abc import Mapping

from cryptography.fernet import InvalidToken
from django.db import IntegrityError, transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core import crypto
from arrears.core.crypto import encrypt
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.core.money import is_currency_code
from arrears.core.rotation import RotationBatch, rotate_column_batch

from .choices import CollectionMode, MfaPolicy, OrganizationKind, Role
from .domain import MFA_SECRET_KEYS, Principal, system_principal
from .errors import TenancyError
from .models import Client, Membership, Organization, SingleSignOn, Team, User


@transaction.atomic
def organization_create(
    *,
    slug: str,
    name: str,
    kind: str,
    currency: str,
    country: str,
    timezone: str,
    actor_label: str = "cli",
    legal_name: str = "",
    address: str = "",
    phone: str = "",
    mfa_policy: str = MfaPolicy.ADMINS_AND_MANAGERS,
) -> Organization:
    """A new organization (audited). The letterhead (legal name, address, phone) is optional. Admins and
    managers must enrol a second factor unless ``mfa_policy`` says otherwise (the demo turns it off)."""
    if mfa_policy not in MfaPolicy.values:
        raise ArrearsError(
            TenancyError.SETTING_INVALID, f"mfa_policy must be one of {', '.join(MfaPolicy.values)}"
        )
    if kind not in OrganizationKind.values:
        raise ArrearsError(
            TenancyError.INVALID_KIND, f"kind must be one of {', '.join(OrganizationKind.values)}"
        )
    if not is_currency_code(currency):
        raise ArrearsError(TenancyError.INVALID_CURRENCY, f"not an ISO 4217 currency code: {currency!r}")
    if len(country) != 2 or not country.isalpha() or not country.isupper():
        raise ArrearsError(TenancyError.INVALID_COUNTRY, f"not an ISO 3166 alpha-2 country code: {country!r}")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ArrearsError(TenancyError.INVALID_TIMEZONE, f"unknown time zone: {timezone!r}") from exc
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(TenancyError.SLUG_TAKEN, f"an organization with slug {slug!r} exists")
    mode = CollectionMode.AGENCY if kind == OrganizationKind.AGENCY else CollectionMode.FIRST_PARTY
    org = Organization.objects.create(
        slug=slug,
        name=name,
        kind=kind,
        collection_mode=mode,
        currency=currency,
        country=country,
        timezone=timezone,
        legal_name=legal_name,
        address=address,
        phone=phone,
        mfa_policy=mfa_policy,
    )
    actor = system_principal(org.pk, actor_label)
    audit_record(
        actor=actor,
        event=Event.ORGANIZATION_CREATED,
        subject_type="organization",
        subject_id=org.pk,
        data={"slug": slug, "kind": kind, "currency": currency, "mfa_policy": mfa_policy},
    )
    if kind == OrganizationKind.BUSINESS:
        # A business collects its own invoices: its one client is itself.
        client_create(organization=org, code="self", name=name, is_self=True, actor=actor)
    return org


@transaction.atomic
def client_create(
    *, organization: Organization, code: str, name: str, actor: Principal, is_self: bool = False
) -> Client:
    try:
        with transaction.atomic():
            client = Client.objects.create(organization=organization, code=code, name=name, is_self=is_self)
    except IntegrityError as exc:
        raise Conflict(
            TenancyError.CLIENT_CODE_TAKEN, f"client code {code!r} exists in {organization.slug}"
        ) from exc
    audit_record(
        actor=actor,
        event=Event.CLIENT_CREATED,
        subject_type="client",
        subject_id=client.pk,
        data={"code": code, "name": name},
    )
    return client


def user_create(
    *, username: str, password: str, email: str = "", is_staff: bool = False, is_superuser: bool = False
) -> User:
    """A login. A user belongs to no organization until `membership_grant` (which is audited) adds one."""
    return User.objects.create_user(
        username=username, password=password, email=email, is_staff=is_staff, is_superuser=is_superuser
    )


@transaction.atomic
def membership_grant(
    *,
    organization: Organization,
    user: User,
    role: str,
    actor: Principal,
    clients: list[Client] | None = None,
) -> Membership:
    if role not in Role.values:
        raise ArrearsError(TenancyError.ROLE_INVALID, f"role must be one of {', '.join(Role.values)}")
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if clients is not None:
        membership.clients.set(clients)
    audit_record(
        actor=actor,
        event=Event.MEMBERSHIP_GRANTED,
        subject_type="user",
        subject_id=user.pk,
        data={"role": role, "clients": [c.code for c in clients or []]},
    )
    return membership


@transaction.atomic
def team_create(*, organization_id: int, name: str, actor: Principal) -> Team:
    """A new team of collectors in the organization (audited). Names are unique per organization."""
    clean = " ".join(name.split())
    if not clean:
        raise ArrearsError(TenancyError.TEAM_NAME_EMPTY, "a team needs a name")
    if len(clean) > 80:
        raise ArrearsError(TenancyError.TEAM_NAME_EMPTY, "a team name has at most 80 characters")
    try:
        with transaction.atomic():
            team = Team.objects.create(organization_id=organization_id, name=clean)
    except IntegrityError as exc:
        raise Conflict(TenancyError.TEAM_NAME_TAKEN, f"a team named {clean!r} exists") from exc
    audit_record(
        actor=actor, event=Event.TEAM_CREATED, subject_type="team", subject_id=team.pk, data={"name": clean}
    )
    return team


@transaction.atomic
def membership_team_set(*, organization_id: int, user_id: int, team_id: int | None, actor: Principal) -> None:
    """Put a member of the organization in a team, or (``team_id=None``) take them out of theirs."""
    if team_id is not None and not Team.objects.filter(pk=team_id, organization_id=organization_id).exists():
        raise NotFound(TenancyError.TEAM_NOT_FOUND, f"no team {team_id} in this organization")
    updated = Membership.objects.filter(organization_id=organization_id, user_id=user_id).update(
        team_id=team_id
    )
    if not updated:
        raise NotFound(
            TenancyError.MEMBERSHIP_NOT_FOUND, f"user {user_id} is not a member of this organization"
        )
    audit_record(
        actor=actor,
        event=Event.MEMBERSHIP_TEAM_SET,
        subject_type="user",
        subject_id=user_id,
        data={"team": team_id},
    )


SETTINGS_FIELDS = ("name", "legal_name", "address", "phone", "timezone", "email_sender_name", "mfa_policy")


@transaction.atomic
def organization_settings_update(
    *, organization_id: int, changes: Mapping[str, str], actor: Principal
) -> Organization:
    """Change the organization's own settings (name, letterhead, time zone, the email sender name); the
    audit event names each field with its old and new value."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ArrearsError(TenancyError.SETTING_INVALID, f"not a setting: {', '.join(sorted(unknown))}")
    if "timezone" in changes:
        try:
            zoneinfo.ZoneInfo(changes["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ArrearsError(
                TenancyError.INVALID_TIMEZONE, f"unknown time zone {changes['timezone']!r}"
            ) from None
    if "mfa_policy" in changes and changes["mfa_policy"] not in MfaPolicy.values:
        raise ArrearsError(TenancyError.SETTING_INVALID, f"not an MFA policy: {changes['mfa_policy']!r}")
    if "name" in changes and not changes["name"].strip():
        raise ArrearsError(TenancyError.SETTING_INVALID, "the organization needs a name")
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    changed = {k: v for k, v in changes.items() if getattr(organization, k) != v}
    if not changed:
        return organization
    before = {k: getattr(organization, k) for k in changed}
    for k, v in changed.items():
        setattr(organization, k, v)
    organization.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        event=Event.ORGANIZATION_SETTINGS_CHANGED,
        subject_type="organization",
        subject_id=organization.pk,
        data={k: {"from": before[k], "to": v} for k, v in changed.items()},
    )
    return organization


@transaction.atomic
def sso_configure(
    *,
    organization_id: int,
    enabled: bool,
    label: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domain: str,
    actor: Principal,
) -> SingleSignOn:
    """Set the organization's OpenID Connect provider (audited; the secret is encrypted, never logged).
    An empty ``client_secret`` keeps the stored one."""
    issuer = issuer.strip().rstrip("/")
    domain = email_domain.strip().lower().lstrip("@")
    if not issuer.startswith(("https://", "http://")):
        raise ArrearsError(TenancyError.SSO_INVALID, "the issuer is an https:// URL")
    if not client_id.strip():
        raise ArrearsError(TenancyError.SSO_INVALID, "the client id is required")
    if not domain or "." not in domain or "@" in domain:
        raise ArrearsError(TenancyError.SSO_INVALID, "the email domain looks like example.com")
    existing = SingleSignOn.objects.select_for_update().filter(organization_id=organization_id).first()
    if existing is None and not client_secret:
        raise ArrearsError(TenancyError.SSO_INVALID, "the client secret is required")
    values = {
        "enabled": enabled,
        "label": label.strip() or "single sign-on",
        "issuer": issuer,
        "client_id": client_id.strip(),
        "email_domain": domain,
    }
    if client_secret:
        values["client_secret_encrypted"] = encrypt(client_secret)
    sso, _ = SingleSignOn.objects.update_or_create(organization_id=organization_id, defaults=values)
    audit_record(
        actor=actor,
        event=Event.ORGANIZATION_SSO_CONFIGURED,
        subject_type="organization",
        subject_id=organization_id,
        data={k: v for k, v in values.items() if k != "client_secret_encrypted"}
        | {"secret_changed": bool(client_secret)},
    )
    return sso


@transaction.atomic
def sso_sign_in_record(*, principal: Principal, issuer: str, subject: str) -> None:
    """A member signed in through the organization's provider (audited: who, which provider, which
    identity there)."""
    audit_record(
        actor=principal,
        event=Event.USER_SIGNED_IN_WITH_SSO,
        subject_type="user",
        subject_id=principal.user_id,
        data={"issuer": issuer, "subject": subject},
    )


def sso_secrets_rotate(*, after_id: int, batch: int) -> RotationBatch:
    """Re-encrypt single sign-on client secrets under the newest field key (`arrears rotate-keys`)."""
    return rotate_column_batch(SingleSignOn, "client_secret_encrypted", after_id=after_id, batch=batch)


def _mfa_secret_fresh(value: str) -> str | None:
    """The value re-encrypted under the newest key, or None when it already is."""
    if crypto.is_current(value):
        return None
    try:
        return crypto.rotate(value)
    except InvalidToken:
        return crypto.encrypt(value)  # written in the clear, before secrets were encrypted


def mfa_secrets_rotate(*, after_id: int, batch: int) -> RotationBatch:
    """Re-encrypt the second factors' secrets (TOTP keys, recovery-code seeds) under the newest field
    key (`arrears rotate-keys`), ``batch`` authenticators after ``after_id`` per transaction."""
    from allauth.mfa.models import Authenticator

    with transaction.atomic():
        rows = list(Authenticator.objects.select_for_update().filter(pk__gt=after_id).order_by("pk")[:batch])
        changed = []
        for row in rows:
            data = dict(row.data or {})
            fresh = {k: _mfa_secret_fresh(v) for k, v in data.items() if k in MFA_SECRET_KEYS and v}
            if any(v is not None for v in fresh.values()):
                data.update({k: v for k, v in fresh.items() if v is not None})
                row.data = data
                changed.append(row)
        Authenticator.objects.bulk_update(changed, ["data"], batch_size=500)
    return RotationBatch(len(rows), len(changed), rows[-1].pk if rows else None)
