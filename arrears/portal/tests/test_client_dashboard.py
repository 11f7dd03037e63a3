"""The client's dashboard in its portal: the reports app's KPIs and charts for its own client only, and
every figure drills down to its own accounts; another client's is a 404."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from arrears.compliance.packs.base import local_date
from arrears.core.clock import utcnow
from arrears.core.money import Money
from arrears.payments.services.posting import payment_post
from arrears.reports.services import snapshots_take
from arrears.tenancy.choices import Role
from arrears.tenancy.services import client_create

pytestmark = pytest.mark.django_db
TODAY = local_date(utcnow(), "America/New_York")  # the books are written with today's date


@pytest.fixture
def books(org, system, client_, make_account):
    other = client_create(organization=org, code="store", name="Corner Store", actor=system)
    mine = make_account(reference="MINE-1", principal=Decimal("800.00"), placed_on=date(2026, 10, 1))
    theirs = make_account(
        reference="THEIRS-1", principal=Decimal("5000.00"), client=other, placed_on=date(2026, 10, 1)
    )
    payment_post(
        account=mine, amount=Money(Decimal("200.00"), "USD"), method="card",
        received_at=utcnow(), actor=system, idempotency_key="p1",
    )  # fmt: skip
    snapshots_take(organization_id=org.pk, as_of=TODAY)
    return {"mine": mine, "theirs": theirs, "other": other}


@pytest.fixture
def viewer(client, org, client_, make_user):
    client.force_login(make_user(org, role=Role.CLIENT_VIEWER, clients=[client_]))
    return client


def test_the_client_sees_its_own_clients_figures_only(viewer, books, client_):
    # when
    page = viewer.get(f"/portal/client/dashboard/?as_of={TODAY}&period=30")

    # then: its client's figures (liquidation 200 ÷ 800 = 25 %), and nothing of the other client's
    assert page.status_code == 200
    html = page.content.decode()
    assert "First Bank: dashboard" in html and "25.0%" in html
    assert "Corner Store" not in html and "THEIRS-1" not in html
    assert page.context["accounts_total"] == 1
    assert page.context["balance_total"] == Decimal("600.00")
    assert "Collector performance" not in html  # the agency's own
    # every drill-down stays in the portal, on this client
    assert all(b.href.startswith("/portal/client/dashboard/accounts/?") for b in page.context["aging_bars"])
    assert f"client={client_.pk}" in page.context["all_accounts"]


def test_drill_down_lists_its_own_accounts_and_another_clients_is_404(viewer, books, client_):
    mine = viewer.get(f"/portal/client/dashboard/accounts/?as_of={TODAY}&client={client_.pk}")
    theirs = viewer.get(f"/portal/client/dashboard/accounts/?as_of={TODAY}&client={books['other'].pk}")
    other_dash = viewer.get(f"/portal/client/dashboard/?client={books['other'].pk}")
    window = f"since={TODAY - timedelta(days=5)}&until={TODAY}"
    pays = viewer.get(f"/portal/client/dashboard/payments/?{window}&client={client_.pk}")
    their_pays = viewer.get(f"/portal/client/dashboard/payments/?{window}&client={books['other'].pk}")

    assert mine.status_code == 200 and b"MINE-1" in mine.content and b"THEIRS-1" not in mine.content
    assert f"/portal/client/accounts/{books['mine'].pk}/".encode() in mine.content
    assert theirs.status_code == 404 and other_dash.status_code == 404
    assert pays.status_code == 200 and b"MINE-1" in pays.content and b"200.00" in pays.content
    assert their_pays.status_code == 404


def test_bad_input_is_a_400(viewer, books):
    assert viewer.get("/portal/client/dashboard/?as_of=2026-13-45").status_code == 400
    assert viewer.get("/portal/client/dashboard/accounts/?as_of=x&client=1").status_code == 400
    long = (date(2026, 1, 1) + timedelta(days=4000)).isoformat()
    assert (
        viewer.get(f"/portal/client/dashboard/payments/?since=2026-01-01&until={long}&client=1").status_code
        == 400
    )


def test_staff_see_any_client_and_a_viewer_without_clients_gets_404(client, org, books, make_user):
    client.force_login(make_user(org, role=Role.MANAGER, username="mgr"))
    page = client.get(f"/portal/client/dashboard/?client={books['other'].pk}&as_of={TODAY}")
    assert page.status_code == 200 and "Corner Store: dashboard" in page.content.decode()

    client.force_login(make_user(org, role=Role.CLIENT_VIEWER, username="nobody", clients=[]))
    assert client.get("/portal/client/dashboard/").status_code == 404
