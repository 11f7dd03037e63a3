"""The CLI contract: `arrears payments|promises|plans … --json`."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.payments.models import Payment

D = Decimal


@pytest.fixture
def run(capsys):
    """Run a command; `--json` output goes to the process's stdout (DESIGN: CLI contract)."""

    def run(*args):
        capsys.readouterr()
        call_command(*args, stderr=StringIO())
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def account(make_account):
    return make_account(reference="REF-1", principal=D("1000.00"), fees=D("50.00"))


def test_payments_post_prints_the_allocation_and_a_retry_prints_the_same_payment(run, account):
    # given
    args = [
        "payments",
        "post",
        "--account",
        "REF-1",
        "--amount",
        "125.00",
        "--currency",
        "USD",
        "--method",
        "ach",
        "--received-at",
        "2026-12-01T15:00:00Z",
        "--idempotency-key",
        "K-1",
        "--json",
    ]

    # when
    first = run(*args)
    again = run(*args)

    # then
    assert first == again
    assert Payment.objects.count() == 1
    assert first["amount"] == "125.00" and first["currency"] == "USD" and first["status"] == "posted"
    assert first["allocation"] == {
        "principal": "75.00",
        "interest": "0.00",
        "fees": "50.00",
        "costs": "0.00",
        "credit": "0.00",
    }
    assert first["received_at"] == "2026-12-01T15:00:00Z" and first["idempotency_key"] == "K-1"


def test_payments_reverse(run, account):
    # given
    posted = run(
        "payments",
        "post",
        "--account",
        "REF-1",
        "--amount",
        "60.00",
        "--method",
        "check",
        "--idempotency-key",
        "K-2",
        "--json",
    )

    # when
    reversed_ = run("payments", "reverse", str(posted["id"]), "--reason", "nsf", "--fee", "25.00", "--json")

    # then
    assert reversed_["status"] == "reversed" and reversed_["reversal_reason"] == "nsf"
    assert reversed_["allocation"] == posted["allocation"], (
        "the payment still shows what it had been applied to"
    )
    account.refresh_from_db()
    assert (account.balance_principal, account.balance_fees) == (D("1000.00"), D("75.00"))


def test_promises_create(run, account):
    promise = run(
        "promises", "create", "--account", "REF-1", "--amount", "50.00", "--due", "2099-12-05", "--json"
    )
    assert (
        promise["amount"] == "50.00" and promise["due_on"] == "2099-12-05" and promise["status"] == "pending"
    )


def test_plans_create(run, account):
    plan = run(
        "plans",
        "create",
        "--account",
        "REF-1",
        "--installments",
        "6",
        "--frequency",
        "monthly",
        "--first-due",
        "2099-12-01",
        "--json",
    )
    assert plan["total"] == "1050.00" and len(plan["installments"]) == 6
    assert sum(D(i["amount"]) for i in plan["installments"]) == D("1050.00")
    assert plan["installments"][1]["due_on"] == "2100-01-01"


@pytest.mark.parametrize(
    "args",
    [
        ["--amount", "12.345"],
        ["--amount", "abc"],
        ["--received-at", "2026-12-01T15:00:00"],
    ],
)
def test_bad_input_is_a_usage_error(account, args):
    base = {"--account": "REF-1", "--amount": "10.00", "--method": "ach", "--idempotency-key": "K"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError) as exc:
        call_command(
            "payments", "post", *[x for kv in base.items() for x in kv], stdout=StringIO(), stderr=StringIO()
        )
    assert exc.value.returncode == 2


def test_unknown_account_is_reported_with_its_code(capsys, account):
    with pytest.raises(CommandError) as exc:
        call_command(
            "payments",
            "post",
            "--account",
            "NOPE",
            "--amount",
            "1.00",
            "--method",
            "ach",
            "--idempotency-key",
            "K",
            "--json",
            stderr=StringIO(),
        )
    assert "ACCOUNT_NOT_FOUND" in str(exc.value)
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "ACCOUNT_NOT_FOUND"
