"""A currency code from outside (a command-line option, a bank CSV) is checked against ISO 4217 before
anything is written."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.payments.models import BankLine, ExchangeRate, Payment

D = Decimal
NOT_CURRENCIES = [
    pytest.param("XYZ", id="three-letters-not-on-the-list"),
    pytest.param("XAU", id="gold-no-minor-units"),
    pytest.param("XTS", id="test-code"),
]


def usage_error(*args: str) -> CommandError:
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    assert exc.value.returncode == 2
    return exc.value


@pytest.fixture
def account(make_account):
    return make_account(reference="REF-1", principal=D("1000.00"))


@pytest.mark.parametrize("code", NOT_CURRENCIES)
def test_payments_post_refuses_a_currency_not_in_iso_4217(account, code):
    # given an account in USD

    # when a payment in a code that is no currency for money is posted
    err = usage_error(
        "payments", "post", "--account", "REF-1", "--amount", "10.00", "--currency", code,
        "--method", "ach", "--idempotency-key", "K-1",
    )  # fmt: skip

    # then a usage error names the option and the code, and nothing is written
    assert f"--currency: not an ISO 4217 code: '{code}'" in str(err)
    assert not Payment.objects.exists()


@pytest.mark.parametrize("code", NOT_CURRENCIES)
def test_payments_split_refuses_a_currency_not_in_iso_4217(make_account, code):
    # given two accounts
    make_account(reference="S-1", principal=D("100.00"))
    make_account(reference="S-2", principal=D("100.00"))

    # when a split payment names a code that is no currency for money
    err = usage_error(
        "payments", "split", "--accounts", "S-1,S-2", "--amount", "50.00", "--currency", code,
        "--rule", "proportional", "--method", "ach", "--idempotency-key", "K-2",
    )  # fmt: skip

    # then it is refused before anything is written
    assert f"--currency: not an ISO 4217 code: '{code}'" in str(err)
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("base", "quote", "option", "code"),
    [
        pytest.param("XYZ", "USD", "--base", "XYZ", id="base-not-on-the-list"),
        pytest.param("EUR", "XAU", "--quote", "XAU", id="quote-gold"),
        pytest.param("eur", "xyz", "--quote", "xyz", id="quote-lower-case-not-on-the-list"),
    ],
)
def test_payments_rate_refuses_a_currency_not_in_iso_4217(org, base, quote, option, code):
    err = usage_error(
        "payments", "rate", "--base", base, "--quote", quote, "--rate", "1.1", "--on", "2026-12-01",
        "--source", "ECB",
    )  # fmt: skip

    assert f"{option}: not an ISO 4217 code: '{code}'" in str(err)
    assert not ExchangeRate.objects.exists()


def test_payments_rate_reads_codes_in_any_case_as_before(org):
    call_command(
        "payments", "rate", "--base", "eur", "--quote", "USD", "--rate", "1.1", "--on", "2026-12-01",
        "--source", "ECB", stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip

    assert list(ExchangeRate.objects.values_list("base", "quote")) == [("EUR", "USD")]


@pytest.mark.parametrize("code", NOT_CURRENCIES)
def test_a_bank_csv_row_in_a_currency_not_in_iso_4217_is_refused_naming_line_and_column(org, tmp_path, code):
    # given a bank CSV whose second data row is in a code that is no currency for money
    (tmp_path / "bank.csv").write_text(
        f"Booked,Amount,Currency\n2026-11-20,10.00,USD\n2026-11-21,12.00,{code}\n", encoding="utf-8"
    )
    (tmp_path / "map.toml").write_text(
        'account = "US-FIRST-000123"\n[columns]\ndate = "Booked"\namount = "Amount"\ncurrency = "Currency"\n',
        encoding="utf-8",
    )

    # when it is imported
    err = usage_error(
        "reconcile", "import", str(tmp_path / "bank.csv"), "--format", "csv",
        "--mapping", str(tmp_path / "map.toml"),
    )  # fmt: skip

    # then the error names the line and the column, and no line of the file is written
    assert f"line 3, Currency: not a currency: '{code}'" in str(err)
    assert not BankLine.objects.exists()


def test_a_bank_csv_mapping_with_a_currency_not_in_iso_4217_is_refused(org, tmp_path):
    (tmp_path / "bank.csv").write_text("Booked,Amount\n2026-11-20,10.00\n", encoding="utf-8")
    (tmp_path / "map.toml").write_text(
        'account = "US-FIRST-000123"\ncurrency = "XYZ"\n[columns]\ndate = "Booked"\namount = "Amount"\n',
        encoding="utf-8",
    )

    err = usage_error(
        "reconcile", "import", str(tmp_path / "bank.csv"), "--format", "csv",
        "--mapping", str(tmp_path / "map.toml"),
    )  # fmt: skip

    assert "mapping.currency: give an ISO 4217 currency or a currency column" in str(err)
    assert not BankLine.objects.exists()
