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
from arrears.compliance import selectors as compliance_selectors
from arrears.contact import selectors as contact_selectors
from arrears.contact.batch import messages_queue_many
from arrears.contact.messaging import UNUSABLE, template_current, template_save
from arrears.core.errors import NotFound
from arrears.debtors import selectors as debtor_selectors
from arrears.payments import selectors as payment_selectors
from arrears.tenancy.choices import CollectionMode
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


# --- the validation notice (12 CFR 1006.34) ---------------------------------------------------------------

# key → (channel, subject, body). The email carries the notice as a PDF attachment (added when it is sent,
# dated that day); the letter carries it as an enclosure (added when the batch is printed, dated that day).
VALIDATION_NOTICE_KEY = "validation-notice"
VALIDATION_TEMPLATES: dict[str, tuple[str, str]] = {
    "email": (
        "Your notice from {{ organization.name }} about {{ account.reference }}",
        "Dear {{ debtor.name }},\n\nYour validation notice for account {{ account.reference }} is attached "
        "as a PDF. It says how much we think you owe, and how and by when you can dispute the debt. Keep "
        "it: you can also read it at any time in your portal: {{ portal_url }}\n\n"
        "{{ organization.name }} {{ debt_collector_disclosure }}.\n\n"
        "You asked to receive notices by email. To stop emails from us: {{ unsubscribe_url }}",
    ),
    "letter": (
        "",
        "<p>Dear {{ debtor.name }},</p><p>Your validation notice for account {{ account.reference }} "
        "follows on the next page. It says how much we think you owe, and how and by when you can "
        "dispute the debt.</p><p>{{ organization.name }} {{ debt_collector_disclosure }}</p>",
    ),
}
# Accounts a validation notice is owed on once placed with a debt collector: open consumer accounts.
VALIDATION_STATUSES = ("new", "active", "promised", "on_plan", "on_hold", "disputed", "legal")
VALIDATION_BATCH = 1000
# At most this many accounts a run: the step runs inside the nightly run's closing transaction, so a first
# run over a large portfolio queues its backlog over a few nights rather than in one huge commit.
VALIDATION_PER_RUN = 50_000


def _validation_template(organization_id: int, channel: str, actor: Principal) -> Any:
    try:
        return template_current(organization_id=organization_id, key=VALIDATION_NOTICE_KEY, channel=channel)
    except NotFound:
        subject, body = VALIDATION_TEMPLATES[channel]
        return template_save(
            organization=organization_get(organization_id=organization_id),
            key=VALIDATION_NOTICE_KEY,
            channel=channel,
            subject=subject,
            body=body,
            actor=actor,
            name="Validation notice",
        )


def validation_notices_send(*, organization_id: int, now: datetime, actor: Principal) -> dict[str, int]:
    """Queue the validation notice (12 CFR 1006.34) for every open consumer account of a debt collector
    that has none provided and none on its way: by email (1006.42) where the primary debtor gave E-SIGN
    consent at a usable address not opted out of, otherwise by letter. Both go through the outbox and the
    compliance gate (held until allowed); the notice is dated, and its validation period starts, the day
    it goes out. Returns the messages queued per channel; a second run queues nothing new."""
    organization = organization_get(organization_id=organization_id)
    if organization.collection_mode != CollectionMode.AGENCY:
        return {}  # the FDCPA's validation notice is a debt collector's duty; a creditor owes none
    candidates = account_selectors.account_ids_with_itemization(
        organization_id=organization_id, statuses=VALIDATION_STATUSES, debt_type="consumer"
    )
    counts = {"email": 0, "letter": 0, "no_contact_point": 0}
    for start in range(0, len(candidates), VALIDATION_BATCH):
        if counts["email"] + counts["letter"] + counts["no_contact_point"] >= VALIDATION_PER_RUN:
            break
        chunk = candidates[start : start + VALIDATION_BATCH]
        done = compliance_selectors.accounts_with_validation_notice(account_ids=chunk)
        done |= contact_selectors.accounts_with_live_message(account_ids=chunk, purpose="validation_notice")
        owed = [pk for pk in chunk if pk not in done]
        if not owed:
            continue
        primary = account_selectors.primary_debtor_ids(owed)
        emails = debtor_selectors.esign_emails(
            debtor_ids=set(primary.values()), at=now, exclude_statuses=UNUSABLE
        )
        by_email = {pk: emails[primary[pk]] for pk in owed if primary.get(pk) in emails}
        accounts = {
            a.pk: a
            for a in account_selectors.accounts_to_message(account_ids=owed, organization_id=organization_id)
        }
        for channel, ids in (
            ("email", [pk for pk in owed if pk in by_email]),
            ("letter", [pk for pk in owed if pk not in by_email]),
        ):
            if not ids:
                continue
            with transaction.atomic():
                summary = messages_queue_many(
                    template=_validation_template(organization_id, channel, actor),
                    accounts=[accounts[pk] for pk in ids if pk in accounts],
                    actor=actor,
                    at=now,
                    purpose="validation_notice",
                    release_when_allowed=True,
                    targets=by_email if channel == "email" else None,
                )
            counts[channel] += len(summary.message_ids)
            counts["no_contact_point"] += summary.skipped.get("no_contact_point", 0)
    return {k: v for k, v in counts.items() if v}
