"""The scoring pages: who may see them, bad input, the queue's next account, the report and its PDF."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from arrears.scoring.services import accounts_score, model_train
from arrears.tenancy.choices import Role

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@time_machine.travel(datetime(2026, 11, 30, 16, 0, tzinfo=UTC), tick=False)  # 11:00 in New York
def test_the_queue_page_lists_accounts_with_reasons_and_next_opens_the_account(
    client, org, make_user, make_account
):
    big = make_account(principal=Decimal("9000.00"))
    small = make_account(principal=Decimal("100.00"))
    accounts_score(organization_id=org.pk, at=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    user = make_user(org, Role.COLLECTOR)
    login(client, user)

    page = client.get(reverse("scoring:queue"))
    first = client.post(reverse("scoring:next"))
    second = client.post(reverse("scoring:next"))
    empty = client.post(reverse("scoring:next"), follow=True)

    html = page.content.decode()
    assert page.status_code == 200
    assert "Why here" in html and big.reference in html and small.reference in html
    assert html.index(big.reference) < html.index(small.reference)
    assert first["Location"] == reverse("workbench:account_detail", args=[big.pk])
    assert second["Location"] == reverse("workbench:account_detail", args=[small.pk])
    assert "Your queue is empty" in empty.content.decode()
    assert client.get("/scoring/").status_code == 200


def test_a_bad_limit_is_a_400_with_a_message(client, org, make_user):
    login(client, make_user(org, Role.COLLECTOR))

    response = client.get(reverse("scoring:queue"), {"limit": "lots"})

    assert response.status_code == 400
    assert "Enter a whole number" in response.content.decode()


def test_the_model_report_and_its_pdf(client, org, client_, system, make_user):
    from arrears.scoring.synthetic import history_generate

    history_generate(clients=[client_], n_accounts=20, days=90, today=date(2026, 11, 30), actor=system)
    model = model_train(organization_id=org.pk, today=date(2026, 11, 30), actor=system)
    login(client, make_user(org, Role.MANAGER))

    page = client.get(reverse("scoring:report"))
    pdf = client.get(reverse("scoring:report_pdf"), {"version": model.version})
    missing = client.get(reverse("scoring:report"), {"version": 99})
    forecast = client.get(reverse("scoring:forecast"))

    assert page.status_code == 200
    assert "Thin data" in page.content.decode()  # 20 accounts: the heuristic, and the report says so
    assert "<svg" in page.content.decode()
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert missing.status_code == 404
    assert forecast.status_code == 200 and "Expected over 13 weeks" in forecast.content.decode()


def test_collectors_may_not_see_the_report_nor_client_viewers_the_queue(client, org, make_user):
    login(client, make_user(org, Role.COLLECTOR, username="col"))
    assert client.get(reverse("scoring:report")).status_code == 403
    assert client.post(reverse("scoring:retrain")).status_code == 403
    login(client, make_user(org, Role.CLIENT_VIEWER, username="viewer"))
    assert client.get(reverse("scoring:queue")).status_code == 403


def test_another_tenants_model_version_is_not_found(client, org, other_org, make_user):
    from arrears.tenancy.domain import system_principal

    model_train(organization_id=other_org.pk, today=date(2026, 11, 30), actor=system_principal(other_org.pk))
    login(client, make_user(org, Role.MANAGER))

    assert client.get(reverse("scoring:report"), {"version": 1}).status_code == 404
