"""Messages, letters and calls about an account go to its primary debtor, not to a co-debtor who lives in
another time zone, whatever order the debtors were linked in."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.accounts.tests.factories import shared_account
from arrears.contact.batch import messages_queue_many
from arrears.contact.calls import call_log, call_preview
from arrears.contact.letters import letter_batch_complete, letter_batch_create
from arrears.contact.messaging import message_queue
from arrears.contact.models import OrganizationBranding, OutboundMessage

from .conftest import NOW

pytestmark = pytest.mark.django_db
ORDERS = pytest.mark.parametrize(
    "co_debtor_first", [True, False], ids=["co-debtor-first", "co-debtor-second"]
)
# 21:30 where the primary debtor lives (New York); 18:30 where the co-debtor lives (San Francisco).
LATE_FOR_PRIMARY = datetime(2026, 3, 10, 21, 30, tzinfo=ZoneInfo("America/New_York"))
UNKNOWN_NUMBER = "(646) 555-0199"  # on no debtor's file


@pytest.fixture
def shared(client_):
    """Two accounts, each owed by a New York primary and a California co-debtor, linked in both orders."""
    return [shared_account(client=client_, co_debtor_first=first) for first in (True, False)]


def test_a_batch_of_emails_goes_to_the_primary_debtors(shared, email_template, system):
    summary = messages_queue_many(
        template=email_template, accounts=[s.account for s in shared], actor=system, at=NOW, enqueue=False
    )

    assert summary.queued == 2
    for s in shared:
        message = OutboundMessage.objects.get(account=s.account)
        assert message.debtor_id == s.primary.pk
        assert message.contact_point == s.primary.contact_points.get(kind="email")
        assert message.body.startswith("Dear Paula,")


def test_a_batch_at_night_for_the_primary_debtor_is_held(shared, sms_template, system):
    summary = messages_queue_many(
        template=sms_template,
        accounts=[s.account for s in shared],
        actor=system,
        at=LATE_FOR_PRIMARY,
        release_when_allowed=True,
        enqueue=False,
    )

    assert (summary.queued, summary.held) == (0, 2)
    for s in shared:
        message = OutboundMessage.objects.get(account=s.account)
        assert message.debtor_id == s.primary.pk
        assert "INCONVENIENT_TIME" in [r["code"] for r in message.held_reasons]


@ORDERS
def test_a_message_for_one_account_goes_to_the_primary_debtor(
    client_, email_template, system, co_debtor_first
):
    s = shared_account(client=client_, co_debtor_first=co_debtor_first)

    message = message_queue(template=email_template, account=s.account, actor=system)

    assert message.debtor_id == s.primary.pk
    assert message.contact_point == s.primary.contact_points.get(kind="email")


def test_letters_are_addressed_to_the_primary_debtor(org, shared, client_, at_now, letter_template, system):
    OrganizationBranding.objects.create(organization=org, return_address="PO Box 7\nTroy, NY 12180")
    single = shared_account(client=client_, co_debtor_first=True)
    messages_queue_many(template=letter_template, accounts=[s.account for s in shared], actor=system, at=NOW)
    message_queue(template=letter_template, account=single.account, actor=system)

    batch = letter_batch_create(organization=org, actor=system)
    batch = letter_batch_complete(batch_id=batch.pk, actor=system)

    rows = list(csv.DictReader(io.StringIO(batch.manifest.read().decode())))
    expected = {s.account.reference: s.primary for s in [*shared, single]}
    assert len(rows) == 3
    for row in rows:
        primary = expected[row["account_reference"]]
        address = primary.contact_points.get(kind="address")
        assert (row["recipient"], row["address_line1"], row["postal_code"]) == (
            primary.display_name,
            address.line1,
            "10001",
        )


@ORDERS
def test_a_call_to_a_number_on_no_file_is_about_the_primary_debtor_and_keeps_their_hours(
    client_, system, co_debtor_first
):
    s = shared_account(client=client_, co_debtor_first=co_debtor_first)

    logged = call_log(
        accounts=[s.account],
        number=UNKNOWN_NUMBER,
        direction="outbound",
        outcome="no_answer",
        started_at=LATE_FOR_PRIMARY,
        actor=system,
    )
    preview = call_preview(account=s.account, number=UNKNOWN_NUMBER, at=LATE_FOR_PRIMARY)

    assert logged.attempt.debtor_id == s.primary.pk
    assert logged.blocked
    assert logged.attempt.decision.codes == ["INCONVENIENT_TIME"]
    assert preview["allowed"] is False
    assert [r["code"] for r in preview["reasons"]] == ["INCONVENIENT_TIME"]


def test_a_call_about_two_debts_falls_back_to_the_first_accounts_primary(client_, make_account, system):
    s = shared_account(client=client_, co_debtor_first=True)
    second = make_account(debtor=s.primary)

    logged = call_log(
        accounts=[s.account, second],
        number=UNKNOWN_NUMBER,
        direction="outbound",
        outcome="no_answer",
        started_at=NOW,
        actor=system,
    )

    assert logged.attempt.debtor_id == s.primary.pk
    assert not logged.blocked
    assert set(logged.attempt.accounts.all()) == {s.account, second}
