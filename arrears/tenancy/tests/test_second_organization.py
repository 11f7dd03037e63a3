"""A second organization (the demo beside one's own) does not break a command that worked with one: what
the command names (a client, an account) picks the organization; only a true ambiguity asks for --org."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from arrears.core.errors import ArrearsError
from arrears.tenancy.selectors import organization_resolve

pytestmark = pytest.mark.django_db


def test_the_client_or_the_account_named_picks_the_organization(org, other_org, client_):
    assert organization_resolve(slug=None, client_code="bank") == org
    assert organization_resolve(slug=None, among=[other_org.pk]) == other_org
    with pytest.raises(ArrearsError) as nothing_named:
        organization_resolve(slug=None)
    with pytest.raises(ArrearsError):
        organization_resolve(slug=None, client_code="no-such-client")

    assert nothing_named.value.code == "ORG_AMBIGUOUS"
    assert "acme" in nothing_named.value.message and "other" in nothing_named.value.message


def test_payments_post_without_org_works_when_a_second_organization_exists(
    org, other_org, make_account, capsys
):
    # given: the account lives in `org` only, and `other_org` exists too
    make_account(reference="ONLY-1", principal=Decimal("100.00"))

    # when
    call_command(
        "payments", "post", "--account", "ONLY-1", "--amount", "10.00", "--method", "cash",
        "--idempotency-key", "k-1", "--json", stderr=StringIO(),
    )  # fmt: skip

    # then
    assert json.loads(capsys.readouterr().out)["amount"] == "10.00"
