"""The creditor client's window: only that client's accounts (another client's is a 404), money
collected, remittance statements as PDF and CSV, a placement file validated first and written on
confirmation, recall requests and messages that land on the account for the agency."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.accounts.models import Account, AccountNote
from arrears.imports.models import ImportJob
from arrears.tenancy.choices import Role
from arrears.tenancy.services import client_create

pytestmark = pytest.mark.django_db

CSV = (
    b"account_ref,first_name,last_name,phone,address_line1,city,state,postal_code,balance\n"
    b"NEW-1,Ana,Lopez,,5 Oak Ave,Springfield,IL,62704,10\n"
    b"NEW-2,Ben,Ortiz,,6 Oak Ave,Springfield,IL,62704,20\n"
)


@pytest.fixture
def other_client(org, system):
    return client_create(organization=org, code="store", name="Corner Store", actor=system)


@pytest.fixture
def viewer(client, org, client_, make_user):
    client.force_login(make_user(org, role=Role.CLIENT_VIEWER, clients=[client_]))
    return client


def test_the_client_sees_its_placements_and_gets_404_on_another_clients_account(
    viewer, make_account, other_client
):
    mine = make_account(reference="MINE-1")
    theirs = make_account(reference="THEIRS-1", client=other_client)

    home = viewer.get("/portal/client/")

    assert home.status_code == 200 and b"MINE-1" in home.content and b"THEIRS-1" not in home.content
    assert viewer.get(f"/portal/client/accounts/{mine.pk}/").status_code == 200
    assert viewer.get(f"/portal/client/accounts/{theirs.pk}/").status_code == 404
    assert viewer.post(f"/portal/client/accounts/{theirs.pk}/message/", {"body": "hi"}).status_code == 404
    assert (
        viewer.get(
            f"/portal/client/remittance/?client={other_client.pk}&period=2026-11&format=csv"
        ).status_code
        == 404
    )


def test_remittance_statements_download_as_csv_and_pdf(viewer, client_, system):
    from decimal import Decimal

    from arrears.payments.remittance import client_terms_set

    without_terms = viewer.get(f"/portal/client/remittance/?client={client_.pk}&period=2026-11&format=csv")
    client_terms_set(client=client_, rate=Decimal("25"), remit_mode="net", actor=system)

    csv = viewer.get(f"/portal/client/remittance/?client={client_.pk}&period=2026-11&format=csv")
    pdf = viewer.get(f"/portal/client/remittance/?client={client_.pk}&period=2026-11&format=pdf")
    bad = viewer.get(f"/portal/client/remittance/?client={client_.pk}&period=2026-13&format=csv")

    assert csv.status_code == 200 and csv.content.startswith(b"account,payment,date")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert bad.status_code == 400
    assert without_terms.status_code == 400 and b"contingency terms" in without_terms.content


def test_a_placement_is_validated_first_and_written_on_confirmation(viewer, client_):
    checked = viewer.post(
        "/portal/client/upload/", {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV)}
    )

    assert checked.status_code == 200 and b"Place these accounts" in checked.content
    assert b"2 rows; 0 rejected; nothing written yet." in checked.content
    assert not Account.objects.filter(reference__startswith="NEW-").exists()
    dry = ImportJob.objects.get()
    placed = viewer.post("/portal/client/upload/", {"confirm": dry.pk})
    assert placed.status_code == 200 and b"2 accounts placed" in placed.content
    assert set(Account.objects.filter(client=client_).values_list("reference", flat=True)) >= {
        "NEW-1",
        "NEW-2",
    }


def test_recall_requests_and_messages_reach_the_agency_on_the_account(viewer, make_account, other_client):
    mine = make_account(reference="MINE-2")
    make_account(reference="THEIRS-2", client=other_client)

    refused = viewer.post("/portal/client/recall/", {"references": "MINE-2\nTHEIRS-2", "reason": "paid us"})
    recalled = viewer.post("/portal/client/recall/", {"references": "MINE-2", "reason": "paid us"})
    message = viewer.post(f"/portal/client/accounts/{mine.pk}/message/", {"body": "Debtor called us"})

    assert (
        refused.status_code == 400
        and not AccountNote.objects.filter(body__contains="Recall").exclude(account=mine).exists()
    )
    assert recalled.status_code == 200 and message.status_code == 302
    bodies = list(AccountNote.objects.filter(account=mine).values_list("body", flat=True))
    assert any("Recall requested" in b for b in bodies) and any("Debtor called us" in b for b in bodies)


def test_the_client_window_needs_a_login(client):
    assert client.get("/portal/client/").status_code == 302
