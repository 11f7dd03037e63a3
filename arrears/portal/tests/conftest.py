"""The portal's tests send real mail to a local SMTP server (contact's fixture) and read the code from it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from arrears.contact.tests.conftest import smtp_server  # noqa: F401 - a fixture, used by name


@pytest.fixture
def debtor_account(make_account):
    """An account whose debtor has a date of birth, an email, a mobile and an address with ZIP 10001."""
    from arrears.debtors.models import Debtor

    account = make_account(reference="PORT-1", itemization_date=date(2026, 1, 1))
    debtor = account.debtors.get()
    Debtor.objects.filter(pk=debtor.pk).update(date_of_birth=date(1980, 5, 17))
    debtor.refresh_from_db()
    return account, debtor


def last_code(mailbox) -> str:
    body = mailbox.messages[-1].get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)
