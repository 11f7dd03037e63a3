"""The batch gate: the same facts and decisions as ``compliance.decide`` one at a time, in a fixed
number of queries; and batch queueing."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from arrears.accounts.models import AccountDebtor
from arrears.attempts.models import ContactAttempt
from arrears.audit.models import AuditEvent
from arrears.compliance.gather import facts_bases
from arrears.compliance.models import Decision
from arrears.compliance.scenario import facts_to_json
from arrears.compliance.selectors import decision_facts, primary_debtor
from arrears.compliance.services import GateRequest, decide, decide_many, hold_place
from arrears.contact.batch import messages_queue_many
from arrears.contact.messaging import message_deliver
from arrears.contact.models import OutboundMessage
from arrears.contact.services import contact_attempt_record
from arrears.debtors.models import ContactPoint, Debtor
from arrears.debtors.services import consent_record

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(make_account, system, sms_consented):
    """Accounts whose debtors differ in every fact the gate reads."""
    accounts = [make_account(reference=f"V-{i}") for i in range(6)]
    debtors = [primary_debtor(a) for a in accounts]
    sms_consented(accounts[0])
    hold_place(kind="cease_communication", debtor=debtors[1], actor=system)
    hold_place(kind="dispute", account=accounts[2], actor=system, details={"written": True},
               effective_on=NOW.date() - timedelta(days=3))  # fmt: skip
    email = ContactPoint.objects.get(debtor=debtors[3], kind="email")
    consent_record(debtor=debtors[3], channel="email", kind="opt_out", granted=True, contact_point=email,
                   actor=system, at=NOW - timedelta(days=1))  # fmt: skip
    for hours in (30, 20, 10):
        contact_attempt_record(
            debtor=debtors[4], channel="call", direction="outbound", outcome="no_answer",
            accounts=[accounts[4]],
            target=ContactPoint.objects.get(debtor=debtors[4], kind="phone").value, actor=system,
            at=NOW - timedelta(hours=hours),
        )  # fmt: skip
    Debtor.objects.filter(pk=debtors[5].pk).update(
        timezone="America/Los_Angeles",
        inconvenient_times=[{"days": ["tue"], "start": "07:00", "end": "12:00"}],
    )
    return accounts


@pytest.mark.parametrize("channel", ["call", "sms", "email", "letter"])
def test_batch_facts_and_decisions_equal_one_at_a_time(varied, system, channel):
    kind = {"call": "phone", "sms": "phone", "email": "email", "letter": "address"}[channel]
    requests = []
    for account in varied:
        point = ContactPoint.objects.get(debtor=primary_debtor(account), kind=kind)
        requests.append(GateRequest(account=account, channel=channel, target=point))
    audited_before = AuditEvent.objects.filter(event="compliance.decided").count()

    batch = decide_many(requests=requests, at=NOW, actor=system)

    for request, result in zip(requests, batch, strict=True):
        facts, _, _ = decision_facts(
            account=request.account, channel=channel, target=request.target, purpose="collection", at=NOW
        )
        single = decide(account=request.account, channel=channel, target=request.target, at=NOW, actor=system)
        stored = Decision.objects.get(pk=result.decision_id)
        assert stored.facts == facts_to_json(facts, now=NOW)
        assert (stored.allowed, stored.reasons, stored.requirements) == (
            single.allowed, single.reasons, single.requirements,
        )  # fmt: skip
        assert stored.next_allowed_at == single.next_allowed_at
    assert {r.allowed for r in batch} == {True, False}
    audited = AuditEvent.objects.filter(event="compliance.decided").count() - audited_before
    assert audited == 2 * len(requests)  # the batch's and the single decisions


@pytest.fixture
def mixed(varied, make_account, system):
    """The varied accounts plus the harder cases: a debtor on two accounts (a right-party contact on the
    second in the history), and an account with a co-debtor under a debtor-wide hold."""
    shared = primary_debtor(varied[0])
    second = make_account(reference="V-shared", debtor=shared)
    contact_attempt_record(
        debtor=shared, channel="call", direction="outbound", outcome="right_party_contact",
        accounts=[second], target=ContactPoint.objects.get(debtor=shared, kind="phone").value,
        actor=system, at=NOW - timedelta(hours=2),
    )  # fmt: skip
    co_account = make_account(reference="V-co")
    co_debtor = primary_debtor(make_account(reference="V-co-own"))
    AccountDebtor.objects.create(
        organization_id=co_account.organization_id, account=co_account, debtor=co_debtor, role="co_debtor"
    )
    hold_place(kind="bankruptcy", debtor=co_debtor, actor=system)
    return [*varied, second, co_account]


def _requests(accounts, rng):
    """Every way a caller names whom to contact: a contact point, its text, a debtor, or nobody."""
    requests = []
    for account in accounts:
        for debtor in [link.debtor for link in AccountDebtor.objects.filter(account=account)]:
            for point in ContactPoint.objects.filter(debtor=debtor):
                channel = {"phone": rng.choice(["call", "sms", "voicemail"]), "email": "email"}.get(
                    point.kind, "letter"
                )
                target = rng.choice([point, point.value if point.kind != "address" else point.line1])
                requests.append(GateRequest(account=account, channel=channel, target=target))
            requests.append(GateRequest(account=account, channel="letter", debtor=debtor))
        requests.append(GateRequest(account=account, channel=rng.choice(["letter", "email", "sms"])))
    rng.shuffle(requests)
    return requests


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_mixed_batch_decides_each_contact_as_decide_does(mixed, system, seed):
    requests = _requests(mixed, random.Random(seed))

    batch = decide_many(requests=requests, at=NOW, actor=system)

    for request, result in zip(requests, batch, strict=True):
        single = decide(
            account=request.account, channel=request.channel, target=request.target, at=NOW, actor=system,
            debtor=request.debtor,
        )  # fmt: skip
        stored = Decision.objects.get(pk=result.decision_id)
        assert (stored.debtor_id, stored.target, stored.facts) == (
            single.debtor_id,
            single.target,
            single.facts,
        )
        assert (stored.allowed, stored.reasons, stored.requirements, stored.next_allowed_at) == (
            single.allowed, single.reasons, single.requirements, single.next_allowed_at,
        )  # fmt: skip
    assert {r.allowed for r in batch} == {True, False}


def test_facts_in_a_batch_are_the_facts_read_alone(mixed):
    requests = _requests(mixed, random.Random(7))

    together = facts_bases(requests=requests, at=NOW)

    for request, base in zip(requests, together, strict=True):
        alone = facts_bases(requests=[request], at=NOW)[0]
        assert (base.facts, base.debtor_id, base.point_opt_outs) == (
            alone.facts, alone.debtor_id, alone.point_opt_outs,
        )  # fmt: skip


def test_the_history_counts_a_right_party_contact_as_a_conversation(mixed, system):
    shared_account = mixed[-2]

    [result] = decide_many(
        requests=[GateRequest(account=shared_account, channel="call")], at=NOW, actor=system
    )

    history = Decision.objects.get(pk=result.decision_id).facts["history"]
    assert [h["outcome"] for h in history] == ["conversation"]


def test_a_debtor_wide_hold_on_a_co_debtor_blocks_contact_with_that_co_debtor_only(mixed, system):
    co_account = mixed[-1]
    primary, co = [link.debtor for link in AccountDebtor.objects.filter(account=co_account).order_by("id")]

    to_co, to_primary = decide_many(
        requests=[
            GateRequest(account=co_account, channel="letter", debtor=co),
            GateRequest(account=co_account, channel="letter", debtor=primary),
        ],
        at=NOW,
        actor=system,
    )

    assert [r["code"] for r in to_co.reasons] == ["BANKRUPTCY"]
    assert to_primary.allowed


def test_the_batch_gate_reads_in_a_fixed_number_of_queries(
    make_account, system, django_assert_max_num_queries
):
    few = [GateRequest(account=make_account(), channel="letter") for _ in range(2)]
    many = [GateRequest(account=make_account(), channel="letter") for _ in range(12)]
    decide_many(requests=few, at=NOW, actor=system)

    with django_assert_max_num_queries(20) as small:
        decide_many(requests=few, at=NOW, actor=system)
    with django_assert_max_num_queries(20) as large:
        decide_many(requests=many, at=NOW, actor=system)

    assert len(large.captured_queries) == len(small.captured_queries)


def test_queue_many_renders_queues_and_holds_in_one_pass(
    smtp_server, at_now, make_account, email_template, system
):
    accounts = [make_account(reference=f"Q-{i}") for i in range(4)]
    hold_place(kind="bankruptcy", debtor=primary_debtor(accounts[1]), actor=system)
    ContactPoint.objects.filter(debtor=primary_debtor(accounts[3]), kind="email").update(status="invalid")

    summary = messages_queue_many(
        template=email_template, accounts=accounts, actor=system, at=NOW, release_when_allowed=True
    )

    assert (summary.queued, summary.held, summary.cancelled, summary.skipped) == (
        2,
        1,
        0,
        {"no_contact_point": 1},
    )
    held = OutboundMessage.objects.get(account=accounts[1])
    assert held.status == "blocked" and [r["code"] for r in held.held_reasons] == ["BANKRUPTCY"]
    assert ContactAttempt.objects.get(pk=held.attempt_id).outcome == "blocked"
    first = OutboundMessage.objects.get(account=accounts[0])
    assert first.subject == "Your account Q-0" and "$1,000.00" in first.body
    assert "/contact/unsubscribe/" in first.body
    for message in OutboundMessage.objects.filter(status="pending"):
        assert message_deliver(message_id=message.pk).status == "sent"
    assert sorted(m["To"] for m in smtp_server.messages) == ["jane1@example.com", "jane3@example.com"]
    assert AuditEvent.objects.filter(event="contact.message_queued").count() == 2
    assert AuditEvent.objects.filter(event="contact.message_held").count() == 1


def test_accounts_read_with_only_the_gates_columns_decide_alike_without_more_queries(
    varied, system, django_assert_max_num_queries
):
    from arrears.accounts.models import Account
    from arrears.compliance.gather import ACCOUNT_FIELDS

    ids = [a.pk for a in varied]
    full = list(Account.objects.filter(pk__in=ids).order_by("id"))
    lean = list(Account.objects.filter(pk__in=ids).order_by("id").only(*ACCOUNT_FIELDS))
    decide_many(requests=[GateRequest(account=a, channel="email") for a in full], at=NOW, actor=system)

    with django_assert_max_num_queries(20) as with_full:
        by_full = decide_many(
            requests=[GateRequest(account=a, channel="email") for a in full], at=NOW, actor=system
        )
    with django_assert_max_num_queries(20) as with_lean:
        by_lean = decide_many(
            requests=[GateRequest(account=a, channel="email") for a in lean], at=NOW, actor=system
        )

    assert len(with_lean.captured_queries) == len(with_full.captured_queries)
    assert [(r.allowed, r.reasons, r.next_allowed_at) for r in by_lean] == [
        (r.allowed, r.reasons, r.next_allowed_at) for r in by_full
    ]
    stored = Decision.objects.in_bulk([r.decision_id for r in by_full + by_lean])
    assert [stored[r.decision_id].facts for r in by_lean] == [stored[r.decision_id].facts for r in by_full]
