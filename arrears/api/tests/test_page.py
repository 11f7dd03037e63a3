"""The API page: a manager makes, sees (once) and revokes tokens, adds endpoints, redelivers."""

from __future__ import annotations

import pytest

from arrears.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from arrears.api.services import webhook_endpoint_create
from arrears.tenancy.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, org, make_user):
    user = make_user(org, Role.MANAGER, username="mona")
    client.force_login(user)
    return user


def test_a_manager_creates_a_token_shown_once_that_works_then_revokes_it(client, manager, org, make_account):
    # given
    make_account(reference="PG-1")

    # when
    made = client.post("/manage/api/tokens/", {"name": "dialer", "scopes": ["accounts:read"]})
    token = made.context["new_token"]
    used = client.get("/api/v1/accounts", HTTP_AUTHORIZATION=f"Bearer {token}")
    again = client.get("/manage/api/")
    row = ApiToken.objects.get()
    revoked = client.post(f"/manage/api/tokens/{row.pk}/revoke/")
    refused = client.get("/api/v1/accounts", HTTP_AUTHORIZATION=f"Bearer {token}")

    # then
    assert made.status_code == 200 and token in made.content.decode()
    assert used.status_code == 200 and used.json()["data"][0]["reference"] == "PG-1"
    assert token not in again.content.decode() and f"arr_{row.prefix}_" in again.content.decode()
    assert revoked.status_code == 302 and refused.status_code == 401


def test_bad_input_is_a_400_with_the_message_next_to_the_field(client, manager):
    no_scope = client.post("/manage/api/tokens/", {"name": "x"})
    bad_url = client.post("/manage/api/webhooks/", {"url": "ftp://nope", "events": ["payment.posted"]})
    past = client.post("/manage/api/tokens/", {"name": "x", "scopes": ["*"], "expires_on": "2001-01-01"})

    assert no_scope.status_code == bad_url.status_code == past.status_code == 400
    assert 'id="scopes-error"' in no_scope.content.decode()
    assert 'id="url-error"' in bad_url.content.decode()
    assert 'id="expires-error"' in past.content.decode()
    assert not ApiToken.objects.exists() and not WebhookEndpoint.objects.exists()


def test_a_collector_may_not_open_it(client, org, make_user):
    client.force_login(make_user(org, Role.COLLECTOR, username="carl"))

    assert client.get("/manage/api/").status_code == 403


def test_another_organizations_rows_are_404(client, manager, other_org, make_token):
    from arrears.tenancy.domain import system_principal

    make_token(other_org)
    theirs = ApiToken.objects.get()
    hook = webhook_endpoint_create(
        organization_id=other_org.pk,
        url="https://example.com/h",
        events=["payment.posted"],
        actor=system_principal(other_org.pk),
    ).endpoint

    assert client.post(f"/manage/api/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/manage/api/webhooks/{hook.pk}/rotate/").status_code == 404
    assert client.post("/manage/api/deliveries/999999/redeliver/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_an_endpoint_is_added_with_its_secret_shown_once_and_a_delivery_redelivered(
    client, manager, org, system
):
    made = client.post(
        "/manage/api/webhooks/",
        {"url": "https://erp.example.com/hook", "events": ["payment.posted", "hold.placed"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    delivery = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        event_id="evt_x",
        event_type="payment.posted",
        payload={},
        status="failed",
        attempts=3,
        next_attempt_at=endpoint.created_at,
        created_at=endpoint.created_at,
    )

    redelivered = client.post(f"/manage/api/deliveries/{delivery.pk}/redeliver/")

    assert made.status_code == 200 and made.context["new_secret"].startswith("whsec_")
    assert redelivered.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_at_desktop_and_phone_widths(page, screenshot, org, make_user, system):
    from arrears.api.services import token_create

    user = make_user(org, Role.MANAGER, username="mona")
    token_create(
        organization_id=org.pk,
        client=None,
        name="dialer",
        scopes="compliance:write",
        expires_at=None,
        actor=system,
    )
    webhook_endpoint_create(
        organization_id=org.pk, url="https://erp.example.com/arrears", events=["payment.posted"], actor=system
    )
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.click("nav >> text=API")
    page.fill("input[name=name]", "erp")
    page.select_option("select[name=scopes]", ["payments:write", "accounts:read"])
    page.click("text=Create token")
    page.wait_for_selector("[data-testid=new-token]")

    assert page.locator("[data-testid=new-token]").inner_text().startswith("arr_")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "390")
