"""The debtors app's batch writers that other apps call: consents for many debtors, look-alike pairs."""

import pytest

from arrears.audit.models import AuditEvent
from arrears.core.errors import ArrearsError
from arrears.debtors.models import ConsentRecord, ContactPoint, MergeCandidate
from arrears.debtors.services import (
    ConsentSpec,
    MergeCandidateSpec,
    consents_record_many,
    merge_candidates_add_many,
)


def test_consents_are_recorded_with_one_audit_event_each(make_account, system):
    # given two debtors' phones
    debtors = [make_account().debtors.get() for _ in range(2)]
    phones = [ContactPoint.objects.get(debtor=d, kind="phone") for d in debtors]

    # when their SMS consents are recorded in one batch
    ids = consents_record_many(
        organization_id=system.organization_id,
        actor=system,
        consents=[
            ConsentSpec(
                debtor_id=p.debtor_id, contact_point_id=p.pk, channel="sms", kind="consent", granted=True
            )
            for p in phones
        ],
    )

    # then each is stored as consent_record stores one, and audited
    stored = ConsentRecord.objects.filter(pk__in=ids).order_by("pk")
    assert [(c.debtor_id, c.contact_point_id, c.granted) for c in stored] == [
        (p.debtor_id, p.pk, True) for p in phones
    ]
    events = AuditEvent.objects.filter(event="consent.consent.granted").order_by("pk")
    assert [(e.subject_id, e.data["contact_point"]) for e in events] == [
        (str(p.debtor_id), p.pk) for p in phones
    ]


def test_an_unknown_consent_kind_is_refused_and_nothing_is_stored(make_account, system):
    # given a debtor
    debtor = make_account().debtors.get()

    # when a batch names a kind of consent that does not exist
    with pytest.raises(ArrearsError) as exc:
        consents_record_many(
            organization_id=system.organization_id,
            actor=system,
            consents=[ConsentSpec(debtor_id=debtor.pk, channel="sms", kind="maybe", granted=True)],
        )

    # then the batch fails with the code, and nothing is stored
    assert "maybe" in exc.value.message
    assert not ConsentRecord.objects.exists()


def test_a_look_alike_pair_already_recorded_is_not_added_again(make_account, system):
    # given three debtors, one pair of them already a decided merge candidate
    a, b, c = (make_account().debtors.get() for _ in range(3))
    MergeCandidate.objects.create(
        organization_id=system.organization_id,
        debtor_a=a,
        debtor_b=b,
        score=80,
        reason="old",
        status="rejected",
    )

    # when an import finds that pair and a new one
    added = merge_candidates_add_many(
        organization_id=system.organization_id,
        candidates=[
            MergeCandidateSpec(debtor_a_id=a.pk, debtor_b_id=b.pk, score=90, reason="new", job_id=7),
            MergeCandidateSpec(debtor_a_id=a.pk, debtor_b_id=c.pk, score=85, reason="new", job_id=7),
        ],
    )

    # then only the new pair is added, open, and the decided one is left as it was
    assert added == 1
    rows = MergeCandidate.objects.order_by("pk").values_list("debtor_b_id", "status", "reason", "job_id")
    assert list(rows) == [(b.pk, "rejected", "old", None), (c.pk, "open", "new", 7)]
