"""The demo's automation: message templates, two strategies and a running champion/challenger experiment,
so that the first nightly run acts on the demo's accounts. A few writes: seeds in well under a second."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from arrears.contact.messaging import template_save
from arrears.strategies.definitions import experiment_start, strategy_save
from arrears.tenancy.domain import system_principal

if TYPE_CHECKING:
    from arrears.tenancy.models import Organization

TEMPLATES = [
    (
        "strategy-first-notice",
        "email",
        "About your account {{ account.reference }}",
        "Dear {{ debtor.name }}, your account {{ account.reference }} with {{ account.creditor }} "
        "has a balance of {{ account.balance }}. Pay or set up a plan at {{ portal_url }} "
        "or call {{ callback_number }}. "
        "{{ debt_collector_disclosure }} Unsubscribe: {{ unsubscribe_url }}",
    ),
    (
        "strategy-sms-reminder",
        "sms",
        "",
        "{{ business_name }}: about account {{ account.reference }}, call {{ callback_number }}. "
        "{{ debt_collector_disclosure }} Reply STOP to opt out.",
    ),
    (
        "strategy-letter",
        "letter",
        "",
        "<p>Dear {{ debtor.name }},</p><p>Your account {{ account.reference }} with {{ account.creditor }} "
        "has a balance of {{ account.balance }}. Please call {{ callback_number }} to resolve it.</p>"
        "<p>{{ organization.name }}</p><p>{{ debt_collector_disclosure }}</p>",
    ),
]

STANDARD = """name = "standard"
description = "The champion: an email, a text, a call, then a settlement offer; older debt gets a letter."
priority = 10

[[segments]]
name = "fresh"
when = { aging = ["current", "1-30", "31-60", "61-90", "91-120"], balance_min = "25", holds = "none" }
  [[segments.steps]]
  action = "email"
  template = "strategy-first-notice"
  [[segments.steps]]
  action = "sms"
  template = "strategy-sms-reminder"
  wait_days = 3
  [[segments.steps]]
  action = "call"
  reason = "no payment after the email and the text"
  wait_days = 4
  [[segments.steps]]
  action = "settlement"
  discount_pct = "10"
  expires_days = 30
  wait_days = 7
  [[segments.steps]]
  action = "stop"

[[segments]]
name = "older"
when = { aging = ["121-180", "181-365", "365+"], balance_min = "25", holds = "none" }
  [[segments.steps]]
  action = "letter"
  template = "strategy-letter"
  [[segments.steps]]
  action = "call"
  reason = "older balance, letter sent"
  wait_days = 10
  [[segments.steps]]
  action = "stop"
"""

LETTERS_FIRST = """name = "letters-first"
description = "The challenger: a letter first, then a call a week later."
priority = 20

[[segments]]
name = "all"
when = { balance_min = "25", holds = "none" }
  [[segments.steps]]
  action = "letter"
  template = "strategy-letter"
  [[segments.steps]]
  action = "call"
  reason = "letter sent a week ago"
  wait_days = 7
  [[segments.steps]]
  action = "stop"
"""


def seed_automation(*, organization: Organization, today: date) -> None:
    actor = system_principal(organization.pk, "demo")
    for key, channel, subject, body in TEMPLATES:
        template_save(
            organization=organization, key=key, channel=channel, subject=subject, body=body, actor=actor
        )
    strategy_save(organization_id=organization.pk, source=STANDARD, actor=actor)
    strategy_save(organization_id=organization.pk, source=LETTERS_FIRST, actor=actor)
    experiment_start(
        organization_id=organization.pk,
        name="first-contact",
        arms=[("champion", "standard", 50), ("challenger", "letters-first", 50)],
        actor=actor,
        today=today,
    )
