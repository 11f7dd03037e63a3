"""Read models of the contact-attempt log for `reports`: dials, right-party contacts, messages."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from arrears.debtors.choices import Channel

from .choices import Direction, Outcome
from .models import ContactAttempt

MESSAGE_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.LETTER)


def _window(since: date, through: date) -> Q:
    return Q(at__gte=datetime.combine(since, time.min, tzinfo=UTC)) & Q(
        at__lt=datetime.combine(through + timedelta(days=1), time.min, tzinfo=UTC)
    )


def dial_counts(
    *, organization_id: int, since: date, through: date, client_id: int | None = None
) -> dict[str, int]:
    """Outbound calls placed (blocked ones were not dialled) and those that reached the right party."""
    qs = ContactAttempt.objects.filter(
        _window(since, through),
        organization_id=organization_id,
        channel=Channel.CALL,
        direction=Direction.OUTBOUND,
    ).exclude(outcome=Outcome.BLOCKED)
    if client_id:
        qs = qs.filter(accounts__client_id=client_id).distinct()
    agg = qs.aggregate(
        dials=Count("id"),
        rpc=Count("id", filter=Q(outcome__in=[Outcome.RIGHT_PARTY_CONTACT, Outcome.CONVERSATION])),
    )
    return {"dials": agg["dials"] or 0, "right_party_contacts": agg["rpc"] or 0}


def right_party_account_ids(
    *, organization_id: int, since: date, through: date, client_id: int | None = None
) -> QuerySet[ContactAttempt, int]:
    """The accounts whose debtor was reached on an outbound call in the window, as a subquery (the
    numerator of the promise rate is read against it, in one statement)."""
    qs = ContactAttempt.objects.filter(
        _window(since, through),
        organization_id=organization_id,
        channel=Channel.CALL,
        direction=Direction.OUTBOUND,
        outcome__in=[Outcome.RIGHT_PARTY_CONTACT, Outcome.CONVERSATION],
    )
    if client_id:
        qs = qs.filter(accounts__client_id=client_id)
    return qs.values_list("accounts__id", flat=True)


def collector_activity(*, organization_id: int, since: date, through: date) -> list[dict[str, Any]]:
    """Per user: contacts (attempts not blocked), right-party contacts, and activity instants by day."""
    qs = (
        ContactAttempt.objects.filter(
            _window(since, through), organization_id=organization_id, user__isnull=False
        )
        .exclude(outcome=Outcome.BLOCKED)
        .values_list("user_id", "user__username", "outcome", "at", "ended_at")
    )
    per: dict[int, dict[str, Any]] = {}
    for user_id, username, outcome, at, ended in qs:
        row = per.setdefault(
            user_id,
            {"user_id": user_id, "username": username, "contacts": 0, "rpc": 0, "days": defaultdict(list)},
        )
        row["contacts"] += 1
        row["rpc"] += outcome in (Outcome.RIGHT_PARTY_CONTACT, Outcome.CONVERSATION)
        row["days"][at.date()].append(at.timestamp())
        if ended:
            row["days"][at.date()].append(ended.timestamp())
    return list(per.values())


def contact_history_for_furnishing(*, organization_id: int, through: date) -> dict[int, dict[str, Any]]:
    """Per debtor: the first day the consumer was spoken to, and the messages sent (day, undeliverable)."""
    end = datetime.combine(through + timedelta(days=1), time.min, tzinfo=UTC)
    out: dict[int, dict[str, Any]] = {}
    rows = (
        ContactAttempt.objects.filter(organization_id=organization_id, at__lt=end)
        .filter(
            Q(outcome__in=[Outcome.RIGHT_PARTY_CONTACT, Outcome.CONVERSATION], channel=Channel.CALL)
            | Q(
                direction=Direction.INBOUND,
                channel=Channel.CALL,
                outcome__in=[Outcome.RIGHT_PARTY_CONTACT, Outcome.CONVERSATION],
            )
            | Q(direction=Direction.OUTBOUND, channel__in=MESSAGE_CHANNELS)
        )
        .exclude(outcome=Outcome.BLOCKED)
        .values_list("debtor_id", "channel", "outcome", "at")
    )
    for debtor_id, channel, outcome, at in rows:
        row = out.setdefault(debtor_id, {"spoke_on": None, "messages": []})
        if channel == Channel.CALL:
            day = at.date()
            row["spoke_on"] = day if row["spoke_on"] is None else min(row["spoke_on"], day)
        else:
            row["messages"].append((at.date(), outcome == Outcome.UNDELIVERABLE))
    return out
