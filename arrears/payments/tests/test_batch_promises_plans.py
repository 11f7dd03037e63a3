"""Promises and plans in batches (`promises_create_many`, `plans_create_many`): each row as the single
service writes it, audited the same, and nothing written when one row is refused."""

from datetime import date
from decimal import Decimal as D

import pytest

from arrears.accounts.choices import AccountStatus
from arrears.accounts.models import Account
from arrears.audit.models import AuditEvent
from arrears.audit.selectors import audit_chain_verify
from arrears.core.errors import ArrearsError, Conflict
from arrears.core.money import Money
from arrears.payments import services
from arrears.payments.errors import PlanError, PromiseError
from arrears.payments.models import Installment, PaymentPlan, Promise
from arrears.payments.services import PlanSpec, PlanTerms, PromiseSpec

TODAY = date(2026, 11, 23)
pytestmark = pytest.mark.django_db(transaction=True)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def _events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=kind).order_by("seq"))


def test_many_promises_are_written_audited_and_move_their_accounts(org, system, make_account):
    # given three accounts, one of them with two promises
    a, b, c = make_account(), make_account(), make_account()
    specs = [
        PromiseSpec(a.pk, usd("100.00"), date(2026, 12, 1), made_on=TODAY, channel="call"),
        PromiseSpec(b.pk, usd("50.00"), date(2026, 12, 5), grace_days=2, made_on=TODAY),
        PromiseSpec(a.pk, usd("25.00"), date(2026, 12, 20), made_on=TODAY),
        PromiseSpec(c.pk, usd("10.00"), date(2026, 11, 30), made_on=date(2026, 11, 20)),
    ]

    # when
    created = services.promises_create_many(promises=specs, actor=system)

    # then: one promise per spec, in order, each audited with what the single service records
    assert [(p.account_id, p.amount, p.due_on) for p in created] == [
        (a.pk, D("100.00"), date(2026, 12, 1)),
        (b.pk, D("50.00"), date(2026, 12, 5)),
        (a.pk, D("25.00"), date(2026, 12, 20)),
        (c.pk, D("10.00"), date(2026, 11, 30)),
    ]
    assert Promise.objects.filter(organization=org).count() == 4
    events = _events("promise.created")
    assert [e.subject_id for e in events] == [str(p.pk) for p in created]
    assert events[1].data == {
        "amount": "50.00",
        "currency": "USD",
        "due_on": "2026-12-05",
        "grace_days": 2,
        "channel": "",
    }
    # each account moved to promised once, with the reason naming its first promise
    moves = _events("account.status_changed")
    assert sorted((e.account_id, e.data["to"], e.data["reason"]) for e in moves[-3:]) == sorted(
        [
            (a.pk, AccountStatus.PROMISED, f"promise {created[0].pk}"),
            (b.pk, AccountStatus.PROMISED, f"promise {created[1].pk}"),
            (c.pk, AccountStatus.PROMISED, f"promise {created[3].pk}"),
        ]
    )
    assert set(Account.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("status", flat=True)) == {
        AccountStatus.PROMISED
    }
    assert audit_chain_verify(organization_id=org.pk).ok


def test_one_bad_promise_refuses_the_whole_batch(org, system, make_account):
    a, b = make_account(), make_account()
    specs = [
        PromiseSpec(a.pk, usd("100.00"), date(2026, 12, 1), made_on=TODAY),
        PromiseSpec(b.pk, usd("50.00"), date(2026, 11, 1), made_on=TODAY),  # due before it is made
    ]

    with pytest.raises(ArrearsError) as exc:
        services.promises_create_many(promises=specs, actor=system)

    assert exc.value.code == PromiseError.INVALID
    assert not Promise.objects.exists()
    assert not _events("promise.created")
    assert Account.objects.get(pk=a.pk).status == AccountStatus.NEW


def test_many_plans_are_written_with_their_schedules_and_audited(org, system, make_account):
    # given
    a = make_account(principal=D("1000.00"), fees=D("50.00"), interest=D("25.00"))
    b = make_account(principal=D("600.00"))
    monthly = PlanTerms(frequency="monthly", first_due=date(2026, 12, 1), installments=6)
    weekly = PlanTerms(frequency="weekly", first_due=date(2026, 11, 25), installments=4)

    # when
    plans = services.plans_create_many(
        plans=[PlanSpec(a.pk, monthly), PlanSpec(b.pk, weekly, total=usd("400.00"))],
        actor=system,
        today=TODAY,
    )

    # then: the same schedule and confirmation as `plan_create` gives
    first = PaymentPlan.objects.get(pk=plans[0].pk)
    installments = list(first.installments.order_by("seq"))
    assert [i.amount for i in installments] == [D("179.16")] * 5 + [D("179.20")]
    assert first.total == D("1075.00") and first.confirmation_due_on == date(2026, 11, 28)
    assert "1,075.00 USD in 6 installments" in first.confirmation_text
    assert (
        list(Installment.objects.filter(plan_id=plans[1].pk).values_list("amount", flat=True))
        == [D("100.00")] * 4
    )
    events = _events("plan.created")
    assert [e.subject_id for e in events] == [str(p.pk) for p in plans]
    assert events[1].data["installments"][0] == ["2026-11-25", "100.00"]
    assert set(Account.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        AccountStatus.ON_PLAN
    }
    assert audit_chain_verify(organization_id=org.pk).ok

    # when a second plan is asked for on one of them, with a new account beside it
    c = make_account()
    with pytest.raises(Conflict) as exc:
        services.plans_create_many(
            plans=[PlanSpec(c.pk, monthly), PlanSpec(a.pk, monthly)], actor=system, today=TODAY
        )

    # then: refused, and nothing of the batch is written
    assert exc.value.code == PlanError.ACTIVE_PLAN_EXISTS
    assert not PaymentPlan.objects.filter(account_id=c.pk).exists()


def test_many_accounts_promises_are_kept_or_broken_in_one_evaluation(org, system, make_account):
    from arrears.payments.choices import PromiseStatus
    from arrears.payments.tests.money import post

    # given a promise kept by a payment, one broken, and one still open on a third account
    a, b, c = make_account(), make_account(), make_account()
    kept, broken, open_ = services.promises_create_many(
        promises=[
            PromiseSpec(a.pk, usd("50.00"), date(2026, 12, 5), made_on=date(2026, 12, 1)),
            PromiseSpec(b.pk, usd("80.00"), date(2026, 12, 3), made_on=date(2026, 12, 1)),
            PromiseSpec(c.pk, usd("20.00"), date(2026, 12, 20), made_on=date(2026, 12, 1)),
        ],
        actor=system,
    )
    post(a, "50.00", system, "kept-1", day=date(2026, 12, 4))

    # when
    changed = services.promises_evaluate_many(
        account_ids=[c.pk, a.pk, b.pk], today=date(2026, 12, 10), actor=system
    )

    # then: each promise as `promises_evaluate` would leave it, audited, and the accounts follow
    assert changed == 2
    statuses = dict(Promise.objects.values_list("pk", "status"))
    assert statuses == {
        kept.pk: PromiseStatus.KEPT,
        broken.pk: PromiseStatus.BROKEN,
        open_.pk: PromiseStatus.PENDING,
    }
    assert [
        (e.event, e.subject_id)
        for e in AuditEvent.objects.filter(event__in=["promise.kept", "promise.broken"]).order_by("seq")
    ] == [
        ("promise.kept", str(kept.pk)),
        ("promise.broken", str(broken.pk)),
    ]
    status = dict(Account.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "status"))
    assert status == {a.pk: AccountStatus.ACTIVE, b.pk: AccountStatus.ACTIVE, c.pk: AccountStatus.PROMISED}
    assert audit_chain_verify(organization_id=org.pk).ok
    # and a second run changes nothing
    assert (
        services.promises_evaluate_many(
            account_ids=[a.pk, b.pk, c.pk], today=date(2026, 12, 10), actor=system
        )
        == 0
    )
