"""camt.053 / camt.054 on the real samples, and each quirk the reader claims to handle."""

import io
import tracemalloc
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from arrears.payments.bankfiles import camt
from arrears.payments.bankfiles.errors import BankFileError
from arrears.payments.bankfiles.model import Direction, IdSource, TransactionStatus

from ._samples import camt053_document, sample

FI_053 = "FI_camt_053_sample.xml"
LT_053 = "LT_siauliu_bankas_statement_1.xml"
CH_053 = "camt.053_P_CH2909000000250094239_1110092698_0_2020112503071366.xml"
V8_053 = "genkgo_camt053.v8.xml"
FI_054 = "FI_camt_054_sample.xml"
CH_054 = "200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_2019042500372179.xml"
V8_054 = "genkgo_camt054.v8.xml"


@pytest.mark.parametrize(
    ("kind", "name", "version", "expected"),
    [
        ("camt053", FI_053, "001.02", "camt053"),
        ("camt053", LT_053, "001.02", "camt053"),
        ("camt053", CH_053, "001.04", "camt053"),
        ("camt053", V8_053, "001.08", "camt053"),
        ("camt054", FI_054, "001.02", "camt054"),
        ("camt054", CH_054, "001.04", "camt054"),
        ("camt054", V8_054, "001.08", "camt054"),
    ],
)
def test_every_sample_and_namespace_version_parses(kind, name, version, expected):
    data = sample(kind, name)

    statements = camt.parse(data)

    assert f"{kind[:4]}.{kind[4:]}.{version}".encode() in data
    assert camt.detect(data) == expected
    assert len(statements) == 1
    assert statements[0].format == expected
    assert statements[0].transactions


def test_finnish_statement_with_comments_before_root_and_batch_bookings():
    data = sample("camt053", FI_053)
    assert data.index(b"<!--") < data.index(b"<Document")

    (statement,) = camt.parse(data)

    assert statement.account_id == statement.iban == "FI7433010001222090"
    assert statement.currency == "EUR"
    assert statement.bank_id == "ESSEFIHX"
    assert statement.statement_id == "BANKSTMTID0972009"
    assert statement.message_id == "BANKFILEID00001"
    assert statement.created_at == datetime(2009, 10, 30, 0, 0, tzinfo=UTC)  # 02:00+02:00
    assert statement.opening_balance.kind == "OPBD"
    assert statement.opening_balance.amount == Decimal("10000.00")
    assert statement.closing_balance.amount == Decimal("23644.83")
    assert statement.closing_balance.date == date(2009, 10, 29)
    assert [b.kind for b in statement.balances] == ["OPBD", "PRCD", "CLBD", "CLAV"]
    assert statement.warnings == ()  # TxsSummry: 10 entries, credits 23075.00, debits 9430.17
    tx = statement.transactions
    assert len(tx) == 13  # 10 entries; entry 3 splits into 3 and entry 9 into 2
    assert tx[0].amount == Decimal("1000.12") and tx[0].direction is Direction.DEBIT
    assert tx[0].bank_code == "PMNT/ICDT/SALA"
    assert tx[0].proprietary_code == "NTRF+701TransactionCodeText"
    assert [t.amount for t in tx[2:5]] == [Decimal("2000.02"), Decimal("1000.01"), Decimal("1230.02")]
    assert [t.transaction_id for t in tx[2:5]] == ["091029ARCH03001", "091029ARCH03002", "091029ARCH03003"]
    assert tx[2].remittance_structured == ("3900",)
    assert tx[3].remittance_unstructured == ("Invoices 123 and 321",)
    assert tx[4].remittance_structured == ("217827182718",)
    assert tx[2].counterparty_name == "Creditor Company"
    assert tx[2].counterparty_account == "29501800020582"
    assert tx[8].value_date == date(2009, 10, 30) and tx[8].booking_date == date(2009, 10, 29)
    assert tx[8].remittance_unstructured == ("INVOICE US20291092",)
    assert tx[9].remittance_structured == ("RF98123456789012",)
    assert tx[10].end_to_end_id == "EndToEndIdSCT01"
    assert tx[10].counterparty_name == "DEBTOR"
    assert tx[-1].amount == Decimal("100.00")
    # the bank gave both charge details the same AcctSvcrRef: both survive, the second suffixed
    assert [t.transaction_id for t in tx[-2:]] == ["091029ARCH09001", "091029ARCH09001#2"]
    assert statement.total_credits == Decimal("23075.00")
    assert statement.total_debits == Decimal("9430.17")


def test_lithuanian_statement_with_entities_utf8_and_derived_ids():
    (statement,) = camt.parse(sample("camt053", LT_053))

    assert statement.owner_name == 'UAB "TESTAVIMAS"'  # &quot; entities
    assert statement.opening_balance.kind == "OPAV"
    assert statement.opening_balance.amount == Decimal("2768.08")
    assert statement.closing_balance.kind == "CLAV"
    assert statement.closing_balance.amount == Decimal("0.00")
    tx = statement.transactions
    assert [t.amount for t in tx] == [Decimal("1.64"), Decimal("2734.58"), Decimal("30.16"), Decimal("1.7")]
    assert all(t.direction is Direction.DEBIT for t in tx)
    assert tx[0].remittance_unstructured[0].startswith("Mokestis už į kliento sąskaitą")
    assert tx[0].end_to_end_id is None  # NOTPROVIDED is not an id
    assert tx[2].counterparty_name == "Antstolis Vardenis Pavardenis"
    assert tx[2].counterparty_account == "LT007044000000000000"
    assert all(t.id_source is IdSource.DERIVED and t.transaction_id.startswith("sha256:") for t in tx)
    assert len({t.transaction_id for t in tx}) == 4


def test_derived_ids_are_stable_across_reads():
    data = sample("camt053", LT_053)

    first = [t.transaction_id for t in camt.parse(data)[0].transactions]
    second = [t.transaction_id for t in camt.parse(data)[0].transactions]

    assert first == second


def test_postfinance_v04_pagination_and_a_reused_bank_reference():
    (statement,) = camt.parse(sample("camt053", CH_053))

    assert statement.account_id == "CH2909000000250094239"
    assert statement.currency == "CHF"  # no Acct/Ccy: taken from the first entry
    assert statement.page_number == 1 and statement.last_page is True
    assert statement.opening_balance.amount == Decimal("211993.19")
    assert statement.closing_balance.amount == Decimal("215112.21")
    tx = statement.transactions
    assert [t.amount for t in tx] == [Decimal(x) for x in ("4.50", "77.70", "1500.00", "1537.00", "1692.22")]
    assert tx[1].direction is Direction.DEBIT  # the entry says DBIT even though its TxDtls says CRDT
    assert tx[3].value_date == date(2020, 11, 25)
    assert tx[0].remittance_unstructured[0].startswith("GUTSCHRIFT CH-DD-BASISLASTSCHRIFT")
    assert [t.transaction_id for t in tx[3:]] == ["07582000303KBMSU", "07582000303KBMSU#2"]


def test_v08_statement_status_code_and_booking_datetime():
    (statement,) = camt.parse(sample("camt053", V8_053))

    assert statement.account_id == "NL26VAYB8060476890" and statement.iban is None
    assert statement.page_number == 2
    assert statement.closing_balance.amount == Decimal("-27.00")  # DBIT balance
    (tx,) = statement.transactions
    assert tx.amount == Decimal("8.85") and tx.currency == "EUR"
    assert tx.status is TransactionStatus.BOOKED  # <Sts><Cd>BOOK</Cd></Sts>
    assert tx.booking_date == date(2014, 12, 31)  # <BookgDt><DtTm>
    assert tx.end_to_end_id == "MUELL/FINP/RA12345"
    assert tx.counterparty_name == "NAME NAME"  # Dbtr/Pty/Nm
    assert tx.counterparty_account == "NL56AGDH9619008421"
    assert tx.remittance_structured == ("4654654654654654",)


def test_finnish_notification_with_cr_only_line_ends():
    data = sample("camt054", FI_054)
    assert b"\r" in data and b"\n" not in data

    (note,) = camt.parse(data)

    assert note.format == "camt054"
    assert note.statement_id == "BANKFILEID00001NTR00001"
    tx = note.transactions
    assert len(tx) == 13
    assert [t.amount for t in tx[:2]] == [Decimal("1900.00"), Decimal("100.00")]  # 2000.00 batch split
    assert tx[0].remittance_structured == ("3900", "12344")
    assert tx[0].counterparty_name == "PAYERS NAME1"
    assert tx[4].end_to_end_id == "EndToEndIdAT-41-001"
    assert tx[4].remittance_structured == ("RF7812345", "RF0812344")
    assert [t.transaction_id for t in tx[9:11]] == ["091029NTFCTNXBCT010101/1", "091029NTFCTNXBCT010101/2"]
    assert tx[-1].status is TransactionStatus.INFO
    assert tx[-1].reversal is True
    assert tx[-1].amount == Decimal("60.00")


def test_swiss_esr_notification_references():
    (note,) = camt.parse(sample("camt054", CH_054))

    tx = note.transactions
    assert [t.amount for t in tx] == [
        Decimal(x) for x in ("250.00", "200.00", "300.00", "324.00", "463.00", "147.00")
    ]
    assert tx[0].remittance_structured == ("120000000000234478943216899",)
    assert tx[0].end_to_end_id == "EndToEndId-001-02-02"
    assert tx[0].counterparty_account == "CH5109000000250092291"
    assert tx[-1].direction is Direction.DEBIT
    assert tx[-1].transaction_id == "180410CH02UZ2PC1"


def test_batch_whose_details_do_not_add_up_stays_one_transaction():
    (note,) = camt.parse(sample("camt054", V8_054))

    (tx,) = note.transactions  # SEK 200000 entry, CHF 3.1 + 3.2 + 3.2 details
    assert tx.amount == Decimal("200000") and tx.currency == "SEK"
    assert tx.remittance_structured == (
        "ISR ref number V1",
        "ISR ref number V2",
        "Ref number V3 block 1",
        "Ref number V3 block 2",
    )
    assert tx.end_to_end_id is None  # three different ones
    assert tx.bank_code == "PMNT/ICDT/DMCT" and tx.proprietary_code == "Z24"


def test_cr_only_copy_of_a_sample_reads_the_same():
    data = sample("camt053", FI_053)

    converted = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")

    def without_raw(statements):
        return [[replace(t, raw="") for t in s.transactions] for s in statements]

    assert without_raw(camt.parse(converted)) == without_raw(camt.parse(data))
    assert camt.parse(converted)[0].transactions[0].raw.startswith("<Ntry>\r")


@pytest.mark.parametrize(
    "namespace", ["", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.13", "urn:example:bank"]
)
def test_namespace_agnostic(namespace):
    data = (
        camt053_document(3, namespace=namespace)
        if namespace
        else camt053_document(3).replace(b" xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'", b"")
    )

    (statement,) = camt.parse(data)

    assert statement.format == "camt053"
    assert [t.amount for t in statement.transactions] == [Decimal("1.00"), Decimal("2.01"), Decimal("3.02")]
    assert statement.opening_balance.amount == Decimal("-100.00")


def test_streaming_matches_parse():
    data = camt053_document(50)

    streamed = [tx for _, tx in camt.iter_transactions(data)]
    (statement,) = camt.parse(data)

    assert tuple(streamed) == statement.transactions


def test_streaming_memory_does_not_grow_with_the_file():
    def peak(entries):
        stream = io.BytesIO(camt053_document(entries))  # read in chunks, as from a file
        tracemalloc.start()
        count = sum(1 for _ in camt.iter_transactions(stream))
        _, high = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == entries
        return high

    small, large = peak(500), peak(5_000)

    # An entry's element tree costs kilobytes; what may grow is the id registry, a short string per entry.
    assert (large - small) / 4_500 < 150


def test_bad_amount_names_the_line_and_field():
    data = camt053_document(3).replace(b"<Amt Ccy='EUR'>2.01</Amt>", b"<Amt Ccy='EUR'>2,01</Amt>")

    with pytest.raises(BankFileError) as caught:
        camt.parse(data)

    assert caught.value.line == 1  # the whole generated document is one line
    assert caught.value.field == "Ntry/Amt"
    assert "'2,01'" in caught.value.message


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        pytest.param(b"<Ccy>EUR</Ccy>", b"<Ccy>XYZ</Ccy>", "Stmt/Acct/Ccy", id="account-XYZ"),
        pytest.param(
            b"<Amt Ccy='EUR'>2.01</Amt>", b"<Amt Ccy='XYZ'>2.01</Amt>", "Ntry/Amt/@Ccy", id="entry-XYZ"
        ),
        pytest.param(
            b"<Amt Ccy='EUR'>2.01</Amt>", b"<Amt Ccy='XAU'>2.01</Amt>", "Ntry/Amt/@Ccy", id="entry-gold"
        ),
    ],
)
def test_a_currency_not_in_iso_4217_names_the_line_and_field(old, new, field):
    data = camt053_document(3).replace(old, new, 1)

    with pytest.raises(BankFileError) as caught:
        camt.parse(data)

    assert (caught.value.line, caught.value.field) == (1, field)
    assert "not an ISO 4217 currency code" in caught.value.message


def test_bad_indicator_names_the_entry_line_in_a_multiline_file():
    data = sample("camt053", LT_053).replace(
        b"<CdtDbtInd>DBIT</CdtDbtInd>\n    <Sts>BOOK", b"<CdtDbtInd>X</CdtDbtInd>\n    <Sts>BOOK", 1
    )

    with pytest.raises(BankFileError) as caught:
        camt.parse(data)

    assert caught.value.field == "Ntry/CdtDbtInd"
    assert caught.value.line == data[: data.index(b"<Ntry>")].count(b"\n") + 1


def test_malformed_xml_gives_line_and_column():
    data = b"<?xml version='1.0'?>\n<Document>\n<BkToCstmrStmt>\n<Stmt></Document>"

    with pytest.raises(BankFileError) as caught:
        camt.parse(data)

    assert caught.value.line == 4
    assert "malformed XML" in caught.value.message


def test_entity_declarations_are_refused():
    bomb = (
        b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]>"
        b"<Document><BkToCstmrStmt><GrpHdr><MsgId>&b;</MsgId></GrpHdr></BkToCstmrStmt></Document>"
    )

    with pytest.raises(BankFileError, match="unsafe XML"):
        camt.parse(bomb)


def test_not_a_camt_document():
    with pytest.raises(BankFileError, match="not an ISO 20022 camt document"):
        camt.parse(b"<html><body/></html>")


@pytest.mark.parametrize("name", [FI_053, CH_053])
def test_file_stream_read_in_small_chunks_keeps_raw_entries(monkeypatch, name):
    data = sample("camt053", name)
    monkeypatch.setattr(camt, "_CHUNK", 97)  # entries straddle many chunks

    streamed = [tx for _, tx in camt.iter_transactions(io.BytesIO(data))]

    assert streamed == list(camt.parse(data)[0].transactions)
    assert all(tx.raw.startswith("<Ntry>") and tx.raw.endswith("</Ntry>") for tx in streamed)


def test_pending_and_future_statuses():
    data = camt053_document(2).replace(b"<Sts>BOOK</Sts>", b"<Sts>PDNG</Sts>", 1)

    first, second = camt.parse(data)[0].transactions

    assert first.status is TransactionStatus.PENDING
    assert second.status is TransactionStatus.BOOKED
