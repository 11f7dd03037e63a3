"""The evidence packet names the primary debtor first and gives local times in the primary debtor's zone,
however the account's debtors were linked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arrears.accounts.tests.factories import shared_account
from arrears.contact.services import contact_attempt_record
from arrears.reports.evidence import evidence_content, evidence_packet

from .test_evidence import text_of

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York, 08:00 in San Francisco


@pytest.mark.parametrize("co_debtor_first", [True, False], ids=["co-debtor-first", "co-debtor-second"])
def test_the_packet_lists_the_primary_debtor_first_and_uses_their_time_zone(client_, system, co_debtor_first):
    s = shared_account(client=client_, co_debtor_first=co_debtor_first)
    contact_attempt_record(
        debtor=s.primary, channel="call", direction="outbound", outcome="no_answer", accounts=[s.account],
        contact_point=s.primary.contact_points.get(kind="phone"), actor=system, at=NOW,
    )  # fmt: skip

    content = evidence_content(principal=system, account=s.account)
    pdf = evidence_packet(principal=system, account=s.account, generated_at=NOW).pdf

    assert [(d["role"], d["name"]) for d in content["debtors"]] == [
        ("primary", s.primary.display_name),
        ("co_debtor", s.co_debtor.display_name),
    ]
    assert content["zones"]["candidates"] == ["America/New_York"]
    assert content["contacts"][0]["local"] == ["2026-03-10 11:00 EDT (America/New_York)"]
    text = text_of(pdf)
    assert text.index(s.primary.display_name) < text.index(s.co_debtor.display_name)
