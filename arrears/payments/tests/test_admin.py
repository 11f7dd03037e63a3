from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from arrears.core.money import Money
from arrears.payments.services import payment_post
from arrears.tenancy.choices import Role

PAGES = [
    "payment",
    "promise",
    "paymentplan",
    "settlement",
    "interestaccrual",
    "exchangerate",
    "interestcap",
]


@pytest.fixture
def payment(make_account, system):
    account = make_account(principal=Decimal("100.00"))
    return payment_post(
        account=account,
        amount=Money.of("10.00", "USD"),
        method="cash",
        received_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
        actor=system,
        idempotency_key="admin-1",
    )


def test_another_organizations_payment_is_not_found_in_the_admin(client, other_org, make_user, payment):
    # given
    user = make_user(other_org, Role.ADMIN, username="other-admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="payments"))
    client.force_login(user)

    # when
    page = client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    listing = client.get(reverse("admin:payments_payment_changelist"))

    # then
    assert page.status_code == 404
    assert listing.status_code == 200 and "admin-1" not in listing.content.decode()


def test_every_money_in_page_lists_and_payments_cannot_be_edited(client, org, make_user, payment):
    # given
    user = make_user(org, Role.ADMIN, username="own-admin")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)

    # when / then
    for page in PAGES:
        assert client.get(reverse(f"admin:payments_{page}_changelist")).status_code == 200, page
    response = client.post(reverse("admin:payments_payment_change", args=[payment.pk]), {"amount": "1.00"})
    assert response.status_code == 403
