import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.tenancy.models import Client, Organization


@pytest.mark.django_db
def test_org_and_client_create(capsys):
    call_command(
        "org",
        "create",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--kind",
        "business",
        "--currency",
        "EUR",
        "--country",
        "DE",
        "--timezone",
        "Europe/Berlin",
        "--json",
    )
    org = json.loads(capsys.readouterr().out)
    call_command("client", "create", "--code", "c1", "--name", "Client One")

    assert org["collection_mode"] == "first_party"
    assert Organization.objects.get(slug="acme").currency == "EUR"
    # A business collects for itself: its own client exists, plus the one created.
    assert set(Client.objects.values_list("code", flat=True)) == {"self", "c1"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--currency", "usd"], "not an ISO 4217 currency code"),
        (["--currency", "XYZ"], "not an ISO 4217 currency code: 'XYZ'"),
        (["--currency", "XAU"], "not an ISO 4217 currency code: 'XAU'"),
        (["--currency", "XTS"], "not an ISO 4217 currency code: 'XTS'"),
        (["--timezone", "Mars/Olympus"], "unknown time zone"),
        (["--country", "USA"], "not an ISO 3166"),
    ],
)
def test_org_create_refuses_bad_input_with_exit_2(args, message):
    with pytest.raises(CommandError) as err:
        call_command("org", "create", "--slug", "x", "--name", "X", "--kind", "agency", *args)

    assert message in str(err.value)
    assert err.value.returncode == 2
    assert not Organization.objects.filter(slug="x").exists()


@pytest.mark.django_db
def test_client_create_needs_org_when_ambiguous(org, other_org):
    with pytest.raises(CommandError, match="ORG_AMBIGUOUS"):
        call_command("client", "create", "--code", "c", "--name", "C")
