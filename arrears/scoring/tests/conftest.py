from datetime import date

import pytest

TODAY = date(2026, 11, 30)


@pytest.fixture
def second_client(org, system):
    from arrears.tenancy.services import client_create

    return client_create(organization=org, code="store", name="Second Store", actor=system)


@pytest.fixture
def history(org, client_, second_client, system):
    """A year of synthetic history on 900 accounts of two clients (docs/scoring.md)."""
    from arrears.scoring.synthetic import history_generate

    return history_generate(
        clients=[client_, second_client], n_accounts=900, days=364, today=TODAY, actor=system, seed=11
    )
