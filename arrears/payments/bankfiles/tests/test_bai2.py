"""BAI2 on the real samples, and each quirk: terminators, records sharing a line, wrapped lines, 88
continuations, commas in text, funds types, implied decimals, CR-only line ends."""

from datetime import date
from decimal import Decimal

import pytest

from arrears.payments.bankfiles import bai2
from arrears.payments.bankfiles.errors import BankFileError
from arrears.payments.bankfiles.model import Direction, IdSource, TransactionStatus

from ._samples import sample


def test_canadian_file_implied_decimals_in_cad_and_value_dated_funds():
    statements = bai2.parse(sample("bai2", "moov_sample1.txt"))

    assert len(statements) == 2
    first, second = statements
    assert first.account_id == second.account_id == "10200123456"
    assert first.currency == "CAD"
    assert first.bank_id == "0004"
    assert first.opening_balance.kind == "040" and first.opening_balance.amount == Decimal("0.00")
    assert first.closing_balance.kind == "045"
    assert first.warnings == ()  # 49 total 834000 and 14 records check out
    tx = first.transactions
    assert len(tx) == 11 and len(second.transactions) == 6
    assert tx[0].bank_code == "409" and tx[0].direction is Direction.DEBIT
    assert tx[0].amount == Decimal("25.00") and tx[0].currency == "CAD"
    assert tx[0].remittance_unstructured == ("RETURNED CHEQUE",)  # padding trimmed, "/" not part of it
    assert tx[0].value_date == date(2006, 3, 16)  # funds type V
    assert tx[0].booking_date == date(2006, 3, 17)  # the group's as-of date
    assert (
        tx[3].bank_code == "108"
        and tx[3].direction is Direction.CREDIT
        and tx[3].amount == Decimal("2035.00")
    )
    assert tx[-1].amount == Decimal("10.00") and tx[-1].remittance_unstructured == ("PLAZA ROCK FOREST",)
    assert second.transactions[-1].remittance_unstructured == ("GALERIES RICHELIEU",)
    assert all(t.id_source is IdSource.DERIVED for t in tx)
    assert len({t.transaction_id for t in tx}) == 11


def test_spec_example_continuations_and_every_funds_type():
    statements = bai2.parse(sample("bai2", "moov_sample2.txt"))

    assert [s.account_id for s in statements] == [
        "0123456789",
        "9876543210",
        "4589761203",
        "0975312468",
        "7890654321",
    ]
    assert all(s.warnings == () for s in statements)  # every 49/98/99 total and count agrees
    assert all(s.currency == "USD" for s in statements)  # 02 currency blank: the default
    first, second, third, fourth, fifth = statements
    assert first.opening_balance.amount == Decimal("43500.00")
    assert {b.kind: b.amount for b in first.balances}["040"] == Decimal("28300.00")
    (detail,) = first.transactions  # 16,115,450000,S,100000,200000,150000,,,
    assert detail.amount == Decimal("4500.00") and detail.direction is Direction.CREDIT
    assert detail.bank_reference is None and detail.remittance_unstructured == ()
    assert second.opening_balance.amount == Decimal("-5000.00")  # signed status amount
    assert second.transactions[0].remittance_unstructured == ("LOCK BOX NO.68751",)
    letter_of_credit, wire = third.transactions
    assert letter_of_credit.amount == Decimal("200000.00")
    assert letter_of_credit.value_date == date(2004, 6, 22)
    assert letter_of_credit.bank_reference == letter_of_credit.transaction_id == "SP4738"
    assert letter_of_credit.customer_reference == "YRC065321"
    assert letter_of_credit.remittance_unstructured == (
        "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO",
    )
    assert wire.bank_code == "195" and wire.amount == Decimal("100000.00")
    assert fourth.opening_balance.amount == Decimal("5000.00")  # the 03 continues into an 88 with funds D
    assert fourth.transactions == ()
    assert fifth.opening_balance.amount == Decimal("8000.00")  # 88,4, completes the 110 group


def test_several_records_on_one_line_and_a_wrapped_line():
    data = sample("bai2", "moov_sample3.txt")
    assert b"PPD/ 16,142" in data and b"/  49,00,2/" in data

    statements = bai2.parse(data)

    assert len(statements) == 15
    assert sum(len(s.transactions) for s in statements) == 26
    assert all(s.warnings == () for s in statements)
    first = statements[0]
    assert first.opening_balance.amount == Decimal("-35.00")
    assert first.closing_balance.amount == Decimal("-36.00")
    assert [t.amount for t in first.transactions[:3]] == [Decimal("25.00"), Decimal("5.00"), Decimal("1.00")]
    assert first.transactions[1].remittance_unstructured == ("TRANSFER MSPBNA BANK PPD",)
    assert first.transactions[3].remittance_unstructured == (
        "111111 ACH_SETL 1111111111 111111111111111",
        "1111111111",
    )
    wrapped = statements[7].transactions[0]  # "16,...1111111111" then "111111111111111 /" on the next line
    assert wrapped.amount == Decimal("25.00")
    assert wrapped.remittance_unstructured[0] == "111111 ACH_SETL 1111111111 111111111111111"
    wire = statements[9].transactions[0]
    assert wire.bank_code == "195" and wire.amount == Decimal("138.55")
    assert wire.remittance_unstructured == (
        "Wire Transfer Credit VISA INTERNATIONAL 900 METRO CENTER BLVD",
        "FOSTER CITY CA 94404",
    )


def test_goldman_file_without_terminators_commas_and_quotes_in_text():
    statements = bai2.parse(sample("bai2", "moov_sample4-continuations-newline-delimited.txt"))

    assert [s.account_id for s in statements] == [
        "107049924",
        "107049932",
        "104108339",
        "260000033037",
        "280000010657",
    ]
    reject = statements[1].transactions[1]
    assert reject.bank_code == "261" and reject.amount == Decimal("1435.00")
    assert reject.bank_reference == "SB2322600000404" and reject.customer_reference == "GSQ4FBGFDGWGKY"
    assert reject.remittance_unstructured[0] == (
        'ACH Credit Reject,From: TEST INC, Remittance Info: "ACH- Test - Addenda Record", '
        "Entry Description: TRADE; -, SEC: CTX, Client Ref ID: GSQ4FBGFDGWGKY, GS ID: SB2322600000404"
    )
    assert reject.remittance_unstructured[1:4] == (
        "CREF:",
        "REMI: ACH- Test - Addenda Record",
        "EREF: GSQ4FBGFDGWGKY",
    )
    busy = statements[2]
    assert busy.opening_balance.amount == Decimal("1595811.94")
    assert busy.transactions[0].bank_code == "557" and busy.transactions[0].direction is Direction.DEBIT
    assert busy.transactions[-1].amount == Decimal("300000.00")
    assert len(busy.transactions) == 14
    # this file's trailers do not add up; the reader says so rather than refusing the file
    assert (
        "line 22: 49 account control total -1260161341762 differs from the sum 7999960"
        in statements[1].warnings
    )


def test_cr_only_line_ends():
    data = sample("bai2", "moov_sample1.txt")

    assert bai2.parse(data.replace(b"\n", b"\r")) == bai2.parse(data)
    assert bai2.parse(data.replace(b"\n", b"\r\n")) == bai2.parse(data)


SMALL = """01,SENDER,RECEIVER,261120,0600,77,,,2/
02,RECEIVER,026009593,1,261119,,{group_currency},{modifier}/
03,555,{account_currency},010,100000,,/
16,{type_code},{amount},{funds},REF1,CUST1,Installment ACC-9/
49,{total},3/
98,{total},1,5/
99,{total},1,7/
"""


def small(**overrides):
    values = {
        "group_currency": "",
        "modifier": "2",
        "account_currency": "",
        "type_code": "165",
        "amount": "12345",
        "funds": "0",
        "total": "112345",
    }
    return SMALL.format(**{**values, **overrides}).encode()


@pytest.mark.parametrize(
    ("group_currency", "account_currency", "currency", "amount"),
    [
        ("", "", "USD", Decimal("123.45")),
        ("JPY", "", "JPY", Decimal("12345")),  # no minor units
        ("USD", "KWD", "KWD", Decimal("12.345")),  # three, from the 03 record
        ("EUR", "", "EUR", Decimal("123.45")),
    ],
)
def test_implied_decimals_follow_the_currency(group_currency, account_currency, currency, amount):
    (statement,) = bai2.parse(small(group_currency=group_currency, account_currency=account_currency))

    (tx,) = statement.transactions
    assert tx.currency == statement.currency == currency
    assert tx.amount == amount
    assert statement.warnings == ()


@pytest.mark.parametrize(
    ("funds", "total"),
    [
        ("1", "112345"),
        ("S,100,200,300", "112345"),
        ("V,261121,1200", "112345"),
        ("D,2,1,100,2,200", "112345"),
    ],
)
def test_funds_types_consume_their_fields(funds, total):
    (statement,) = bai2.parse(small(funds=funds, total=total))

    (tx,) = statement.transactions
    assert (tx.bank_reference, tx.customer_reference) == ("REF1", "CUST1")
    assert tx.remittance_unstructured == ("Installment ACC-9",)
    assert tx.value_date == (date(2026, 11, 21) if funds.startswith("V") else None)


@pytest.mark.parametrize(
    ("type_code", "direction"),
    [
        ("165", Direction.CREDIT),
        ("451", Direction.DEBIT),
        ("935", Direction.CREDIT),
        ("975", Direction.DEBIT),
    ],
)
def test_type_code_ranges(type_code, direction):
    (statement,) = bai2.parse(small(type_code=type_code))

    assert statement.transactions[0].direction is direction


def test_same_day_interim_report_is_pending():
    (statement,) = bai2.parse(small(modifier="3"))

    assert statement.transactions[0].status is TransactionStatus.PENDING


@pytest.mark.parametrize(
    ("overrides", "field", "line"),
    [
        ({"funds": "X"}, "funds type", 4),
        ({"type_code": "010"}, "type code (16 field 1)", 4),
        ({"type_code": "720"}, "type code (16 field 1)", 4),
        ({"amount": "12.34"}, "amount (16 field 2)", 4),
        ({"amount": "-100"}, "amount (16 field 2)", 4),
        ({"group_currency": "US"}, "currency (02 field 6)", 2),
        ({"group_currency": "XYZ"}, "currency (02 field 6)", 2),
        ({"account_currency": "XAU"}, "currency (03 field 2)", 3),
    ],
)
def test_bad_fields_name_line_and_field(overrides, field, line):
    with pytest.raises(BankFileError) as caught:
        bai2.parse(small(**overrides))

    assert (caught.value.line, caught.value.field) == (line, field)


def test_control_total_mismatch_is_a_warning():
    (statement,) = bai2.parse(small(total="112346"))

    assert statement.warnings[0] == "line 5: 49 account control total 112346 differs from the sum 112345"


def test_structure_errors():
    with pytest.raises(BankFileError, match="starts with an 01"):
        bai2.parse(b"16,165,100,0,,,x/\n")
    with pytest.raises(BankFileError, match="16 outside an account"):
        bai2.parse(b"01,A,B,261120,0600,1,,,2/\n02,B,C,1,261119,,,2/\n16,165,100,0,,,x/\n")
    with pytest.raises(BankFileError, match="truncated"):
        bai2.parse(small().split(b"49,")[0])
