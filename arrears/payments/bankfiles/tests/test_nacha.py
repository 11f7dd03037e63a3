"""NACHA: the real samples (returns, NOC, IAT, one-line files), control checks, and our PPD writer
checked by reading its output back with the same reader."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.payments.bankfiles import nacha
from arrears.payments.bankfiles.errors import BankFileError

from ._samples import sample


def test_ppd_debit_with_trimmed_lines_and_filler():
    data = sample("nacha", "moov_ppd-debit.ach")
    assert min(len(line) for line in data.splitlines()) < 94  # trailing spaces were trimmed

    ach = nacha.read(data)

    assert ach.errors == ()
    assert ach.record_count == 10  # 5 records and five 9-filler lines
    assert ach.header.immediate_destination == "231380104"
    assert ach.header.destination_name == "Federal Reserve Bank"
    assert ach.header.origin_name == "My Bank Name"
    assert ach.header.creation_date == date(2019, 6, 24)
    (batch,) = ach.batches
    assert batch.header.sec_code == "PPD"
    assert batch.header.service_class_code == "225"
    assert batch.header.effective_date == date(2019, 6, 25)
    (entry,) = ach.entries
    assert entry.transaction_code == "27" and entry.is_debit
    assert entry.routing_number == "231380104"
    assert entry.account_number == "12345678"
    assert entry.amount_cents == 100_000_000
    assert entry.individual_name == "Receiver Account Name"
    assert entry.trace_number == "121042880000001"
    assert ach.control.entry_hash == ach.entry_hash == 23138010
    assert ach.control.total_debit_cents == 100_000_000


def test_file_written_as_one_line_is_cut_every_94():
    data = sample("nacha", "moov_ppd-debit-fixedLength.ach")
    assert data.count(b"\n") == 1 and len(data.rstrip(b"\n")) == 5 * 94

    ach = nacha.read(data)

    assert ach.errors == ()
    assert ach.record_count == 5
    (entry,) = ach.entries
    assert entry.routing_number == "053200019"
    assert entry.amount_cents == 10500
    assert entry.individual_id == "c-1"
    assert entry.individual_name == "Bachman Eric"
    assert ach.batches[0].header.effective_date == date(2008, 7, 30)
    assert ach.control.entry_hash == 5320001


def test_returns_r01_and_r03_with_original_traces():
    ach = nacha.read(sample("nacha", "moov_return-WEB.ach"))

    assert ach.errors == ()
    first, second = ach.returns
    assert first.return_addenda.return_code == "R01"
    assert first.return_addenda.original_trace == "091400600000001"
    assert first.return_addenda.original_rdfi == "09100001"
    assert first.transaction_code == "26" and first.is_debit  # return of a checking debit
    assert first.amount_cents == 12354
    assert first.individual_name == "Paul Jones"
    assert second.return_addenda.return_code == "R03"
    assert second.return_addenda.original_trace == "091400600000003"
    assert second.transaction_code == "21" and second.is_credit
    assert second.amount_cents == 4565
    assert ach.control.total_debit_cents == 12354 and ach.control.total_credit_cents == 4565
    assert ach.control.entry_hash == 18280120


def test_notification_of_change_c01():
    ach = nacha.read(sample("nacha", "moov_cor-example.ach"))

    assert ach.errors == ()
    assert ach.batches[0].header.sec_code == "COR"
    (entry,) = ach.notifications_of_change
    change = entry.change_addenda
    assert change.change_code == "C01"  # incorrect account number
    assert change.corrected_data == "1918171614"
    assert change.original_trace == "121042880000001"
    assert entry.account_number == "744-5678-99"
    assert entry.amount_cents == 0


def test_web_debit_three_batches():
    ach = nacha.read(sample("nacha", "moov_web-debit.ach"))

    assert ach.errors == ()
    assert [b.header.sec_code for b in ach.batches] == ["WEB", "WEB", "PPD"]
    assert len(ach.entries) == 6
    assert ach.entries[0].account_number == "12345678901234567"
    assert ach.entries[0].amount_cents == 3521
    assert ach.entries[-1].amount_cents == 15000 and ach.entries[-1].is_debit
    assert ach.total_credit_cents == 26820 and ach.total_debit_cents == 15000
    assert ach.control.block_count == 2


def test_us_bank_file_with_iat_addenda_reports_its_wrong_batch_count():
    ach = nacha.read(sample("nacha", "moov_20110805A.ach"))

    assert len(ach.batches) == 4 and len(ach.entries) == 48
    assert [b.header.sec_code for b in ach.batches] == ["PPD", "PPD", "IAT", "IAT"]
    iat = ach.batches[2].entries[0]
    assert [a.type_code for a in iat.addenda] == ["10", "11", "12", "13", "14", "15", "16"]
    assert iat.addenda[0].raw.startswith("710WEB")
    assert iat.individual_name == "HAYDEN BANKS"  # from the 710 addenda
    assert iat.amount_cents == 109000
    assert ach.entries[0].amount_cents == 27000 and ach.entries[0].individual_name == "JULIAN PRICE"
    assert ach.batches[1].total_credit_cents == 176  # the VERIFY micro-deposits
    assert ach.control.entry_addenda_count == 83
    # the file control claims 5 batches; there are 4 (batch 2 is missing from the numbering)
    (error,) = ach.errors
    assert error.line == 93
    assert error.field == "batch count (positions 2-7)"
    with pytest.raises(BankFileError, match="batch count"):
        nacha.read(sample("nacha", "moov_20110805A.ach"), strict=True)


def test_tampered_amount_is_caught_by_the_batch_and_file_controls():
    data = sample("nacha", "moov_ppd-debit.ach").replace(b"0100000000", b"0100000001", 1)

    ach = nacha.read(data)

    assert {(e.line, e.field.split(" (")[0]) for e in ach.errors} == {
        (4, "total debit amount"),
        (5, "total debit amount"),
    }


def test_tampered_routing_breaks_hash_and_check_digit():
    data = sample("nacha", "moov_ppd-debit.ach").replace(b"62723138010412345678", b"62723138011412345678")

    ach = nacha.read(data)

    fields = {(e.line, e.field.split(" (")[0]) for e in ach.errors}
    assert (3, "check digit") in fields
    assert (4, "entry hash") in fields
    assert (5, "entry hash") in fields


def test_non_digit_amount_names_record_and_field():
    data = sample("nacha", "moov_ppd-debit.ach").replace(b"0100000000", b"01000X0000", 1)

    with pytest.raises(BankFileError) as caught:
        nacha.read(data)

    assert caught.value.line == 3
    assert caught.value.field == "amount (positions 30-39)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"5225" + b" " * 90, "starts with a 1 record"),
        (b"101 231380104 12104288219062400" + b"00A094101".ljust(63), "without a 9 file control"),
    ],
)
def test_structural_faults(data, message):
    with pytest.raises(BankFileError, match=message):
        nacha.read(data)


def test_crlf_and_cr_only_line_ends():
    data = sample("nacha", "moov_return-WEB.ach")

    assert nacha.read(data.replace(b"\n", b"\r\n")).returns == nacha.read(data).returns
    assert nacha.read(data.replace(b"\n", b"\r")).returns == nacha.read(data).returns


# ------------------------------------------------------------------------------------------ writer

ORIGINATOR = nacha.Originator(
    odfi_routing="231380104",
    company_name="Arrears Recovery",
    company_id="1234567890",
    destination_name="Citadel Bank",
    origin_name="Arrears Recovery LLC",
    entry_description="INSTALLMNT",
)
CREATED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def debit(**overrides):
    values = {
        "routing_number": "021200025",
        "account_number": "998412345",
        "amount_cents": 12_500,
        "individual_id": "ACC-000042",
        "individual_name": "Julian Price",
        "effective_date": date(2026, 11, 24),
    }
    return nacha.DebitEntry(**{**values, **overrides})


def test_writer_round_trip():
    entries = [
        debit(),
        debit(routing_number="091400606", amount_cents=4_565, savings=True, individual_name="Bob Marley"),
        debit(effective_date=date(2026, 11, 25), amount_cents=1),
    ]

    data = nacha.write_ppd_debits(entries, originator=ORIGINATOR, created_at=CREATED)
    ach = nacha.read(data, strict=True)

    lines = data.decode().splitlines()
    assert all(len(line) == 94 for line in lines)
    assert len(lines) == 10
    assert lines[-1] == "9" * 94
    assert ach.errors == ()
    assert [b.header.effective_date for b in ach.batches] == [date(2026, 11, 24), date(2026, 11, 25)]
    assert [b.header.sec_code for b in ach.batches] == ["PPD", "PPD"]
    assert [e.transaction_code for e in ach.entries] == ["27", "37", "27"]
    assert [e.trace_number for e in ach.entries] == ["231380100000001", "231380100000002", "231380100000003"]
    assert ach.control.total_debit_cents == 12_500 + 4_565 + 1
    assert ach.control.entry_hash == (2 * 2120002 + 9140060) % 10**10
    assert ach.entries[1].individual_name == "Bob Marley"
    assert ach.entries[0].individual_id == "ACC-000042"
    assert ach.header.creation_date == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"routing_number": "021200026"}, "entries[0].routing_number"),  # wrong check digit
        ({"routing_number": "02120002"}, "entries[0].routing_number"),
        ({"account_number": "12 34"}, "entries[0].account_number"),
        ({"account_number": "1" * 18}, "entries[0].account_number"),
        ({"amount_cents": 0}, "entries[0].amount_cents"),
        ({"amount_cents": 10**10}, "entries[0].amount_cents"),
        ({"individual_id": "X" * 16}, "individual_id"),
        ({"individual_name": "José Núñez"}, "individual_name"),
    ],
)
def test_writer_rejects_invalid_entries(overrides, field):
    with pytest.raises(BankFileError) as caught:
        nacha.write_ppd_debits([debit(**overrides)], originator=ORIGINATOR, created_at=CREATED)

    assert caught.value.field == field


def test_writer_needs_entries():
    with pytest.raises(BankFileError, match="at least one entry"):
        nacha.write_ppd_debits([], originator=ORIGINATOR, created_at=CREATED)


def _routing_numbers():
    return st.text("0123456789", min_size=8, max_size=8).map(
        lambda first: first + nacha.routing_check_digit(first)
    )


valid_entries = st.builds(
    nacha.DebitEntry,
    routing_number=_routing_numbers(),
    account_number=st.text("0123456789ABCDEFGHJK-", min_size=1, max_size=17).filter(str.strip),
    amount_cents=st.integers(min_value=1, max_value=9_999_999_999),
    individual_id=st.text("0123456789ABCDEFGHIJ-", max_size=15),
    individual_name=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefgh.'", min_size=1, max_size=30).filter(
        str.strip
    ),
    effective_date=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 1, 10)),
    savings=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(valid_entries, min_size=1, max_size=40))
def test_property_any_valid_entries_round_trip(entries):
    data = nacha.write_ppd_debits(entries, originator=ORIGINATOR, created_at=CREATED)

    ach = nacha.read(data)
    lines = data.decode().split("\n")[:-1]

    assert ach.errors == ()
    assert all(len(line) == 94 for line in lines)
    assert len(lines) % 10 == 0
    assert ach.control.block_count == len(lines) // 10
    assert ach.control.entry_addenda_count == len(entries)
    assert ach.control.total_debit_cents == ach.total_debit_cents == sum(e.amount_cents for e in entries)
    assert ach.control.total_credit_cents == 0
    expected_hash = sum(int(e.routing_number[:8]) for e in entries) % 10**10
    assert ach.control.entry_hash == ach.entry_hash == expected_hash
    assert sorted((e.routing_number, e.amount_cents) for e in ach.entries) == sorted(
        (e.routing_number, e.amount_cents) for e in entries
    )
    traces = [e.trace_number for e in ach.entries]
    assert len(set(traces)) == len(traces)
    assert all(t.startswith("23138010") for t in traces)


@pytest.mark.parametrize("digit", ["¹", "٣", "２"])
def test_a_unicode_digit_in_a_numeric_field_is_a_bank_file_error(digit):
    # '¹' passes str.isdigit() but int() refuses it; '٣' and '２' int() would read as numbers
    record = "6" + "22" + digit + "00000012" + " " * 80
    with pytest.raises(BankFileError, match="must be digits"):
        nacha._digits(record, 4, 12, 3, "receiving DFI")
