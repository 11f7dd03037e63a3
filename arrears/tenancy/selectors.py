from __future__ import annotations

from arrears.core.errors import ArrearsError, NotFound

from .choices import Role
from .domain import Principal
from .errors import TenancyError
from .models import Client, Membership, Organization, User


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
