"""Retention and erasure: Reg F keeps records 3 years after the last collection activity; an erasure
request is honoured only when no legal hold or claim stands; erased data becomes tombstones that keep
`ledger check` and `audit verify` green."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from arrears.core.money import Money
from arrears.debtors.models import ContactPoint, Debtor
from arrears.strategies.models import ErasureRequest
from arrears.strategies.retention_domain import AccountFacts, erasure_decision, retention_end

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("last", "holds", "accounts", "erasable", "why"),
    [
        pytest.param(date(2023, 12, 6), [], [], True, "", id="1006.100(a)-three-years-over"),
        pytest.param(date(2023, 12, 8), [], [], False, "Reg F 1006.100", id="1006.100(a)-within-three-years"),
        pytest.param(date(2020, 1, 1), ["litigation"], [], False, "legal hold", id="art17(3)(e)-litigation"),
        pytest.param(date(2020, 1, 1), ["dispute"], [], False, "open claim", id="1692g(b)-dispute-open"),
        pytest.param(
            date(2020, 1, 1), [], [AccountFacts(1, "active", Decimal("5"))], False, "owes", id="claim-balance"
        ),
        pytest.param(
            date(2020, 1, 1),
            [],
            [AccountFacts(1, "recalled", Decimal("5"))],
            True,
            "",
            id="recalled-no-claim",
        ),
        pytest.param(
            date(2020, 1, 1), ["cease_communication"], [], True, "", id="cease-is-no-hold-on-records"
        ),
    ],
)
def test_erasure_decision(last, holds, accounts, erasable, why):
    decision = erasure_decision(last_activity=last, today=TODAY, holds=holds, accounts=accounts)

    assert decision.erasable is erasable
    assert why in " ".join(decision.reasons)


def test_retention_ends_three_years_on_even_from_29_february():
    assert retention_end(date(2024, 2, 29)) == date(2027, 2, 28)


def _capture(capsys, *args):
    capsys.readouterr()
    call_command(*args, stderr=StringIO())
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def paid_in_2022(make_account, system, settings, tmp_path):
    """An account opened and paid in full in 2022, with a stored invoice: more than three years without
    activity."""
    settings.MEDIA_ROOT = tmp_path / "media"
    import io

    from arrears.documents.services import document_store
    from arrears.payments.services import payment_post

    with time_machine.travel(datetime(2022, 3, 1, 15, tzinfo=UTC), tick=False):
        account = make_account(reference="OLD-1", principal=Decimal("100.00"))
        document_store(
            actor=system,
            kind="invoice",
            stream=io.BytesIO(b"%PDF-1.4\n%old\n"),
            original_name="inv.pdf",
            account=account,
        )
        payment_post(
            account=account,
            amount=Money(Decimal("100.00"), "USD"),
            method="card",
            received_at=datetime(2022, 3, 1, 15, tzinfo=UTC),
            actor=system,
            idempotency_key="old-1",
        )
    return account


@pytest.mark.django_db(transaction=True)
def test_an_erasure_request_past_retention_is_reported_then_erased_keeping_ledger_and_audit_green(
    paid_in_2022, make_account, org, capsys
):
    # given an erasure request from the debtor of an old, paid account, and one from a debtor who owes
    old_debtor = paid_in_2022.debtors.get()
    owing = make_account(reference="NEW-1", principal=Decimal("50.00"))
    owing_debtor = owing.debtors.get()
    for debtor in (old_debtor, owing_debtor):
        _capture(capsys, "retention", "request", "--debtor", str(debtor.pk), "--json")

    # when the report runs (a dry run)
    report = _capture(capsys, "retention", "report", "--json")

    # then it names what would go and why the other is kept, and erases nothing
    assert [i["debtor"] for i in report["would_erase"]] == [old_debtor.pk]
    assert [i["debtor"] for i in report["kept"]] == [owing_debtor.pk]
    assert any("Reg F 1006.100" in r for r in report["kept"][0]["reasons"])
    assert any("owes 50.0000" in r or "owes 50" in r for r in report["kept"][0]["reasons"])
    assert Debtor.objects.get(pk=old_debtor.pk).last_name == old_debtor.last_name

    from arrears.documents.models import Document

    stored = Document.objects.get(account=paid_in_2022)
    assert stored.file.storage.exists(stored.file.name)

    # when it is applied
    applied = _capture(capsys, "retention", "apply", "--json")

    # then the old debtor is a tombstone, the other is untouched, and the checks stay green
    assert [i["debtor"] for i in applied["erased"]] == [old_debtor.pk]
    erased = Debtor.objects.get(pk=old_debtor.pk)
    assert (erased.first_name, erased.last_name, erased.national_id_encrypted) == ("", "[erased]", "")
    assert erased.do_not_contact
    assert all(
        p.value.startswith("erased:") and not p.line1 for p in ContactPoint.objects.filter(debtor=erased)
    )
    assert Debtor.objects.get(pk=owing_debtor.pk).first_name == "Jane"
    assert ErasureRequest.objects.get(debtor=old_debtor).erased_at is not None
    tombstone = Document.objects.get(pk=stored.pk)
    assert not stored.file.storage.exists(stored.file.name) and tombstone.original_name == "[erased]"
    assert tombstone.sha256 == stored.sha256
    call_command("ledger", "check", stdout=StringIO(), stderr=StringIO())  # exits 1 on a mismatch
    call_command("audit", "verify", stdout=StringIO(), stderr=StringIO())  # exits 1 on a break
    assert _capture(capsys, "retention", "apply", "--json")["erased"] == []  # twice is harmless


def test_a_legal_hold_keeps_the_records(paid_in_2022, system, capsys):
    from arrears.compliance.services import hold_place

    debtor = paid_in_2022.debtors.get()
    hold_place(kind="litigation", actor=system, account=paid_in_2022)
    _capture(capsys, "retention", "request", "--debtor", str(debtor.pk), "--json")

    report = _capture(capsys, "retention", "report", "--json")

    assert report["would_erase"] == []
    assert "legal hold: litigation" in report["kept"][0]["reasons"]


def test_a_request_for_another_organizations_debtor_is_refused(other_org, make_account, capsys):
    debtor = make_account().debtors.get()

    with pytest.raises(Exception, match="RETENTION_DEBTOR_NOT_FOUND"):
        call_command("retention", "request", "--debtor", str(debtor.pk), "--org", other_org.slug)
