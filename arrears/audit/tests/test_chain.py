from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.audit.domain import GENESIS, ChainRow, event_hash, verify_chain
from arrears.audit.events import Event
from arrears.audit.models import AuditEvent
from arrears.audit.selectors import audit_chain_verify
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.audit.tests.tampering import raw_write


def test_a_fresh_chain_verifies(org, system):
    for i in range(5):
        audit_record(
            actor=system, event="account.note_added", subject_type="account", subject_id=i, data={"n": i}
        )

    report = audit_chain_verify(organization_id=org.pk)

    assert report.ok
    assert report.checked == AuditEvent.objects.filter(organization=org).count()


def test_a_batch_of_plain_and_other_data_verifies_and_stores_what_it_hashed(org, system):
    """``audit_record_many`` hashes plain data as it is and the rest after its JSON round trip (a
    Decimal, a date, a float, a tuple): each stored row verifies, whichever path it took."""
    from decimal import Decimal

    from arrears.audit.services import AuditSpec, audit_record_many

    payloads = [
        {"decision": 7, "codes": ["A", "B"], "allowed": True, "note": None},
        {"amount": Decimal("12.50"), "on": datetime(2026, 3, 10).date(), "rate": 0.25, "pair": (1, 2)},
        {"deep": {"list": [1, {"x": "tab\there"}]}, "big": 2**70},
        {},
    ]
    audit_record_many(
        actor=system,
        events=[
            AuditSpec(
                event="account.note_added", subject_type="account", subject_id=i, account_id=i, data=data
            )
            for i, data in enumerate(payloads)
        ],
    )

    report = audit_chain_verify(organization_id=org.pk)
    assert report.ok
    rows = list(AuditEvent.objects.filter(organization=org, event="account.note_added").order_by("seq"))
    assert [r.data for r in rows] == [
        payloads[0],
        {"amount": "12.50", "on": "2026-03-10", "rate": 0.25, "pair": [1, 2]},
        payloads[2],
        {},
    ]


def test_editing_a_row_in_the_database_is_detected(org, system):
    for i in range(5):
        audit_record(
            actor=system, event="account.note_added", subject_type="account", subject_id=i, data={"n": i}
        )
    target = AuditEvent.objects.filter(organization=org, event="account.note_added").order_by("seq")[2]

    raw_write(f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s", ['{"n": 999}', target.pk])

    report = audit_chain_verify(organization_id=org.pk)
    assert not report.ok
    assert report.first_break.seq == target.seq
    assert "edited" in report.first_break.reason


def test_deleting_a_row_is_detected(org, system):
    for i in range(4):
        audit_record(actor=system, event="account.note_added", subject_type="account", subject_id=i)
    target = AuditEvent.objects.filter(organization=org).order_by("seq")[1]

    raw_write(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [target.pk])

    report = audit_chain_verify(organization_id=org.pk)
    assert report.first_break.seq == target.seq + 1
    assert "gap" in report.first_break.reason


def test_each_organization_has_its_own_chain(org, other_org, system):
    audit_record(actor=system, event=Event.ACCOUNT_NOTE_ADDED, subject_type="t", subject_id=1)

    assert audit_chain_verify(organization_id=org.pk).ok
    assert audit_chain_verify(organization_id=other_org.pk).ok


@given(st.lists(st.dictionaries(st.text(max_size=5), st.integers()), min_size=1, max_size=8), st.data())
def test_any_single_change_breaks_verification(payloads, data):
    rows, prev = [], GENESIS
    at = datetime(2026, 1, 1).astimezone()
    for i, payload in enumerate(payloads, start=1):
        fields = {
            "organization_id": 1,
            "seq": i,
            "at": at + timedelta(seconds=i),
            "actor": "a",
            "actor_user_id": None,
            "event": "e",
            "subject_type": "s",
            "subject_id": str(i),
            "account_id": None,
            "data": payload,
        }
        digest = event_hash(**fields, prev_hash=prev)
        rows.append(ChainRow(seq=i, hash_fields=fields, prev_hash=prev, hash=digest))
        prev = digest
    assert verify_chain(rows)[1] is None
    victim = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    column = data.draw(st.sampled_from(["actor", "actor_user_id", "event", "subject_id", "data"]))

    tampered = dict(rows[victim].hash_fields, **{column: 666 if column == "actor_user_id" else "mallory"})
    rows[victim] = ChainRow(rows[victim].seq, tampered, rows[victim].prev_hash, rows[victim].hash)

    assert verify_chain(rows)[1].seq == victim + 1


def _reference(row):
    """The canonical form as the chain has always been hashed: the standard library's JSON."""
    import json

    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits: the standard library's path
    | st.floats(allow_nan=False)  # written differently by orjson: must take the standard library's path
    | st.text()
    | st.dates()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_json_values)
def test_canonical_form_is_byte_for_byte_the_standard_librarys(value):
    from arrears.audit.domain import canonical

    row = {"data": value, "seq": 1, "event": "x"}
    try:
        expected = _reference(row)
    except UnicodeEncodeError:  # a lone surrogate: neither path can hash it
        return
    assert canonical(row) == expected


def test_an_event_name_outside_the_enum_is_refused_and_nothing_is_written(org, system):
    # given a name nobody declared in arrears.audit.events
    before = AuditEvent.objects.filter(organization=org).count()

    # when a service tries to record it, alone or in a batch
    with pytest.raises(ValueError, match="not a valid Event"):
        audit_record(actor=system, event="account.renamed", subject_type="account", subject_id=1)
    with pytest.raises(ValueError, match="not a valid Event"):
        audit_record_many(actor=system, events=[AuditSpec(event="x", subject_type="t", subject_id=1)])

    # then the log is as it was
    assert AuditEvent.objects.filter(organization=org).count() == before
