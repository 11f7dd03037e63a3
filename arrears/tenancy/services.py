from __future__ import annotations

import zoneinfo

from django.db import IntegrityError, transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.core.money import is_currency_code

from .choices import CollectionMode, OrganizationKind, Role
from .domain import Principal, system_principal
from .errors import TenancyError
from .models import Client, Membership, Organization, Team, User


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
) -> Organization:
    """A new organization (audited). The letterhead (legal name, address, phone) is optional."""
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
    )
    actor = system_principal(org.pk, actor_label)
    audit_record(
        actor=actor,
        event=Event.ORGANIZATION_CREATED,
        subject_type="organization",
        subject_id=org.pk,
        data={"slug": slug, "kind": kind, "currency": currency},
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
