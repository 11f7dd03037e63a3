from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears.tenancy.choices import Role


@pytest.fixture
def collector(org, make_user):
    return make_user(org, Role.COLLECTOR)


@pytest.fixture
def logged_in(client, collector):
    client.force_login(collector)
    return client


def test_login_is_required(client, make_account):
    account = make_account()

    for url in (reverse("workbench:account_list"), reverse("workbench:account_detail", args=[account.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_account_page_shows_debtors_balances_ledger_and_timeline(logged_in, make_account):
    account = make_account(principal=Decimal("1234.56"), fees=Decimal("25"))

    response = logged_in.get(reverse("workbench:account_detail", args=[account.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert account.reference in body
    assert "Jane Doe1" in body
    assert "+12125550001" in body and "jane1@example.com" in body
    assert "1,259.56 USD" in body
    assert "opening balance" in body
    assert "account.created" in body


def test_another_tenants_account_is_404(client, make_account, other_org, make_user):
    account = make_account()
    outsider = make_user(other_org, Role.ADMIN, username="outsider")
    client.force_login(outsider)

    response = client.get(reverse("workbench:account_detail", args=[account.pk]))

    assert response.status_code == 404
    listing = client.get(reverse("workbench:account_list"))
    assert account.reference not in listing.content.decode()


def test_a_client_viewer_sees_only_their_clients(client, org, make_account, make_user, system):
    from arrears.tenancy.services import client_create

    other_client = client_create(organization=org, code="hosp", name="Hospital", actor=system)
    mine = make_account(reference="MINE-1")
    theirs = make_account(reference="THEIRS-1", client=other_client)
    viewer = make_user(org, Role.CLIENT_VIEWER, clients=[mine.client])
    client.force_login(viewer)

    body = client.get(reverse("workbench:account_list")).content.decode()

    assert "MINE-1" in body and "THEIRS-1" not in body
    assert client.get(reverse("workbench:account_detail", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "Doe2",
        "jane doe2",
        "(212) 555-0002",
        "212-555-0002",
        "+1 212 555 0002",
        "2125550002",
        "JANE2@example.com",
        "ACC-00002",
    ],
)
def test_search_finds_by_name_phone_in_any_format_email_and_reference(logged_in, make_account, query):
    make_account()
    make_account()
    make_account()

    body = logged_in.get(reverse("workbench:account_list"), {"q": query}).content.decode()

    assert "ACC-00002" in body
    assert "ACC-00001" not in body and "ACC-00003" not in body


def test_search_by_postal_code_and_filters(logged_in, make_account, system):
    from arrears.accounts.services import account_transition

    a = make_account()
    b = make_account()
    account_transition(account=b, to="active", actor=system)

    assert "ACC-00001" in logged_in.get(reverse("workbench:account_list"), {"q": "10001"}).content.decode()
    body = logged_in.get(reverse("workbench:account_list"), {"status": "active"}).content.decode()
    assert b.reference in body and a.reference not in body


def test_aging_filter(logged_in, make_account):
    from datetime import timedelta

    from arrears.core.clock import utcnow

    today = utcnow().date()
    old = make_account(delinquent_since=today - timedelta(days=400))
    new = make_account(delinquent_since=today - timedelta(days=10))

    body = logged_in.get(reverse("workbench:account_list"), {"aging": "365+"}).content.decode()

    assert old.reference in body and new.reference not in body


def test_the_list_costs_the_same_queries_for_5_or_25_accounts(logged_in, make_account):
    url = reverse("workbench:account_list")
    for _ in range(5):
        make_account()
    logged_in.get(url)  # the first page of a session also reads the organization's time zone once
    with CaptureQueriesContext(connection) as few:
        logged_in.get(url)
    for _ in range(20):
        make_account()

    with CaptureQueriesContext(connection) as many:
        logged_in.get(url)

    assert len(many) == len(few)


def test_the_account_page_query_count_does_not_grow_with_the_ledger(logged_in, make_account, system):
    from arrears.ledger.choices import Bucket, EntryKind
    from arrears.ledger.services import EntrySpec, ledger_post

    account = make_account()
    url = reverse("workbench:account_detail", args=[account.pk])
    logged_in.get(url)  # the first page of a session also reads the organization's time zone once
    with CaptureQueriesContext(connection) as before:
        logged_in.get(url)
    for _ in range(10):
        ledger_post(
            account=account,
            entries=[EntrySpec(EntryKind.FEE, Bucket.FEES, Decimal("1"))],
            effective_on=account.created_at.date(),
            actor=system,
        )

    with CaptureQueriesContext(connection) as after:
        logged_in.get(url)

    assert len(after) == len(before)


def test_bad_filter_values_are_a_400_with_the_message_next_to_each_filter(logged_in):
    response = logged_in.get(
        reverse("workbench:account_list"),
        {"status": "nope", "aging": "x", "client": "99999999999999999999", "page": "-3"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    for field in ("status", "aging", "client", "page"):
        assert f'id="{field}-error"' in page


def test_htmx_search_returns_only_the_rows(logged_in, make_account):
    make_account()

    response = logged_in.get(
        reverse("workbench:account_list"),
        {"q": "Doe1"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )

    body = response.content.decode()
    assert "ACC-00001" in body
    assert "<html" not in body


def test_navigation_shows_what_the_role_may_use(client, org, make_user, make_account):
    account = make_account()
    client.force_login(make_user(org, Role.MANAGER, username="mgr"))
    staff_nav = client.get(reverse("imports:job_list")).content.decode()
    client.force_login(make_user(org, Role.CLIENT_VIEWER, username="cv", clients=[account.client]))

    viewer_nav = client.get(reverse("workbench:account_list")).content.decode()

    assert "Merge review" in staff_nav and "mgr · manager" in staff_nav
    assert "Merge review" not in viewer_nav and "cv · client_viewer" in viewer_nav
