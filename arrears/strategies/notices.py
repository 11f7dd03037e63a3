"""What is stored must be sent: the notices the law or an arrangement calls for, through templates, the
compliance gate and the outbox, each once.

- Reg F 12 CFR 1006.22(c)(2): notice of a post-dated payment 3 to 10 business days before deposit;
- 23 NYCRR 1.5(b): the written confirmation of a payment plan, for New York accounts;
- a reminder before a promise or an installment falls due, and the follow-up to a broken promise.

A message the gate blocks is held in the outbox with its reasons and goes out when allowed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.db import transaction

from arrears.accounts import selectors as account_selectors
from arrears.contact import selectors as contact_selectors
from arrears.contact.batch import messages_queue_many
from arrears.contact.messaging import template_current, template_save
from arrears.core.errors import NotFound
from arrears.payments import selectors as payment_selectors
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .models import NoticeSent

# kind → (template key, channel, default subject, default body). A default is saved as the template's
# first version when the organization has none, and can be edited like any template after that.
NOTICES: dict[str, tuple[str, str, str, str]] = {
    "postdated_notice": (
        "postdated-payment-notice",
        "letter",
        "",
        "<p>Dear {{ debtor.name }},</p><p>This is notice that a post-dated payment you authorized "
        "for account "
        "{{ account.reference }} will be deposited soon. To stop it, call {{ callback_number }}.</p>"
        "<p>{{ organization.name }} {{ debt_collector_disclosure }}</p>",
    ),
    "plan_confirmation": (
        "plan-confirmation",
        "letter",
        "",
        "<p>Dear {{ debtor.name }},</p><p>This confirms the payment plan you agreed for account "
        "{{ account.reference }}: {{ plan.total }} in {{ plan.frequency }} installments"
        "{% if plan.next_due_on %}, the next of {{ plan.next_amount }} due on {{ plan.next_due_on }}"
        "{% endif %}."
        "</p><p>{{ organization.name }} {{ debt_collector_disclosure }}</p>",
    ),
    "promise_reminder": (
        "promise-reminder",
        "email",
        "Your payment for {{ account.reference }}",
        "Dear {{ debtor.name }}, a reminder of the payment you promised on account {{ account.reference }}. "
        "Balance: {{ account.balance }}. {{ organization.name }} {{ debt_collector_disclosure }}. "
        "Unsubscribe: {{ unsubscribe_url }}",
    ),
    "installment_reminder": (
        "installment-reminder",
        "email",
        "Your installment for {{ account.reference }}",
        "Dear {{ debtor.name }}, your next installment of {{ plan.next_amount }} on account "
        "{{ account.reference }} is due on {{ plan.next_due_on }}. "
        "{{ organization.name }} {{ debt_collector_disclosure }}. "
        "Unsubscribe: {{ unsubscribe_url }}",
    ),
    "broken_promise": (
        "broken-promise",
        "email",
        "We did not receive your payment for {{ account.reference }}",
        "Dear {{ debtor.name }}, we did not receive the payment you promised on account "
        "{{ account.reference }}. Please call {{ callback_number }} to talk about it. "
        "{{ organization.name }} {{ debt_collector_disclosure }}. "
        "Unsubscribe: {{ unsubscribe_url }}",
    ),
}


def _template(organization_id: int, kind: str, actor: Principal) -> Any:
    key, channel, subject, body = NOTICES[kind]
    try:
        return template_current(organization_id=organization_id, key=key, channel=channel)
    except NotFound:
        return template_save(
            organization=organization_get(organization_id=organization_id),
            key=key,
            channel=channel,
            subject=subject,
            body=body,
            actor=actor,
            name=key.replace("-", " ").capitalize(),
        )


def notices_send(*, organization_id: int, on: date, now: datetime, actor: Principal) -> dict[str, int]:
    """Queue every notice owed on `on` that has not been queued before. Returns messages queued per
    kind. Each kind commits on its own; a second run for the day queues nothing."""
    owed = payment_selectors.notices_owed(organization_id=organization_id, on=on)
    counts: dict[str, int] = {}
    for kind, pairs in owed.items():
        if not pairs:
            continue
        with transaction.atomic():
            done = set(
                NoticeSent.objects.filter(kind=kind, subject_id__in=[s for s, _ in pairs]).values_list(
                    "subject_id", flat=True
                )
            )
            # One notice per account and kind a day, whatever the number of subjects behind it.
            by_account: dict[int, int] = {}
            for subject_id, account_id in pairs:
                if subject_id not in done:
                    by_account.setdefault(account_id, subject_id)
            if not by_account:
                continue
            subjects = defaultdict(list)
            for subject_id, account_id in pairs:
                if subject_id not in done:
                    subjects[account_id].append(subject_id)
            template = _template(organization_id, kind, actor)
            accounts = list(
                account_selectors.accounts_to_message(
                    account_ids=sorted(by_account), organization_id=organization_id
                )
            )
            summary = messages_queue_many(
                template=template,
                accounts=accounts,
                actor=actor,
                at=now,
                purpose="collection",
                release_when_allowed=True,
            )
            messages = {
                account_id: (pk, status, reasons)
                for pk, account_id, status, reasons, _ in contact_selectors.messages_brief(
                    message_ids=summary.message_ids
                )
            }
            rows = []
            for account_id, subject_ids in subjects.items():
                message = messages.get(account_id)
                for subject_id in subject_ids:
                    rows.append(
                        NoticeSent(
                            organization_id=organization_id,
                            kind=kind,
                            subject_id=subject_id,
                            account_id=account_id,
                            message_id=message[0] if message else None,
                            status=message[1] if message else "no_contact_point",
                            reasons=message[2] if message else [],
                            created_at=now,
                        )
                    )
            NoticeSent.objects.bulk_create(rows, ignore_conflicts=True)
            counts[kind] = len(summary.message_ids)
    return counts
