import pytest
from django.urls import reverse

from arrears.tenancy.choices import Role


@pytest.fixture
def staff_of_other_org(other_org, make_user):
    user = make_user(other_org, Role.ADMIN, username="other-admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    from django.contrib.auth.models import Permission

    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["accounts", "debtors", "ledger"])
    )
    return user


def test_admin_hides_and_404s_another_organizations_rows(client, make_account, staff_of_other_org):
    account = make_account()
    debtor = account.debtors.first()
    client.force_login(staff_of_other_org)

    assert client.get(reverse("admin:accounts_account_change", args=[account.pk])).status_code == 404
    assert client.get(reverse("admin:debtors_debtor_change", args=[debtor.pk])).status_code == 404
    listing = client.get(reverse("admin:accounts_account_changelist"))
    assert listing.status_code == 200
    assert account.reference not in listing.content.decode()


def test_admin_shows_own_organization_rows(client, org, make_account, make_user):
    account = make_account()
    user = make_user(org, Role.ADMIN, username="own-admin")
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)

    response = client.get(reverse("admin:accounts_account_change", args=[account.pk]))

    assert response.status_code == 200
    assert (
        "national_id_encrypted"
        not in client.get(
            reverse("admin:debtors_debtor_change", args=[account.debtors.first().pk])
        ).content.decode()
    )
