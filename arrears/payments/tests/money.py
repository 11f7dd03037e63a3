"""Helpers for tests that move money through payments' services (payments' own, and the nightly run's)."""

from datetime import UTC, date, datetime

from arrears.core.money import Money
from arrears.ledger.choices import Bucket
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.payments import services

USD = "USD"


def usd(amount):
    return Money.of(amount, USD)


def at(day, hour=15):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def post(account, amount, system, key, day=date(2026, 12, 1), **kw):
    return services.payment_post(
        account=account,
        amount=usd(amount),
        method="ach",
        received_at=at(day),
        actor=system,
        idempotency_key=key,
        **kw,
    )


def balances(account):
    account.refresh_from_db()
    return {b: getattr(account, f"balance_{b}") for b in (*Bucket.values,)}


def assert_ledger_matches_cache(org):
    assert list(ledger_cache_mismatches(organization_id=org.pk)) == []
