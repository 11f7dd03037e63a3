"""OFX/QFX on the real samples: SGML on one line, tab-indented SGML, XML with CDATA, XML header over an
SGML body, a QFX headed CHARSET:1252 holding UTF-8; dates with fractions and bracketed offsets."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from arrears.payments.bankfiles import ofx
from arrears.payments.bankfiles.errors import BankFileError
from arrears.payments.bankfiles.model import Direction, IdSource

from ._samples import sample


def test_sgml_body_on_one_line_with_est_offsets():
    data = sample("ofx", "ofxparse_bank_medium.ofx")
    assert b"</STATUS><DTSERVER>" in data  # the sign-on block is one physical line

    (statement,) = ofx.parse(data)

    assert statement.account_id == "12300 000012345678"
    assert statement.bank_id == "160000100"
    assert statement.currency == "CAD"
    assert statement.closing_balance.kind == "LEDGERBAL" and statement.closing_balance.amount == Decimal(
        "382.34"
    )
    assert {b.kind: b.amount for b in statement.balances}["AVAILBAL"] == Decimal("682.34")
    tx = statement.transactions
    assert [t.amount for t in tx] == [Decimal("6.60"), Decimal("316.67"), Decimal("22.00")]
    assert all(t.direction is Direction.DEBIT for t in tx)
    assert tx[0].transaction_id == tx[0].bank_reference == "0000123456782009040100001"
    assert tx[0].id_source is IdSource.BANK
    assert tx[0].booking_date == date(2009, 4, 1)  # 20090401122017.000[-5:EST], the bank's own day
    assert tx[0].counterparty_name == "MCDONALD'S #112"
    assert tx[0].remittance_unstructured == ("POS MERCHANDISE;MCDONALD'S #112",)
    assert tx[1].bank_code == "CHECK" and tx[1].customer_reference is None  # CHECKNUM 0 is no number
    assert tx[-1].counterparty_name == "CONNIE'S HAIR D"
    assert tx[0].raw.startswith("<STMTTRN><TRNTYPE>POS<DTPOSTED>20090401122017.000[-5:EST]")


def test_tab_indented_sgml_with_fractional_seconds():
    (statement,) = ofx.parse(sample("ofx", "ofxparse_checking.ofx"))

    assert statement.account_id == "1452687~7"
    assert statement.created_at == datetime(
        2013, 5, 25, 22, 57, 31, 258000, tzinfo=UTC
    )  # .258, no offset: GMT
    tx = statement.transactions
    assert [t.transaction_id for t in tx] == ["0000486", "0000487", "0000488"]
    assert tx[0].amount == Decimal("0.01") and tx[0].direction is Direction.CREDIT
    assert tx[0].remittance_unstructured == (
        "DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011 ANNUAL PERCENTAGE YIELD EARNED IS 0.05%",
    )
    assert tx[1].counterparty_name == "AUTOMATIC WITHDRAWAL, ELECTRIC BILL"
    assert tx[2].customer_reference == "319"
    assert tx[2].amount == Decimal("25.00") and tx[2].booking_date == date(2011, 4, 7)
    assert statement.closing_balance.amount == Decimal("100.99")


def test_xml_ofx2_with_cdata_and_crlf():
    data = sample("ofx", "ofxparse_suncorp.ofx")
    assert b"\r\n" in data and b"<![CDATA[" in data

    (statement,) = ofx.parse(data)

    assert statement.account_id == "123456789" and statement.currency == "AUD"
    (tx,) = statement.transactions
    assert tx.transaction_id == "1"
    assert tx.amount == Decimal("16.85") and tx.direction is Direction.DEBIT
    assert tx.counterparty_name == "EFTPOS WDL HANDYWAY ALDI STORE"
    assert tx.remittance_unstructured == ("EFTPOS WDL HANDYWAY ALDI STORE GEELONG WEST VICAU",)
    assert statement.closing_balance.amount == Decimal("1234.12")


def test_xml_header_over_sgml_credit_card_body():
    (statement,) = ofx.parse(sample("ofx", "ofxparse_anzcc.ofx"))

    assert statement.account_id == "1234123412341234"
    assert statement.currency == "AUD"
    (tx,) = statement.transactions
    assert tx.transaction_id == "201705080001"
    assert tx.amount == Decimal("5.50") and tx.direction is Direction.DEBIT
    assert tx.remittance_unstructured == ("SOME MEMO",)
    assert statement.closing_balance.amount == Decimal("-123.45")
    assert statement.period_start == datetime(2017, 3, 11, tzinfo=UTC)


def test_qfx_with_gmt_offsets_and_utf8_under_a_1252_header():
    data = sample("ofx", "ofxparse_chase_cc.qfx")
    assert b"CHARSET:1252" in data and "¦".encode() in data
    assert data.startswith(b"\n")  # a blank line before the header

    (statement,) = ofx.parse(data)

    (tx,) = statement.transactions
    assert tx.counterparty_name == "SQ *ECCO UN POCO ¦ NATURA"  # not the mojibake 'Â¦'
    assert tx.amount == Decimal("10.00")
    assert tx.booking_date == date(2020, 1, 1)
    assert statement.created_at == datetime(2020, 1, 2, 12, 0, tzinfo=UTC)
    assert statement.account_id == "0123012301230123"
    assert {b.kind: b.amount for b in statement.balances} == {
        "LEDGERBAL": Decimal("-10.00"),
        "AVAILBAL": Decimal("90.00"),
    }


def test_real_1252_bytes_still_decode():
    data = sample("ofx", "ofxparse_bank_medium.ofx").replace(
        b"MCDONALD'S", b"CAF\xc9 \x80"
    )  # É and € in 1252

    (statement,) = ofx.parse(data)

    assert statement.transactions[0].counterparty_name == "CAFÉ € #112"


@pytest.mark.parametrize(
    ("written", "day", "instant"),
    [
        ("20090401122017.000[-5:EST]", date(2009, 4, 1), datetime(2009, 4, 1, 17, 20, 17, tzinfo=UTC)),
        ("20200101120000[0:GMT]", date(2020, 1, 1), datetime(2020, 1, 1, 12, tzinfo=UTC)),
        ("20131215", date(2013, 12, 15), datetime(2013, 12, 15, tzinfo=UTC)),
        (
            "20110331235959.5[+5.5:IST]",
            date(2011, 3, 31),
            datetime(2011, 3, 31, 18, 29, 59, 500000, tzinfo=UTC),
        ),
        (
            "20110331120000[-3.5:NST]",
            date(2011, 3, 31),
            datetime(2011, 3, 31, 15, 30, tzinfo=UTC),
        ),  # decimal hours
    ],
)
def test_dates(written, day, instant):
    assert ofx.parse_datetime(written, line=1, name="DTPOSTED") == (day, instant)


def test_missing_fitid_is_derived_and_duplicates_are_kept_apart():
    data = (
        sample("ofx", "ofxparse_checking.ofx")
        .replace(b"<FITID>0000487", b"")
        .replace(b"<FITID>0000488", b"<FITID>0000486")
    )

    tx = ofx.parse(data)[0].transactions

    assert tx[1].id_source is IdSource.DERIVED and tx[1].transaction_id.startswith("sha256:")
    assert [tx[0].transaction_id, tx[2].transaction_id] == ["0000486", "0000486#2"]


def test_comma_decimal_amount():
    data = sample("ofx", "ofxparse_suncorp.ofx").replace(b"<TRNAMT>-16.85", b"<TRNAMT>-16,85")

    assert ofx.parse(data)[0].transactions[0].amount == Decimal("16.85")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"<TRNAMT>-16.85", b"<TRNAMT>-1,685.00", "TRNAMT"),
        (b"<DTPOSTED>20131215", b"<DTPOSTED>2013-12-15", "DTPOSTED"),
        (b"<CURDEF>AUD", b"<CURDEF>Dollars", "CURDEF"),
        (b"<CURDEF>AUD", b"<CURDEF>XYZ", "CURDEF"),
        (b"<CURDEF>AUD", b"<CURDEF>XTS", "CURDEF"),
    ],
)
def test_bad_values_name_line_and_field(old, new, field):
    data = sample("ofx", "ofxparse_suncorp.ofx").replace(old, new)

    with pytest.raises(BankFileError) as caught:
        ofx.parse(data)

    assert caught.value.field == field
    assert caught.value.line is not None and caught.value.line > 20


def test_no_statement():
    with pytest.raises(BankFileError, match="no bank or credit-card statement"):
        ofx.parse(b"OFXHEADER:100\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>")
