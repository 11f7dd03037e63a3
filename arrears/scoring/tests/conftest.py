from datetime import date

import pytest

TODAY = date(2026, 11, 30)


@pytest.fixture
def history(org, client_, system):
    """A year of synthetic history on 1,200 accounts of two clients (docs/scoring.md)."""
    from arrears.scoring.synthetic import history_generate
    from arrears.tenancy.services import client_create

    second = client_create(organization=org, code="store", name="Second Store", actor=system)
    return history_generate(
        clients=[client_, second], n_accounts=1200, days=364, today=TODAY, actor=system, seed=11
    )
