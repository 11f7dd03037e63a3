"""ACH debits: the NACHA file we write (read back with the parser that reads the bank's) and returns."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.core.samples import samples_dir
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.payments.ach import ach_authorization_create, ach_originator_set
from arrears.payments.bankfiles import nacha
from arrears.payments.choices import PaymentMethod, PaymentStatus
from arrears.payments.models import AchAuthorization, AchEntry, Payment
from arrears.payments.services import PlanTerms, plan_create

D = Decimal
DUE = date(2026, 12, 1)
RETURNS = samples_dir() / "nacha" / "moov_return-WEB.ach"
# (reference, amount, routing, account number): traces follow this order, 0000001 to 0000003.
DEBTORS = [
    ("A-1", "123.54", "091400606", "123456789"),
    ("A-2", "50.00", "021200025", "998412345"),
    ("A-3", "45.65", "091400606", "867530999999"),
]


@pytest.fixture
def run(capsys):
    def run(*args):
        capsys.readouterr()
        call_command(*args, stderr=StringIO())
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def authorised(org, system, make_account):
    ach_originator_set(
        organization_id=org.pk,
        odfi_routing="091400606",
        company_name="Acme Recovery",
        company_id="1234567890",
        destination_name="First Bank & Trust",
        origin_name="Acme Recovery LLC",
        actor=system,
    )
    for reference, amount, routing, number in DEBTORS:
        account = make_account(reference=reference, principal=D(amount))
        plan = plan_create(
            account=account,
            terms=PlanTerms(frequency="monthly", first_due=DUE, installments=1),
            actor=system,
            today=date(2026, 11, 20),
        )
        ach_authorization_create(
            plan=plan,
            holder_name=f"Jane Doe {reference}",
            routing_number=routing,
            account_number=number,
            account_type="checking",
            authorized_at=datetime(2026, 11, 20, 15, tzinfo=UTC),
            actor=system,
        )


def test_export_writes_controls_and_hashes_the_reader_agrees_with(run, authorised, tmp_path):
    # given
    out = tmp_path / "debits.ach"

    # when
    result = run("ach", "export", "--date", "2026-12-01", "--out", str(out), "--json")
    written = nacha.read(out.read_bytes(), strict=True)

    # then
    lines = out.read_text().splitlines()
    assert all(len(line) == 94 for line in lines) and len(lines) % 10 == 0
    assert [e.amount_cents for e in written.entries] == [12354, 5000, 4565]
    assert written.total_debit_cents == written.control.total_debit_cents == 12354 + 5000 + 4565
    assert written.entry_hash == written.control.entry_hash == (9140060 + 2120002 + 9140060) % 10**10
    assert [e.trace_number for e in written.entries] == [f"09140060000000{n}" for n in (1, 2, 3)]
    assert (
        result["entries"] == 3 and result["total"] == "219.19" and result["entry_hash"] == written.entry_hash
    )
    assert Payment.objects.filter(method=PaymentMethod.ACH, status=PaymentStatus.POSTED).count() == 3


def test_a_second_export_of_the_day_sends_nothing_new(run, authorised, tmp_path):
    # given
    run("ach", "export", "--date", "2026-12-01", "--out", str(tmp_path / "one.ach"), "--json")

    # when
    run("ach", "export", "--date", "2026-12-01", "--out", str(tmp_path / "two.ach"), "--json")

    # then
    assert (tmp_path / "one.ach").read_bytes() == (tmp_path / "two.ach").read_bytes()
    assert Payment.objects.count() == 3 and AchEntry.objects.count() == 3


def test_the_bank_account_number_is_encrypted_and_only_the_last_four_are_kept_in_clear(authorised):
    # given / when
    authorization = AchAuthorization.objects.get(account__reference="A-2")

    # then
    assert authorization.account_last4 == "2345"
    assert "998412345" not in authorization.account_number_encrypted


def test_returns_r01_and_r03_reverse_their_payments_once(run, authorised, tmp_path):
    # given: the moov WEB return file returns traces 091400600000001 (R01) and …0000003 (R03)
    run("ach", "export", "--date", "2026-12-01", "--out", str(tmp_path / "d.ach"), "--json")

    # when
    first = run("ach", "returns", str(RETURNS), "--json")
    again = run("ach", "returns", str(RETURNS), "--json")

    # then
    assert (first["returns"], first["reversed"], first["codes"]) == (2, 2, {"R01": 1, "R03": 1})
    assert (again["reversed"], again["already"]) == (0, 2)
    status = dict(Payment.objects.values_list("account__reference", "status"))
    assert status == {
        "A-1": PaymentStatus.REVERSED,
        "A-2": PaymentStatus.POSTED,
        "A-3": PaymentStatus.REVERSED,
    }
    assert Payment.objects.get(account__reference="A-1").reversal_reason == "nsf"
    revoked = set(
        AchAuthorization.objects.filter(revoked_at__isnull=False).values_list("account__reference", flat=True)
    )
    assert revoked == {"A-3"}  # R03 no account: never debit it again; R01 may be retried
    assert list(ledger_cache_mismatches()) == []


def test_returns_for_entries_we_never_sent_exit_1(authorised):
    # given: nothing exported

    # when
    with pytest.raises(CommandError) as caught:
        call_command("ach", "returns", str(RETURNS), "--json", stdout=StringIO(), stderr=StringIO())

    # then
    assert caught.value.returncode == 1


def test_the_stored_ach_file_is_encrypted_at_rest(run, authorised, tmp_path):
    # given an exported file
    run("ach", "export", "--date", "2026-12-01", "--out", str(tmp_path / "debits.ach"), "--json")

    # when the database row is read as stored
    from django.db import connection

    from arrears.payments.models import AchFile

    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {AchFile._meta.db_table}")
        stored = " ".join(str(v) for row in cur.fetchall() for v in row)

    # then no account number is in it, and the file decrypts to what was sent
    assert all(number not in stored for *_, number in DEBTORS)
    assert AchFile.objects.get().content == (tmp_path / "debits.ach").read_text()
