"""The import writes through the owning apps' batch services: the same rows and audit events as by hand."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.accounts.models import Account
from arrears.audit.models import AuditEvent
from arrears.audit.selectors import audit_chain_verify
from arrears.cli import main
from arrears.debtors.models import ContactPoint
from arrears.debtors.services import contact_point_add, debtor_create
from arrears.imports.models import ImportJob
from arrears.ledger.models import LedgerEntry
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.ledger.services import account_open

FILE = (
    "account_ref,first_name,last_name,date_of_birth,ssn,email,phone,address_line1,city,state,postal_code,"
    "balance,principal,interest,fees,itemization_date\n"
    "IMP-1,Jane,Doe,1980-01-02,123-45-6789,jane@example.com,(212) 555-0142,12 Main St,New York,NY,10001,"
    "1225.50,1000,200.50,25,2026-01-15\n"
)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """`arrears …` closes database connections when a command ends; the test's must stay open."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def shape(events):
    """Each event's name and the keys of its data (and of the entries it lists), in order."""
    return [
        (
            e.event,
            sorted(e.data),
            sorted({key for entry in e.data.get("entries", []) for key in entry}),
        )
        for e in events
    ]


def events_of(account):
    debtor_ids = [str(d.pk) for d in account.debtors.all()]
    return (
        AuditEvent.objects.filter(account_id=account.pk).order_by("seq"),
        AuditEvent.objects.filter(subject_type="debtor", subject_id__in=debtor_ids).order_by("seq"),
    )


def import_file(tmp_path: Path, capsys) -> dict:
    path = tmp_path / "accounts.csv"
    path.write_text(FILE)
    main(["import", "accounts", str(path), "--client", "bank", "--json"])
    return json.loads(capsys.readouterr().out)


def test_an_imported_account_has_the_audit_events_of_one_created_by_hand(client_, system, tmp_path, capsys):
    # given an account created by hand through the services, with its debtor and contact points
    debtor = debtor_create(
        organization_id=client_.organization_id,
        actor=system,
        first_name="John",
        last_name="Roe",
        date_of_birth=date(1970, 5, 6),
        national_id="987-65-4321",
    )
    contact_point_add(debtor=debtor, kind="email", value="john@example.com", label="personal", actor=system)
    contact_point_add(debtor=debtor, kind="phone", value="(646) 555-0199", label="mobile", actor=system)
    contact_point_add(
        debtor=debtor,
        kind="address",
        line1="1 Elm St",
        city="Albany",
        state="NY",
        postal_code="12207",
        country="US",
        label="home",
        actor=system,
    )
    by_hand = account_open(
        client=client_,
        reference="HAND-1",
        debtors=[debtor],
        currency="USD",
        actor=system,
        principal=Decimal("1000"),
        interest=Decimal("200.50"),
        fees=Decimal("25"),
        itemization_date=date(2026, 1, 15),
    )

    # when an equivalent account is imported
    summary = import_file(tmp_path, capsys)

    # then the imported account, its debtor and contact points got the same events with the same data keys
    assert (summary["accounts_created"], summary["contact_points_created"]) == (1, 3)
    imported = Account.objects.get(reference="IMP-1")
    hand_account_events, hand_debtor_events = events_of(by_hand)
    import_account_events, import_debtor_events = events_of(imported)
    assert shape(import_account_events) == shape(hand_account_events)
    assert [e.event for e in import_account_events] == ["account.created", "ledger.opening_balance"]
    assert sorted(shape(import_debtor_events)) == sorted(shape(hand_debtor_events))
    assert sorted(e.event for e in import_debtor_events) == [
        "contact_point.added",
        "contact_point.added",
        "contact_point.added",
        "debtor.created",
    ]
    # and the imported events name what they record
    created, opening = import_account_events
    debtor_id = imported.debtors.get().pk
    assert created.data == {"reference": "IMP-1", "client": "bank", "debtors": [debtor_id]}
    entries = LedgerEntry.objects.filter(account=imported).order_by("id")
    assert opening.data["entries"] == [
        {"id": e.pk, "kind": e.kind, "bucket": e.bucket, "amount": amount}
        for e, amount in zip(entries, ["1000.00", "200.50", "25.00"], strict=True)
    ]
    job = ImportJob.objects.get()
    assert opening.data["source"] == ["import", str(job.pk)]
    assert (opening.data["currency"], opening.data["effective_on"]) == ("USD", "2026-01-15")
    points = set(ContactPoint.objects.filter(debtor_id=debtor_id).values_list("pk", flat=True))
    assert {
        e.data["contact_point"] for e in import_debtor_events if e.event == "contact_point.added"
    } == points


def test_an_imported_account_holds_the_balances_of_one_created_by_hand(client_, system, tmp_path, capsys):
    # given an account created by hand with the same opening balances as the file's
    debtor = debtor_create(
        organization_id=client_.organization_id, actor=system, first_name="A", last_name="B"
    )
    by_hand = account_open(
        client=client_,
        reference="HAND-1",
        debtors=[debtor],
        currency="USD",
        actor=system,
        principal=Decimal("1000"),
        interest=Decimal("200.50"),
        fees=Decimal("25"),
        itemization_date=date(2026, 1, 15),
    )

    # when the file is imported
    import_file(tmp_path, capsys)

    # then both hold the same cached balances and the same opening entries, and the audit chain verifies
    imported = Account.objects.get(reference="IMP-1")
    balances = ("balance_principal", "balance_interest", "balance_fees", "balance_costs", "balance_credit")
    assert [getattr(imported, f) for f in balances] == [getattr(by_hand, f) for f in balances]

    def entries(account):
        return list(
            LedgerEntry.objects.filter(account=account)
            .order_by("id")
            .values_list("kind", "bucket", "amount", "effective_on", "memo")
        )

    assert entries(imported) == entries(by_hand)
    assert list(ledger_cache_mismatches()) == []
    report = audit_chain_verify(organization_id=client_.organization_id)
    assert report.ok
    assert report.checked == AuditEvent.objects.count()
