"""Metro 2: the layout round-trips, the validator reports every error, the real samples are read, and
the passive-collection rule (Reg F 1006.30(a)) holds on its 14th and 15th days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.reports.domain import furnishing, metro2

SAMPLES = Path("/work/shared/samples/metro2")
AS_OF = date(2026, 11, 30)


def _account(**overrides) -> furnishing.Furnishable:
    values = {
        "reference": "ACC-1",
        "status": "active",
        "placed_on": date(2026, 3, 1),
        "amount_placed": Decimal("1234.56"),
        "balance": Decimal("1000.49"),
        "delinquent_since": date(2025, 10, 15),
        "charged_off_on": None,
        "last_payment_on": None,
        "last_payment_amount": None,
        "paid_off_on": None,
        "original_creditor": "FIRST BANK",
        "debt_buyer": False,
        "dispute": None,
        "was_furnished": False,
        "fraud": False,
        "first_name": "Ada",
        "middle_name": "",
        "last_name": "Lovelace",
        "ssn": "123456789",
        "date_of_birth": date(1980, 5, 17),
        "phone": "2125550100",
        "address": {
            "line1": "1 Main St",
            "line2": "",
            "city": "Albany",
            "state": "NY",
            "postal_code": "12207",
        },
    }
    return furnishing.Furnishable(**(values | overrides))


def _file(*accounts: furnishing.Furnishable) -> bytes:
    records = [
        furnishing.record(
            a,
            status=furnishing.account_status_code(a) or "93",
            as_of=AS_OF,
            identification_number="FURN1",
            time_stamp="12012026010203",
        )
        for a in accounts
    ]
    header = metro2.header_record(
        {"activity_date": metro2.mmddyyyy(AS_OF), "reporter_name": "AGENCY", "date_created": "12012026"}
    )
    parsed = [metro2.parse_record(i + 2, r) for i, r in enumerate(records)]
    trailer = metro2.trailer_record(metro2.trailer_totals(parsed))
    return metro2.file_text([header, *records, trailer]).encode("latin-1")


def test_a_collection_file_round_trips_through_the_validator_without_errors():
    # given
    data = _file(
        _account(),
        _account(
            reference="ACC-2",
            status="paid",
            balance=Decimal(0),
            paid_off_on=date(2026, 11, 2),
            last_payment_on=date(2026, 11, 2),
            last_payment_amount=Decimal(500),
        ),
        _account(reference="ACC-3", dispute="open"),
        _account(reference="ACC-4", dispute="resolved"),
        _account(reference="ACC-5", status="recalled", was_furnished=True),
        _account(reference="ACC-6", fraud=True, was_furnished=True),
    )

    # when
    count, errors = metro2.validate(data)
    records, _ = metro2.parse(data)

    # then
    assert (count, errors) == (6, [])
    bases = [r for r in records if r.kind == "base"]
    assert [r.fields["account_status"] for r in bases] == ["93", "62", "93", "93", "DA", "DF"]
    assert [r.fields["compliance_condition_code"] for r in bases] == ["  ", "  ", "XB", "XH", "  ", "  "]
    first = bases[0]
    assert len(first.raw) == 426 + 34 and first.fields["record_descriptor_word"] == "0460"
    assert (first.fields["portfolio_type"], first.fields["account_type"]) == ("O", "48")
    # the original creditor's date of first delinquency, not the placement date
    assert first.fields["date_of_first_delinquency"] == "10152025"
    assert first.fields["date_opened"] == "03012026"
    assert first.fields["current_balance"] == "000001000"
    assert first.segments[0]["original_creditor_name"].strip() == "FIRST BANK"
    trailer = records[-1].fields
    assert (trailer["total_base_records"], trailer["total_status_93"], trailer["total_status_62"]) == (
        "000000006",
        "000000003",
        "000000001",
    )
    assert (trailer["total_status_da"], trailer["reserved_21"], trailer["total_k1_segments"]) == (
        "000000001",
        "000000001",
        "000000006",
    )


def test_the_validator_reports_every_error_not_just_the_first():
    # given: one record broken in three independent ways, and a wrong trailer count
    good = _file(_account()).decode("latin-1").split("\n")
    base = list(good[1])
    base[123:125] = "62"  # status 62 with a balance
    base[189:197] = "00000000"  # no date of first delinquency... allowed for 62? still delinquent status
    base[413:415] = "ZZ"  # not a state
    base[297:306] = "666123456"  # invalid SSN area
    good[1] = "".join(base)
    good[2] = good[2][:11] + "000000009" + good[2][20:]
    data = "\n".join(good).encode("latin-1")

    # when
    count, errors = metro2.validate(data)

    # then
    fields = {e.field for e in errors}
    assert count == 1
    assert {
        "current_balance",
        "date_of_first_delinquency",
        "state",
        "social_security_number",
        "date_closed",
        "total_base_records",
    } <= fields
    assert all(e.record in (2, 3) for e in errors)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*")) if SAMPLES.exists() else [])
def test_the_real_samples_are_read(name):
    # when
    count, errors = metro2.validate((SAMPLES / name).read_bytes())

    # then: every sample is read to its end; their errors are real (masked names, SSNs, lengths)
    expected = {
        "cfpb_jan-2018.txt": 2,
        "cfpb_m2_file_small.txt": 3,
        "cfpb_m2_2k_lines_deidentified.TXT.zip": 1998,
        "moov_unpacked_fixed_file.dat": 1,
        "moov_unpacked_variable_file.dat": 1,
        "moov_packed_file.dat": 0,
    }
    assert count == expected[name]
    if name == "moov_packed_file.dat":
        assert [e.field for e in errors] == ["record_descriptor_word"]
    if name == "cfpb_m2_2k_lines_deidentified.TXT.zip":
        # de-identified: names are zeroed in every record, so each one is reported
        assert sum(e.field == "surname" for e in errors) == 1998


SENT = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("days_after", "allowed"),
    [
        pytest.param(0, False, id="1006.30(a)(1)(ii)-day-sent"),
        pytest.param(14, False, id="1006.30(a)(1)(ii)-14th-day-still-waiting"),
        pytest.param(15, True, id="1006.30(a)(1)(ii)-15th-day-may-furnish"),
    ],
)
def test_passive_collection_waits_14_days_after_a_message(days_after, allowed):
    assert (
        furnishing.passive_collection_allows(
            as_of=SENT + timedelta(days=days_after), spoke_on=None, messages=[(SENT, False)]
        )
        is allowed
    )


def test_passive_collection_ignores_an_undeliverable_message_and_allows_after_speaking():
    later = SENT + timedelta(days=30)
    assert not furnishing.passive_collection_allows(as_of=later, spoke_on=None, messages=[(SENT, True)])
    assert not furnishing.passive_collection_allows(as_of=later, spoke_on=None, messages=[])
    assert furnishing.passive_collection_allows(as_of=SENT, spoke_on=SENT, messages=[])  # 1006.30(a)(1)(i)
    assert not furnishing.passive_collection_allows(
        as_of=SENT, spoke_on=SENT + timedelta(days=1), messages=[]
    )
