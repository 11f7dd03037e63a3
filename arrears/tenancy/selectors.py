from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from arrears.core import crypto
from arrears.core.crypto import decrypt
from arrears.core.errors import ArrearsError, NotFound
from arrears.core.rotation import stale_count
from arrears.core.sql import in_ids, select

from .choices import MfaPolicy, Role
from .domain import MFA_SECRET_KEYS, Principal
from .errors import TenancyError
from .models import Client, Membership, Organization, SingleSignOn, Team, User

if TYPE_CHECKING:
    from django.db.models import Q, QuerySet
    from django.db.models.expressions import BaseExpression


def principal_for_user(*, user: User, organization_id: int | None = None) -> Principal | None:
    """The user's principal in an organization (their first one if not given), or None."""
    memberships = Membership.objects.filter(user=user).order_by("id")
    if organization_id is not None:
        memberships = memberships.filter(organization_id=organization_id)
    membership = memberships.first()
    if membership is None:
        return None
    client_ids = None
    if membership.role == Role.CLIENT_VIEWER:
        client_ids = frozenset(membership.clients.values_list("id", flat=True))
    return Principal(
        organization_id=membership.organization_id,
        role=membership.role,
        user_id=user.pk,
        label=user.get_username(),
        client_ids=client_ids,
    )


def organization_resolve(
    *, slug: str | None, client_code: str | None = None, among: Collection[int] | None = None
) -> Organization:
    """The organization named by slug, or the only one when no slug is given (CLI convenience).

    With several organizations, what the command names picks one: the organization that has the client
    ``client_code``, or the only one of ``among`` (organization ids the caller found, e.g. those holding
    an account reference). So a second organization does not break a command that worked with one.
    """
    if slug:
        try:
            return Organization.objects.get(slug=slug)
        except Organization.DoesNotExist:
            raise NotFound(TenancyError.ORG_NOT_FOUND, f"no organization with slug {slug!r}") from None
    orgs = list(Organization.objects.order_by("id")[:2])
    if not orgs:
        raise NotFound(
            TenancyError.ORG_NOT_FOUND, "no organization exists yet: run `arrears org create` first"
        )
    if len(orgs) == 1:
        return orgs[0]
    narrowed = Organization.objects.order_by("id")
    if client_code:
        narrowed = narrowed.filter(clients__code=client_code)
    if among is not None:
        narrowed = narrowed.filter(pk__in=list(among))
    if client_code or among is not None:
        found = list(narrowed.distinct()[:2])
        if len(found) == 1:
            return found[0]
    slugs = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True)[:10])
    raise ArrearsError(
        TenancyError.ORG_AMBIGUOUS, f"several organizations exist ({slugs}): name one with --org"
    )


def client_get(*, organization: Organization, code: str) -> Client:
    try:
        return Client.objects.get(organization=organization, code=code)
    except Client.DoesNotExist:
        raise NotFound(TenancyError.CLIENT_NOT_FOUND, f"no client {code!r} in {organization.slug}") from None


def client_ids_with_code(*, organization_id: int, code: str) -> list[int]:
    """The ids of the organization's clients with this code (one, or none), read by hand: a hot path
    (the compliance gate's API) names its account by the client's code."""
    return [
        pk
        for (pk,) in select(
            f"SELECT id FROM {Client._meta.db_table} WHERE organization_id = %s AND code = %s",  # noqa: S608 (fixed names; values bound)
            [organization_id, code],
        )
    ]


def client_for_principal(*, principal: Principal, code: str | None) -> Client:
    """The client with this code among those the principal may see; without a code, the one client
    the principal sees (a client token's own, or an organization's only client). Another
    organization's or client's code is simply not found."""
    clients = Client.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        clients = clients.filter(pk__in=principal.client_ids)
    if code:
        clients = clients.filter(code=code)
    found = list(clients.order_by("pk")[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound(TenancyError.CLIENT_NOT_FOUND, f"no client {code!r}" if code else "no client")
    raise ArrearsError(TenancyError.CLIENT_REQUIRED, "several clients: name one by its code")


def client_list(*, organization_id: int, active_only: bool = False) -> QuerySet[Client]:
    """The organization's clients by name (only the active ones when asked), e.g. for a form's choices."""
    clients = Client.objects.filter(organization_id=organization_id)
    if active_only:
        clients = clients.filter(active=True)
    return clients.order_by("name")


def organization_get(*, organization_id: int) -> Organization:
    """The organization by id; `Organization.DoesNotExist` when there is none (ids come from our own rows)."""
    return Organization.objects.get(pk=organization_id)


def organization_list(
    *,
    where: Q | BaseExpression | None = None,
    only: Sequence[str] = (),
    order_by: Sequence[str] = (),
) -> QuerySet[Organization]:
    """Organizations matching `where` (all when None), with only the named fields loaded and in the
    named order when given; the caller's filter goes into the one query unchanged."""
    organizations = Organization.objects.all()
    if where is not None:
        organizations = organizations.filter(where)
    if only:
        organizations = organizations.only(*only)
    if order_by:
        organizations = organizations.order_by(*order_by)
    return organizations


def organization_collection_modes(*, organization_ids: Iterable[int]) -> dict[int, str]:
    """Each of these organizations' collection mode, by id: the compliance gate's read, written by hand
    (``arrears.core.sql``) and held to the ORM's by ``compliance/tests/test_decision_reads.py``."""
    where, params = in_ids("id", organization_ids)
    rows = select(f"SELECT id, collection_mode FROM {Organization._meta.db_table} WHERE {where}", params)  # noqa: S608 (fixed names; values bound)
    return dict(rows)  # type: ignore[arg-type]


def organization_currency(*, organization_id: int) -> str:
    """The organization's home currency (ISO 4217), read without loading the row."""
    return Organization.objects.values_list("currency", flat=True).get(pk=organization_id)


def user_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()


def memberships_list(*, organization_id: int) -> QuerySet[Membership]:
    """Everyone with access to the organization, with their clients (two queries for the page)."""
    return (
        Membership.objects.filter(organization_id=organization_id)
        .select_related("user", "team")
        .prefetch_related("clients")
        .order_by("user__username")
    )


def membership_get(*, organization_id: int, user_id: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(
            organization_id=organization_id, user__pk=user_id
        )
    except Membership.DoesNotExist:
        raise NotFound(TenancyError.USER_NOT_FOUND, f"no user {user_id} in this organization") from None


def teams_for(organization_id: int) -> QuerySet[Team]:
    """The organization's teams, by name."""
    return Team.objects.filter(organization_id=organization_id).order_by("name", "id")


def team_user_ids(team_id: int) -> list[int]:
    """The users in a team, in id order."""
    return list(
        Membership.objects.filter(team_id=team_id).order_by("user_id").values_list("user_id", flat=True)
    )


def user_team_id(*, organization_id: int, user_id: int) -> int | None:
    """The team a member belongs to in the organization, if any."""
    return (
        Membership.objects.filter(organization_id=organization_id, user_id=user_id)
        .values_list("team_id", flat=True)
        .first()
    )


def organization_member_ids(organization_id: int) -> set[int]:
    """The ids of every user with a membership in the organization."""
    return set(Membership.objects.filter(organization_id=organization_id).values_list("user_id", flat=True))


def client_for(*, principal: Principal, code: str | None) -> Client:
    """The client with this code among those the principal may see; without a code, the principal's
    only client (a client's own token). Another organization's or client's code is not found."""
    clients = Client.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        clients = clients.filter(pk__in=principal.client_ids)
    if code:
        clients = clients.filter(code=code)
    found = list(clients.select_related("organization")[:2])
    if len(found) != 1:
        raise NotFound(
            TenancyError.CLIENT_NOT_FOUND,
            f"no client {code!r}" if code else "name the client (its code): this token is not a client's",
        )
    return found[0]


def mfa_required(*, user: User, organization_id: int | None = None) -> bool:
    """Whether the organization's MFA policy asks this member for a second factor: admins and managers
    (the default), everyone, or nobody (the demo). A user with no membership is not asked here."""
    memberships = Membership.objects.filter(user=user).select_related("organization").order_by("id")
    if organization_id is not None:
        memberships = memberships.filter(organization_id=organization_id)
    membership = memberships.first()
    if membership is None:
        return False
    policy = membership.organization.mfa_policy
    if policy == MfaPolicy.EVERYONE:
        return True
    return policy == MfaPolicy.ADMINS_AND_MANAGERS and membership.role in (Role.ADMIN, Role.MANAGER)


@dataclass(frozen=True, slots=True)
class SsoProvider:
    """An organization's OpenID Connect provider, with its secret decrypted (for the sign-in only)."""

    organization_id: int
    slug: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    email_domain: str


def sso_get(*, organization_id: int) -> SingleSignOn | None:
    """The organization's single sign-on settings (the secret stays encrypted), or None."""
    return SingleSignOn.objects.filter(organization_id=organization_id).first()


def sso_buttons() -> list[tuple[str, str]]:
    """(organization slug, button name) of every enabled provider, for the log-in page (no secret read)."""
    rows = SingleSignOn.objects.filter(enabled=True).order_by("label", "organization__slug")
    return list(rows.values_list("organization__slug", "label"))


def sso_providers(*, slug: str | None = None) -> list[SsoProvider]:
    """The enabled providers (the one of organization ``slug`` when given), for the sign-in page."""
    rows = SingleSignOn.objects.filter(enabled=True).select_related("organization").order_by("label")
    if slug is not None:
        rows = rows.filter(organization__slug=slug)
    return [
        SsoProvider(
            organization_id=row.organization_id,
            slug=row.organization.slug,
            label=row.label,
            issuer=row.issuer,
            client_id=row.client_id,
            client_secret=decrypt(row.client_secret_encrypted),
            email_domain=row.email_domain,
        )
        for row in rows
    ]


def member_by_email(*, organization_id: int, email: str) -> User | None:
    """The organization's member with this email address (case-insensitive); None if none, or if several
    share it (an identity must name one user)."""
    users = list(
        User.objects.filter(
            email__iexact=email.strip(), is_active=True, memberships__organization_id=organization_id
        )[:2]
    )
    return users[0] if len(users) == 1 else None


def is_member(*, user_id: int, organization_id: int) -> bool:
    return Membership.objects.filter(user_id=user_id, organization_id=organization_id).exists()


def sso_secrets_stale() -> int:
    """How many single sign-on client secrets are not under the newest field key."""
    return stale_count(SingleSignOn, "client_secret_encrypted")


def mfa_secrets_stale() -> int:
    """How many second factors hold a secret (TOTP key, recovery-code seed) not under the newest field
    key, or in the clear (written before secrets were encrypted)."""
    from allauth.mfa.models import Authenticator

    return sum(
        1
        for data in Authenticator.objects.values_list("data", flat=True).iterator(chunk_size=2000)
        if any(data and data.get(k) and not crypto.is_current(data[k]) for k in MFA_SECRET_KEYS)
    )
