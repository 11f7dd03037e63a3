"""Tenancy's reads for the other apps (which may not import `arrears.tenancy.models`)."""

import pytest
from django.db.models import Q

from arrears.core.errors import NotFound
from arrears.tenancy.models import Organization
from arrears.tenancy.selectors import (
    client_get,
    client_list,
    organization_currency,
    organization_get,
    organization_list,
    user_by_username,
)
from arrears.tenancy.services import client_create, organization_create, user_create


def test_client_list_is_the_organizations_clients_by_name_and_active_only_when_asked(org, other_org, system):
    zeta = client_create(organization=org, code="zeta", name="Zeta Bank", actor=system)
    alpha = client_create(organization=org, code="alpha", name="Alpha Bank", actor=system)
    client_create(organization=other_org, code="theirs", name="Another Org's Bank", actor=system)
    alpha.active = False
    alpha.save(update_fields=["active"])

    every = list(client_list(organization_id=org.pk))
    active = list(client_list(organization_id=org.pk, active_only=True))

    assert every == [alpha, zeta]
    assert active == [zeta]


def test_client_get_of_another_organizations_code_is_not_found(org, other_org, system):
    client_create(organization=other_org, code="theirs", name="Theirs", actor=system)

    with pytest.raises(NotFound) as error:
        client_get(organization=org, code="theirs")

    assert error.value.code == "CLIENT_NOT_FOUND"


def test_organization_get_and_currency(org):
    found = organization_get(organization_id=org.pk)
    currency = organization_currency(organization_id=org.pk)

    assert found == org
    assert currency == "USD"
    with pytest.raises(Organization.DoesNotExist):
        organization_get(organization_id=org.pk + 1000)


def test_organization_list_filters_loads_only_and_orders_as_asked(org, other_org, django_assert_num_queries):
    with django_assert_num_queries(1):
        by_slug = list(organization_list(order_by=("-slug",)))
    with django_assert_num_queries(1):
        chosen = list(organization_list(where=Q(id__in=[other_org.pk]), only=("collection_mode",)))

    assert by_slug == [other_org, org]
    assert chosen == [other_org]
    assert chosen[0].get_deferred_fields() >= {"slug", "name", "currency"}


def test_user_by_username(make_user, org):
    user = make_user(org, username="alice")

    assert user_by_username(username="alice") == user
    assert user_by_username(username="nobody") is None


def test_organization_create_takes_the_letterhead_and_user_create_makes_a_login(db):
    org = organization_create(
        slug="summit",
        name="Summit",
        kind="agency",
        currency="USD",
        country="US",
        timezone="America/New_York",
        legal_name="Summit LLC",
        address="1 Main St",
        phone="+15185550100",
    )
    user = user_create(
        username="boss", password="pw-for-tests-1", email="boss@example.invalid", is_staff=True
    )

    org.refresh_from_db()
    assert (org.legal_name, org.address, org.phone) == ("Summit LLC", "1 Main St", "+15185550100")
    assert user.is_staff and not user.is_superuser
    assert user.check_password("pw-for-tests-1")
