from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from arrears.core.errors import ArrearsError, NotFound

from .choices import Role
from .domain import Principal
from .errors import TenancyError
from .models import Client, Membership, Organization, Team, User

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


def organization_resolve(*, slug: str | None) -> Organization:
    """The organization named by slug, or the only one when no slug is given (CLI convenience)."""
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
    if len(orgs) > 1:
        raise ArrearsError(TenancyError.ORG_AMBIGUOUS, "several organizations exist: name one with --org")
    return orgs[0]


def client_get(*, organization: Organization, code: str) -> Client:
    try:
        return Client.objects.get(organization=organization, code=code)
    except Client.DoesNotExist:
        raise NotFound(TenancyError.CLIENT_NOT_FOUND, f"no client {code!r} in {organization.slug}") from None


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


def organization_currency(*, organization_id: int) -> str:
    """The organization's home currency (ISO 4217), read without loading the row."""
    return Organization.objects.values_list("currency", flat=True).get(pk=organization_id)


def user_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()


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
