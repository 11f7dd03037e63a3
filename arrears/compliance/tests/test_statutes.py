"""The statute-of-limitations table, and zones inferred from addresses and phones."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.compliance.domain import (
    LIMITATION_KINDS,
    Limitation,
    accrual_date,
    add_years,
    limitation_expires_on,
)
from arrears.compliance.statutes import STATES, limitation_for, limitation_rows, limitation_table_version
from arrears.compliance.zones import address_zones
from arrears.debtors.domain import phone_zones


def test_table_covers_every_state_and_dc_for_every_kind_with_a_citation():
    rows = limitation_rows()

    assert len(STATES) == 51
    assert {(r.state, r.kind) for r in rows} == {(s, k) for s in STATES for k in LIMITATION_KINDS}
    assert all(r.citation.strip() and 1 <= r.years <= 20 for r in rows)
    assert limitation_table_version()


@pytest.mark.parametrize(
    ("state", "kind", "years", "citation"),
    [
        pytest.param("NY", "open_account", 3, "N.Y. C.P.L.R. 214-i", id="NY-CPLR-214-i-consumer-credit"),
        pytest.param("CA", "written_contract", 4, "Cal. Civ. Proc. Code 337(a)", id="CA-CCP-337"),
        pytest.param("CA", "oral", 2, "Cal. Civ. Proc. Code 339", id="CA-CCP-339"),
        pytest.param("TX", "open_account", 4, "Tex. Civ. Prac. & Rem. Code 16.004(c)", id="TX-16.004"),
        pytest.param("DC", "promissory_note", 3, "D.C. Code 12-301(7)", id="DC-12-301"),
    ],
)
def test_known_rows(state, kind, years, citation):
    row = limitation_for(state=state, kind=kind)

    assert row == Limitation(state=state, kind=kind, years=years, citation=citation)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        limitation_for(state="NY", kind="mortgage")


def test_expiry_runs_from_the_later_of_default_and_last_payment():
    ny = Limitation("NY", "open_account", 3, "N.Y. C.P.L.R. 214-i")

    default_only = accrual_date(
        delinquent_since=date(2022, 1, 15), last_payment_on=None, charged_off_on=None, due_on=None
    )
    paid_later = accrual_date(
        delinquent_since=date(2022, 1, 15), last_payment_on=date(2023, 5, 1), charged_off_on=None, due_on=None
    )

    assert limitation_expires_on(accrued_on=default_only, limitation=ny) == date(2025, 1, 15)
    assert limitation_expires_on(accrued_on=paid_later, limitation=ny) == date(2026, 5, 1)
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("state", "postal_code", "zones"),
    [
        pytest.param("NY", "10001", ("America/New_York",), id="single-zone-state"),
        pytest.param("TX", "79901", ("America/Denver",), id="el-paso-mountain"),
        pytest.param("TX", "77002", ("America/Chicago",), id="houston-central"),
        pytest.param("TX", "", ("America/Chicago", "America/Denver"), id="split-state-without-zip"),
        pytest.param("FL", "32501", ("America/Chicago",), id="pensacola-central"),
        pytest.param("TN", "37902", ("America/New_York",), id="knoxville-eastern"),
        pytest.param("TN", "37203", ("America/Chicago",), id="nashville-central"),
        pytest.param("AZ", "85001", ("America/Phoenix",), id="phoenix-no-dst"),
        pytest.param("AK", "99547", ("America/Adak",), id="atka-aleutian"),
        pytest.param("NY", "79901", ("America/New_York",), id="zip-disagreeing-with-state-ignored"),
    ],
)
def test_address_zones(state, postal_code, zones):
    assert address_zones(country="US", state=state, postal_code=postal_code) == zones


def test_phone_zones_from_area_code_and_not_from_toll_free():
    assert phone_zones("+12125550142") == ("America/New_York",)
    assert phone_zones("+13105550142") == ("America/Los_Angeles",)
    assert phone_zones("+18005550142") == ()


def test_a_consumers_zones_are_kept_on_the_consumer_not_in_a_module_cache():
    """A long-running worker decides for millions of consumers: no cache keyed by one may grow without
    end (an unbounded one held every consumer of the benchmark's 220,000 decisions). The zones are
    worked out once per consumer, kept with it, and do not change its equality or hash."""
    from arrears.compliance.facts import Address, Consumer
    from arrears.compliance.zones import candidate_zones

    assert not hasattr(candidate_zones, "cache_info")
    consumer = Consumer(addresses=(Address("US", "NY", "10001"),))
    twin = Consumer(addresses=(Address("US", "NY", "10001"),))
    first = candidate_zones(consumer)
    assert first == (("America/New_York",), True)
    assert candidate_zones(consumer) is first
    assert consumer == twin and hash(consumer) == hash(twin)
    assert candidate_zones(twin) == first
