"""payments.selectors.plans_current: the plan in force that messages tell the debtor about."""

from datetime import date
from decimal import Decimal as D

from arrears.payments.choices import InstallmentStatus, PlanStatus
from arrears.payments.domain import FeePolicy
from arrears.payments.models import Installment, PaymentPlan
from arrears.payments.selectors import plans_current
from arrears.payments.services import PlanTerms, plan_create

TERMS = PlanTerms(
    frequency="monthly",
    first_due=date(2026, 12, 1),
    installments=4,
    grace_days=3,
    broken_after=2,
    late_fee=FeePolicy("flat", D("0")),
)


def test_the_plan_in_force_and_its_next_installment(make_account, system, django_assert_num_queries):
    # given: a plan whose first installment is paid, one broken plan, and an account without a plan
    paying, broken, without = make_account(), make_account(), make_account()
    plan = plan_create(account=paying, terms=TERMS, actor=system, today=date(2026, 11, 23))
    Installment.objects.filter(plan=plan, seq=1).update(status=InstallmentStatus.PAID)
    old = plan_create(account=broken, terms=TERMS, actor=system, today=date(2026, 11, 23))
    PaymentPlan.objects.filter(pk=old.pk).update(status=PlanStatus.BROKEN)
    second = Installment.objects.get(plan=plan, seq=2)

    # when
    with django_assert_num_queries(2):
        found = plans_current(account_ids=[paying.pk, broken.pk, without.pk])

    # then
    assert list(found) == [paying.pk]
    current = found[paying.pk]
    assert (current.plan_id, current.total, current.currency) == (plan.pk, plan.total, "USD")
    assert (current.next_amount, current.next_due_on) == (second.amount, second.due_on)


def test_a_delinquent_plan_is_still_in_force(make_account, system):
    account = make_account()
    plan = plan_create(account=account, terms=TERMS, actor=system, today=date(2026, 11, 23))
    PaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DELINQUENT)

    found = plans_current(account_ids=[account.pk])

    assert found[account.pk].plan_id == plan.pk
