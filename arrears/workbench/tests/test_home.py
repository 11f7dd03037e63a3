"""The home page is the work queue for staff; a client viewer, who works no queue, lands on its accounts."""

import pytest
from django.urls import reverse

from arrears.tenancy.choices import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        (Role.COLLECTOR, "scoring:queue"),
        (Role.MANAGER, "scoring:queue"),
        (Role.ADMIN, "scoring:queue"),
        (Role.CLIENT_VIEWER, "workbench:account_list"),
    ],
)
def test_home_sends_each_role_to_its_start(client, org, make_user, role, lands_on):
    client.force_login(make_user(org, role))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(lands_on)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_signing_in_lands_on_home(client, org, make_user):
    make_user(org, Role.COLLECTOR, username="carla")
    response = client.post(reverse("login"), {"username": "carla", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:home")


def test_anonymous_home_asks_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
