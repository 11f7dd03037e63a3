"""The cash-flow forecast on a new book: no payment history, so no model (the thin-data heuristic), but
open balances, promises and a plan, which are money coming in (issue 17)."""

import json
from contextlib import redirect_stdout
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from arrears.scoring.features import forecast_items

NOW = "2026-12-07 15:00:00+00:00"  # a Monday afternoon in New York
TODAY = date(2026, 12, 7)
BOOK = (
    "account_ref,first_name,last_name,date_of_birth,email,phone,address_line1,city,state,postal_code,"
    "balance,principal,interest,interest_rate,notes\n"
    "NB-1,Ada,Lovelace,1980-01-02,ada@example.com,(212) 555-0142,12 Main St,New York,NY,10001,"
    "1200.50,1000,200.50,,\n"
    "NB-2,Grace,Hopper,1975-05-06,grace@example.com,(212) 555-0143,14 Main St,New York,NY,10001,"
    "500,500,,,\n"
    "NB-3,Alan,Turing,1970-07-08,alan@example.com,(212) 555-0144,16 Main St,New York,NY,10001,"
    "600,600,,,\n"
    "NB-4,Edsger,Dijkstra,1965-03-04,edsger@example.com,(212) 555-0145,18 Main St,New York,NY,10001,"
    "700,700,,,\n"
)


def _run(*args):
    """A command as the operator runs it; ``--json`` documents are written to the real stdout."""
    out = StringIO()
    with redirect_stdout(out):
        call_command(*args, stderr=StringIO())
    return json.loads(out.getvalue())


@pytest.fixture
def new_book(org, client_, tmp_path):
    """Four accounts imported today, a promise, and a weekly plan: no payments, no calls, no model."""
    path = tmp_path / "book.csv"
    path.write_text(BOOK, encoding="utf-8")
    with time_machine.travel(NOW, tick=False):
        _run("import_files", "accounts", str(path), "--client", client_.code, "--org", org.slug, "--json")
        _run("promises", "create", "--account", "NB-1", "--amount", "100.00", "--due", "2026-12-10", "--json")
        _run("promises", "create", "--account", "NB-3", "--amount", "50.00", "--due", "2026-12-21", "--json")
        _run(
            "plans", "create", "--account", "NB-2", "--installments", "4", "--frequency", "weekly",
            "--first-due", "2026-12-09", "--json",
        )  # fmt: skip
    return org


@pytest.mark.django_db
def test_a_new_book_forecasts_its_balances_promises_and_plan(new_book):
    # when: the operator asks for the forecast on the day the book arrived
    with time_machine.travel(NOW, tick=False):
        doc = _run("forecast", "--weeks", "13", "--org", new_book.slug, "--json")

    # then: every week expects money, as Decimal strings in cents
    weeks = doc["weeks"]
    assert [w["week_start"] for w in weeks[:2]] == ["2026-12-07", "2026-12-14"]
    for w in weeks:
        low, expected, high = Decimal(w["low"]), Decimal(w["expected"]), Decimal(w["high"])
        assert expected > 0, w
        assert Decimal(0) <= low <= expected <= high
        assert expected == expected.quantize(Decimal("0.01"))
    # no more than the book owes comes in
    assert sum(Decimal(w["expected"]) for w in weeks) < Decimal("3000.50")


@pytest.mark.django_db
def test_the_forecast_sums_the_promises_and_plan_installments_by_week(new_book):
    # given the new book's promises (no promise history: the 0.5 prior) and plan (no installments due
    # yet: the 0.7 prior); NB-2's plan is 4 weekly installments of 125.00 from 9 December
    from arrears.scoring.selectors import forecast

    # when
    with time_machine.travel(NOW, tick=False):
        weeks = forecast(organization_id=new_book.pk, weeks=13, as_of=TODAY, start=TODAY)

    # then: each week holds what falls due in it, weighted by the kept-rate priors
    assert [w.promises for w in weeks[:3]] == [Decimal("50.00"), Decimal("0.00"), Decimal("25.00")]
    assert [w.plans for w in weeks[:5]] == [Decimal("87.50")] * 4 + [Decimal("0.00")]
    assert sum(w.promises for w in weeks) == Decimal("75.00")
    assert sum(w.plans for w in weeks) == Decimal("350.00")
    # and the rest of the balances adds to every week, more than promises and plans alone
    for w in weeks:
        assert w.expected > w.promises + w.plans
        assert all(isinstance(v, Decimal) for v in (w.expected, w.low, w.high, w.promises, w.plans))


@pytest.mark.django_db
def test_something_due_today_counts_only_while_it_is_open(new_book):
    # given a promise due today
    with time_machine.travel(NOW, tick=False):
        _run("promises", "create", "--account", "NB-4", "--amount", "70.00", "--due", "2026-12-07", "--json")

    # when
    promises, installments = forecast_items(
        organization_id=new_book.pk, as_of=TODAY, until=TODAY + timedelta(days=90), first=TODAY
    )

    # then: it is in the window, with the three others known today
    assert [(p.due_on, p.amount) for p in promises] == [
        (TODAY, Decimal("70.0000")),
        (date(2026, 12, 10), Decimal("100.0000")),
        (date(2026, 12, 21), Decimal("50.0000")),
    ]
    assert [i.amount for i in installments] == [Decimal("125.0000")] * 4


@pytest.mark.django_db
def test_a_stored_expected_value_is_rounded_in_its_accounts_currency(org, make_account):
    from arrears.core.clock import utcnow
    from arrears.scoring.models import AccountScore
    from arrears.scoring.services import accounts_score

    # given an account in yen and one in dollars, no model (the heuristic)
    yen = make_account(principal=Decimal("123457"), currency="JPY")
    usd = make_account(principal=Decimal("1234.57"))

    # when
    accounts_score(organization_id=org.pk, at=utcnow())

    # then: whole yen, and cents
    stored = dict(AccountScore.objects.values_list("account_id", "expected"))
    assert stored[yen.pk] > 0 and stored[yen.pk] == stored[yen.pk].quantize(Decimal(1))
    assert stored[usd.pk] > 0 and stored[usd.pk] == stored[usd.pk].quantize(Decimal("0.01"))
