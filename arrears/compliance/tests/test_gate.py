"""The gate's one path: ``decide`` is ``decide_many`` with a batch of one, overrides included."""

from datetime import UTC, datetime

import pytest

from arrears.audit.models import AuditEvent
from arrears.compliance.models import Decision
from arrears.compliance.services import GateRequest, decide, decide_many, hold_place
from arrears.core.errors import ArrearsError, PermissionDenied
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
SAME = ("allowed", "reasons", "requirements", "next_allowed_at", "facts", "debtor_id", "target", "purpose")


def test_one_decision_and_a_batch_of_one_store_the_same(make_account, system):
    account = make_account()
    hold_place(kind="cease_communication", account=account, actor=system, at=NOW)

    alone = decide(account=account, channel="email", at=NOW, actor=system)
    [batched] = decide_many(requests=[GateRequest(account=account, channel="email")], at=NOW, actor=system)

    stored = Decision.objects.get(pk=batched.decision_id)
    assert [getattr(alone, f) for f in SAME] == [getattr(stored, f) for f in SAME]
    assert Decision.objects.get(pk=alone.pk).codes == alone.codes == ["CEASE_COMMUNICATION"]


def test_a_batch_overrides_a_block_for_a_principal_allowed_to(make_account, org):
    held, free = make_account(), make_account()
    manager = Principal(organization_id=org.pk, role=Role.MANAGER, label="mgr")
    collector = Principal(organization_id=org.pk, role=Role.COLLECTOR, label="col")
    hold_place(kind="cease_communication", account=held, actor=manager, at=NOW)
    requests = [
        GateRequest(account=held, channel="letter", override_reason="court order"),
        GateRequest(account=free, channel="letter", override_reason="court order"),
    ]

    with pytest.raises(PermissionDenied):
        decide_many(requests=requests, at=NOW, actor=collector)
    blocked, allowed = decide_many(requests=requests, at=NOW, actor=manager)

    overridden = Decision.objects.in_bulk([blocked.decision_id, allowed.decision_id])
    assert overridden[blocked.decision_id].overridden and overridden[blocked.decision_id].proceeds
    assert not overridden[allowed.decision_id].overridden, "an allowed contact needs no override"
    events = AuditEvent.objects.filter(account_id=held.pk, event="compliance.overridden")
    assert [e.data["override_reason"] for e in events] == ["court order"]


def test_a_batch_refuses_an_unknown_channel_before_storing_anything(make_account, system):
    account = make_account()

    with pytest.raises(ArrearsError):
        decide_many(
            requests=[GateRequest(account=account, channel="letter"), GateRequest(account, "fax")],
            at=NOW,
            actor=system,
        )

    assert not Decision.objects.exists()
