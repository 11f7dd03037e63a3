from collections import Counter
from datetime import date

import pytest
from django.db.models import Count

from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.accounts.domain import aging_bucket
from arrears.accounts.models import Account, AccountDebtor
from arrears.audit.selectors import audit_chain_verify
from arrears.demo.seed import seed_demo
from arrears.ledger.models import LedgerEntry
from arrears.ledger.selectors import ledger_cache_mismatches

TODAY = date(2026, 11, 23)
SYNTHETIC_CLIENT = "synthetic-history"


@pytest.mark.django_db
def test_the_demo_portfolio_is_realistic_and_consistent():
    org = seed_demo(accounts=220, today=TODAY)

    # The scoring demo's synthetic history has a client of its own (arrears/demo/scoring.py).
    accounts = list(Account.objects.filter(organization=org).exclude(client__code=SYNTHETIC_CLIENT))
    statuses = Counter(a.status for a in accounts)
    buckets = {aging_bucket(a.delinquent_since, TODAY) for a in accounts}
    states = set(Account.objects.filter(organization=org).values_list("jurisdiction_state", flat=True))
    shared = AccountDebtor.objects.values("debtor").annotate(n=Count("account")).filter(n__gt=1)
    assert len(accounts) == 220
    assert set(statuses) == set(AccountStatus.values)
    assert buckets == set(AgingBucket)
    assert len(states) >= 8
    assert shared.exists()
    assert LedgerEntry.objects.filter(organization=org, kind="reversal").exists()
    assert LedgerEntry.objects.filter(organization=org, kind="interest", memo="monthly interest").exists()
    assert not list(ledger_cache_mismatches(organization_id=org.pk))
    # Phones carry their time zones, as after an import's follow-up task.
    from arrears.debtors.models import ContactPoint

    zones = ContactPoint.objects.filter(organization=org, kind="phone").values_list("time_zones", flat=True)
    assert zones and None not in set(zones)
    # Collectors' work is there too: calls decided by the gate, promises, plans, holds and notes.
    from arrears.accounts.models import AccountNote
    from arrears.attempts.models import ContactAttempt
    from arrears.compliance.models import Hold
    from arrears.payments.models import PaymentPlan, Promise

    calls = ContactAttempt.objects.filter(organization=org, channel="call").exclude(
        accounts__client__code=SYNTHETIC_CLIENT
    )
    assert calls.exists() and not calls.filter(decision__isnull=True).exists()
    assert Promise.objects.filter(organization=org).exists()
    assert PaymentPlan.objects.filter(organization=org).exists()
    hold_kinds = set(Hold.objects.filter(organization=org).values_list("kind", flat=True))
    assert hold_kinds == {"dispute", "bankruptcy"}
    assert AccountNote.objects.filter(organization=org).exists()
    assert audit_chain_verify(organization_id=org.pk).ok


@pytest.mark.django_db
def test_the_demo_is_deterministic():
    def portfolio(org):
        accounts = Account.objects.filter(organization=org)
        return (
            sorted((a.reference, a.status, a.balance_principal, a.balance_interest) for a in accounts),
            sorted(AccountDebtor.objects.filter(organization=org).values_list("debtor__name_key", flat=True)),
        )

    first = seed_demo(accounts=40, today=TODAY)
    second = seed_demo(accounts=40, today=TODAY, slug="demo-again", logins=False)

    assert portfolio(first) == portfolio(second)
