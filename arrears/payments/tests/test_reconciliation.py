"""`arrears reconcile import` end to end on the real bank samples in ../shared/samples/."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.core.samples import samples_dir
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.payments.bankfiles import parse_statement
from arrears.payments.choices import BankLineState, PaymentStatus
from arrears.payments.models import BankLine, BankStatementImport, Payment
from arrears.payments.reconciliation import bank_file_import
from arrears.payments.services import PlanTerms, plan_create, promise_create

D = Decimal
SAMPLES = samples_dir()
STATEMENTS = sorted(
    p for folder in ("camt053", "camt054", "bai2", "ofx") for p in (SAMPLES / folder).glob("*") if p.is_file()
)


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"sample missing: {path} (the samples live in ../shared/samples)")
    return path


@pytest.fixture
def run(capsys):
    def run(*args):
        capsys.readouterr()
        call_command(*args, stderr=StringIO())
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def promise(system):
    def make(account, amount, due_on):
        return promise_create(
            account=account,
            amount=Money(D(amount), account.currency),
            due_on=due_on,
            actor=system,
            today=date(2000, 1, 1),
        )

    return make


@pytest.mark.parametrize("path", STATEMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_imports_and_a_second_import_counts_everything_as_a_duplicate(run, org, path):
    # given
    expected = len(parse_statement(path.read_bytes()).transactions)

    # when
    first = run("reconcile", "import", str(path), "--json")
    second = run("reconcile", "import", str(path), "--json")

    # then
    assert first["transactions"] == expected and first["duplicates"] == 0
    assert second == {
        "transactions": expected,
        "matched": 0,
        "posted": 0,
        "review": 0,
        "duplicates": expected,
    }
    assert BankLine.objects.filter(organization=org).count() == expected


def test_camt053_02_installment_and_promise_by_reference_post_the_rest_waits_for_review(
    run, make_account, promise, system
):
    # given: FI sample (camt.053.001.02): RF98123456789012 pays 5455.00, US20291092 pays 2120.00
    plan_account = make_account(reference="RF98123456789012", principal=D("5455.00"), currency="EUR")
    plan_create(
        account=plan_account,
        terms=PlanTerms(frequency="monthly", first_due=date(2009, 10, 29), installments=1),
        actor=system,
        today=date(2009, 10, 1),
    )
    promised = make_account(reference="US20291092", principal=D("5000.00"), currency="EUR")
    promise(promised, "2120.00", date(2009, 10, 28))
    path = sample("camt053/FI_camt_053_sample.xml")

    # when
    first = run("reconcile", "import", str(path), "--json")
    again = run("reconcile", "import", str(path), "--json")

    # then: 6 credits; 10000.00 also names RF98… but nothing of that amount is expected: review
    assert first == {"transactions": 13, "matched": 2, "posted": 2, "review": 4, "duplicates": 0}
    assert again == {"transactions": 13, "matched": 0, "posted": 0, "review": 0, "duplicates": 13}
    paid = {p.account.reference: p for p in Payment.objects.select_related("account")}
    assert {k: p.amount for k, p in paid.items()} == {
        "RF98123456789012": D("5455.00"),
        "US20291092": D("2120.00"),
    }
    assert paid["RF98123456789012"].received_on == date(2009, 10, 29)
    line = BankLine.objects.get(payment=paid["US20291092"])
    assert line.match_kind == "promise" and line.confidence == D("1.000")
    suggestion = BankLine.objects.get(amount=D("10000.00"))
    assert suggestion.state == BankLineState.REVIEW and suggestion.account == plan_account
    assert list(ledger_cache_mismatches()) == []


def test_camt054_04_three_esr_credits_on_one_reference_take_the_promise_of_their_own_amount(
    run, make_account, promise
):
    # given: PostFinance camt.054.001.04, three ESR credits 250/200/300 share one structured reference
    account = make_account(reference="120000000000234478943216899", principal=D("2000.00"), currency="CHF")
    for amount in ("200.00", "250.00", "300.00"):
        promise(account, amount, date(2019, 4, 24))
    path = sample("camt054/200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_2019042500372179.xml")

    # when
    result = run("reconcile", "import", str(path), "--json")

    # then
    assert result == {"transactions": 6, "matched": 3, "posted": 3, "review": 2, "duplicates": 0}
    assert sorted(BankLine.objects.filter(state="posted").values_list("amount", flat=True)) == [
        D("200.00"),
        D("250.00"),
        D("300.00"),
    ]
    assert len({line.match_id for line in BankLine.objects.filter(state="posted")}) == 3


def test_camt053_08_reference_inside_a_slash_separated_end_to_end_id(run, make_account, promise):
    # given: genkgo camt.053.001.08, EndToEndId MUELL/FINP/RA12345
    account = make_account(reference="RA12345", principal=D("100.00"), currency="EUR")
    promise(account, "8.85", date(2014, 12, 31))

    # when
    result = run("reconcile", "import", str(sample("camt053/genkgo_camt053.v8.xml")), "--json")

    # then
    assert result == {"transactions": 1, "matched": 1, "posted": 1, "review": 0, "duplicates": 0}
    assert Payment.objects.get().account == account


def test_bai2_text_reference_and_88_continuations_match(run, make_account, promise):
    # given: moov sample 1 "TFR 1020 0345678" (CAD), sample 4 newline-delimited 88 continuations
    cad = make_account(reference="0345678", principal=D("5000.00"), currency="CAD")
    promise(cad, "2035.00", date(2006, 3, 17))
    promise(cad, "115.00", date(2006, 3, 17))
    usd = make_account(reference="028000020000335", principal=D("1000.00"), currency="USD")
    promise(usd, "600.00", date(2023, 9, 6))

    # when
    one = run("reconcile", "import", str(sample("bai2/moov_sample1.txt")), "--json")
    four = run(
        "reconcile", "import", str(sample("bai2/moov_sample4-continuations-newline-delimited.txt")), "--json"
    )

    # then
    assert one == {"transactions": 17, "matched": 2, "posted": 2, "review": 3, "duplicates": 0}
    assert (four["matched"], four["posted"], four["transactions"]) == (1, 1, 17)
    assert Payment.objects.get(account=usd).amount == D("600.00")


def test_ofx_amount_and_date_alone_wait_for_review_and_a_person_posts_it(run, make_account, promise):
    # given: the OFX checking sample credits 0.01 on 2011-03-31 with no reference of ours
    account = make_account(reference="DIV-1", principal=D("10.00"), currency="USD")
    promise(account, "0.01", date(2011, 3, 31))

    # when
    result = run("reconcile", "import", str(sample("ofx/ofxparse_checking.ofx")), "--json")
    queue = run("reconcile", "review", "--json")["review"]
    resolved = run("reconcile", "resolve", str(queue[0]["id"]), "--account", "DIV-1", "--json")

    # then
    assert result == {"transactions": 3, "matched": 0, "posted": 0, "review": 1, "duplicates": 0}
    assert queue[0]["suggestion"].startswith("promise:") and queue[0]["confidence"] == "0.400"
    assert resolved["state"] == "resolved"
    assert Payment.objects.get(pk=resolved["payment"]).status == PaymentStatus.POSTED
    with pytest.raises(CommandError):
        call_command("reconcile", "resolve", str(queue[0]["id"]), "--account", "DIV-1", stderr=StringIO())


def test_bank_csv_with_a_mapping(run, make_account, promise, tmp_path):
    # given
    account = make_account(reference="ACC-77", principal=D("500.00"))
    promise(account, "125.50", date(2026, 11, 20))
    (tmp_path / "bank.csv").write_text(
        "Booked;Amount;Text;Id\n"
        "20.11.2026;125,50;Payment ACC-77 thanks;T1\n"
        "20.11.2026;-9,00;Bank fee;T2\n"
        "21.11.2026;1.010,00;Unknown payer;T3\n",
        encoding="utf-8",
    )
    (tmp_path / "map.toml").write_text(
        'account = "US-FIRST-000123"\nbank = "FIRST"\ncurrency = "USD"\ndelimiter = ";"\n'
        'date_format = "%d.%m.%Y"\ndecimal = ","\n'
        '[columns]\ndate = "Booked"\namount = "Amount"\ndescription = "Text"\nid = "Id"\n',
        encoding="utf-8",
    )
    csv_path, map_path = str(tmp_path / "bank.csv"), str(tmp_path / "map.toml")
    args = ("reconcile", "import", csv_path, "--format", "csv", "--mapping", map_path, "--json")

    # when
    first = run(*args)
    again = run(*args)

    # then
    assert first == {"transactions": 3, "matched": 1, "posted": 1, "review": 1, "duplicates": 0}
    assert again["duplicates"] == 3 and again["posted"] == 0
    assert BankLine.objects.get(transaction_id="T3").amount == D("1010.00")


def test_an_ach_file_is_refused_with_usage_exit(org):
    # given
    path = sample("nacha/moov_return-WEB.ach")

    # when
    with pytest.raises(CommandError) as caught:
        call_command("reconcile", "import", str(path), "--json", stdout=StringIO(), stderr=StringIO())

    # then
    assert caught.value.returncode == 2 and "RECONCILE_UNREADABLE" in str(caught.value)


@pytest.mark.parametrize("parse_in_child", [True, False], ids=["parsed-in-a-child-process", "parsed-here"])
def test_a_camt_file_parsed_in_a_child_process_reconciles_the_same(
    org, system, make_account, promise, parse_in_child
):
    # given
    promise(
        make_account(reference="US20291092", principal=D("5000.00"), currency="EUR"),
        "2120.00",
        date(2009, 10, 28),
    )
    data = sample("camt053/FI_camt_053_sample.xml").read_bytes()

    # when
    summary = bank_file_import(
        organization=org, data=data, file_name="fi.xml", actor=system, format="camt053", chunk=4,
        parse_in_child=parse_in_child,
    )  # fmt: skip

    # then
    assert summary.as_dict() == {"transactions": 13, "matched": 1, "posted": 1, "review": 5, "duplicates": 0}


def test_a_broken_camt_file_parsed_in_a_child_process_is_unreadable(org, system):
    # given: the sample cut off in the middle of its entries
    data = sample("camt053/FI_camt_053_sample.xml").read_bytes()[:3000]

    # when
    with pytest.raises(ArrearsError) as caught:
        bank_file_import(organization=org, data=data, file_name="cut.xml", actor=system, format="camt053",
                         parse_in_child=True)  # fmt: skip

    # then
    assert caught.value.code == "RECONCILE_UNREADABLE"


def test_a_line_dismissed_from_review_is_not_offered_again(run, org):
    # given
    run("reconcile", "import", str(sample("camt053/FI_camt_053_sample.xml")), "--json")
    waiting = run("reconcile", "review", "--json")["review"]

    # when
    dismissed = run("reconcile", "dismiss", str(waiting[0]["id"]), "--reason", "own transfer", "--json")

    # then
    assert dismissed["state"] == "dismissed" and dismissed["payment"] is None
    assert len(run("reconcile", "review", "--json")["review"]) == len(waiting) - 1


def test_an_unreadable_file_leaves_its_error_on_the_import_row(org, system):
    # given
    data = b"01,SENDER,RECEIVER,261120,0600,77,,,2/\n02,RECEIVER,026009593,1,261119,,USD,2/\n16,165,12x45,/\n"

    # when
    with pytest.raises(ArrearsError) as caught:
        bank_file_import(organization=org, data=data, file_name="bad.bai", actor=system)

    # then
    record = BankStatementImport.objects.get()
    assert caught.value.code == "RECONCILE_UNREADABLE"
    assert record.warnings[-1].startswith("RECONCILE_UNREADABLE: ") and not BankLine.objects.exists()
