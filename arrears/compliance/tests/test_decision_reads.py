"""The compliance gate's hand-written reads give what the querysets they replaced gave.

The gate's selectors (``compliance.gather`` and the ones it calls in accounts, debtors, attempts and
tenancy) are SQL written by hand for speed (``arrears.core.sql``). The querysets they replaced are kept
here as the reference, and each read is compared with its reference on a fixture that has what the
rules look at: co-debtors, holds lifted and standing, on accounts and on debtors, in two organizations,
consent records granted, revoked and given later, opt-outs, unusable contact points, attempts in and
out of the window, blocked and inbound ones, and validation notices. It runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import Min, Q, TextField
from django.db.models.functions import Cast

from arrears.accounts.models import Account, AccountDebtor
from arrears.accounts.selectors import account_get_by_reference, debtor_link_order, debtor_links_for_decisions
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.models import ContactAttempt
from arrears.attempts.selectors import (
    HistoryRow,
    attempts_first_outbound,
    attempts_history,
    attempts_inbound_email_points,
)
from arrears.compliance import gather
from arrears.compliance.gather import (
    _POINT_FIELDS,
    COMMUNICATED,
    UNUSABLE_POINTS,
    Request,
    _Hold,
    _Holds,
    _holds,
    _notices,
    facts_bases,
    policies_for,
)
from arrears.compliance.models import ContactPolicy, Hold, ValidationNotice
from arrears.compliance.policy import DEFAULT_POLICY, Policy
from arrears.core.bulk import in_array
from arrears.debtors.models import ConsentRecord, ContactPoint, Debtor
from arrears.debtors.selectors import (
    DECISION_DEBTOR_COLUMNS,
    consents_for_decisions,
    contact_point_values,
    contact_point_values_of_debtors,
    contact_points_for_decisions,
    debtors_for_decisions,
)
from arrears.tenancy.models import Client, Organization
from arrears.tenancy.selectors import organization_collection_modes

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


# ── the querysets the hand-written reads replaced ─────────────────────────────────────────────────────
def orm_links(account_ids):
    return list(
        AccountDebtor.objects.filter(account_id__in=list(account_ids))
        .order_by("account_id", *debtor_link_order())
        .values_list("account_id", "debtor_id")
    )


def orm_debtors(debtor_ids):
    return list(
        Debtor.objects.filter(id__in=list(debtor_ids))
        .annotate(times_text=Cast("inconvenient_times", TextField()))
        .values_list("id", "organization_id", "timezone", "times_text", *DECISION_DEBTOR_COLUMNS[4:])
    )


def orm_points(debtor_ids, fields, exclude_statuses):
    return list(
        ContactPoint.objects.filter(debtor_id__in=list(debtor_ids))
        .exclude(status__in=exclude_statuses)
        .order_by("-is_primary", "id")
        .values_list(*fields)
    )


def orm_point_values(ids):
    return list(ContactPoint.objects.filter(id__in=list(ids)).values_list("id", "value"))


def orm_point_values_for_accounts(account_ids):
    return list(
        ContactPoint.objects.filter(debtor__account_links__account_id__in=list(account_ids))
        .order_by("pk")
        .values_list("debtor__account_links__account_id", "pk", "debtor_id", "value")
    )


def orm_consents(debtor_ids, at):
    return list(
        ConsentRecord.objects.filter(debtor_id__in=list(debtor_ids), recorded_at__lte=at)
        .order_by("recorded_at", "id")
        .values_list("debtor_id", "contact_point_id", "channel", "kind", "granted")
    )


def orm_history(debtor_ids, since):
    rows = list(
        ContactAttempt.objects.filter(debtor_id__in=in_array(list(debtor_ids)), at__gte=since)
        .exclude(outcome=Outcome.BLOCKED)
        .order_by("at", "id")
        .values_list("pk", "debtor_id", "at", "channel", "direction", "outcome", "target", "contact_point_id")
    )
    accounts = defaultdict(list)
    for attempt_id, account_id in (
        ContactAttempt.accounts.through.objects.filter(contactattempt_id__in=[r[0] for r in rows])
        .order_by("contactattempt_id", "account_id")
        .values_list("contactattempt_id", "account_id")
    ):
        accounts[attempt_id].append(account_id)
    return [(*row, tuple(accounts.get(row[0], ()))) for row in rows]


def orm_inbound_email_points(debtor_ids, at):
    return set(
        ContactAttempt.objects.filter(
            debtor_id__in=list(debtor_ids), channel="email", direction=Direction.INBOUND, at__lte=at
        )
        .exclude(contact_point__isnull=True)
        .values_list("contact_point_id", flat=True)
    )


def orm_first_outbound(account_ids, outcomes):
    return {
        row["account_id"]: row["first"]
        for row in ContactAttempt.accounts.through.objects.filter(
            account_id__in=list(account_ids),
            contactattempt__direction=Direction.OUTBOUND,
            contactattempt__outcome__in=list(outcomes),
        )
        .values("account_id")
        .annotate(first=Min("contactattempt__at"))
    }


def orm_modes(organization_ids):
    return dict(
        Organization.objects.filter(id__in=list(organization_ids)).values_list("id", "collection_mode")
    )


def orm_policies(organization_ids):
    found = {
        row[0]: Policy(*row[1:])
        for row in ContactPolicy.objects.filter(organization_id__in=list(organization_ids)).values_list(
            "organization_id", "call_limit", "earliest", "latest", "weekend_calls", "holiday_calls"
        )
    }
    return {pk: found.get(pk, DEFAULT_POLICY) for pk in organization_ids}


def orm_holds(account_ids, debtor_ids):
    found = _Holds(defaultdict(list), defaultdict(list))
    for account_id, debtor_id, organization_id, kind, effective_on, details in (
        Hold.objects.filter(lifted_at__isnull=True)
        .filter(Q(account_id__in=list(account_ids)) | Q(debtor_id__in=list(debtor_ids), account__isnull=True))
        .order_by("id")
        .values_list("account_id", "debtor_id", "organization_id", "kind", "effective_on", "details")
    ):
        hold = _Hold(organization_id, kind, effective_on, bool((details or {}).get("written", True)))
        if account_id is not None:
            found.by_account[account_id].append(hold)
        else:
            found.by_debtor[debtor_id].append(hold)
    return found


def orm_notices(account_ids):
    notices = {}
    for account_id, provided_on, ends_on in (
        ValidationNotice.objects.filter(account_id__in=list(account_ids))
        .order_by("account_id", "-provided_on", "-id")
        .values_list("account_id", "provided_on", "ends_on")
    ):
        notices.setdefault(account_id, (provided_on, ends_on))
    return notices


def orm_owners(requests, links):
    """``gather._owners`` as it read through the accounts' links in one queryset."""
    wanted = {
        i: r for i, r in enumerate(requests) if r.debtor is None and isinstance(r.target, str) and r.target
    }
    points = defaultdict(list)
    for account_id, point_id, debtor_id, value in orm_point_values_for_accounts(
        {r.account.pk for r in wanted.values()}
    ):
        points[account_id].append((point_id, debtor_id, value))
    found = {}
    for i, r in wanted.items():
        target = str(r.target)
        text, number = target.strip().lower(), gather.normalize_number(target)
        owner = next((d for _, d, v in points[r.account.pk] if v.lower() == text or v == number), None)
        if owner is not None:
            found[i] = owner
    return found


# ── the fixture ───────────────────────────────────────────────────────────────────────────────────────
def _point(debtor, kind, value, **fields):
    return ContactPoint.objects.create(
        organization_id=debtor.organization_id, debtor=debtor, kind=kind, value=value, **fields
    )


def _consent(point_or_debtor, channel, kind, granted, at):
    debtor = point_or_debtor if isinstance(point_or_debtor, Debtor) else point_or_debtor.debtor
    point = None if isinstance(point_or_debtor, Debtor) else point_or_debtor
    return ConsentRecord.objects.create(
        organization_id=debtor.organization_id,
        debtor=debtor,
        contact_point=point,
        channel=channel,
        kind=kind,
        granted=granted,
        recorded_at=at,
    )


def _attempt(debtor, channel, direction, outcome, at, *, accounts=(), point=None, target=""):
    attempt = ContactAttempt.objects.create(
        organization_id=debtor.organization_id,
        debtor=debtor,
        contact_point=point,
        channel=channel,
        direction=direction,
        outcome=outcome,
        target=target,
        at=at,
    )
    attempt.accounts.set(accounts)
    return attempt


def _hold(kind, *, account=None, debtor=None, lifted=False, details=None, days_ago=3):
    subject = account or debtor
    return Hold.objects.create(
        organization_id=subject.organization_id,
        kind=kind,
        account=account,
        debtor=debtor,
        effective_on=AT.date() - timedelta(days=days_ago),
        placed_at=AT - timedelta(days=days_ago),
        placed_by_label="test",
        details=details if details is not None else {},
        lifted_at=AT - timedelta(days=1) if lifted else None,
    )


def _notice(account, debtor, provided_on):
    zero = Decimal("0")
    return ValidationNotice.objects.create(
        organization_id=account.organization_id,
        account=account,
        debtor=debtor,
        provided_on=provided_on,
        assumed_receipt_on=provided_on + timedelta(days=5),
        ends_on=provided_on + timedelta(days=35),
        itemization_date=provided_on - timedelta(days=30),
        currency="USD",
        amount_on_itemization_date=zero,
        interest=zero,
        fees=zero,
        payments=zero,
        credits=zero,
        current_amount=zero,
        document="validation_notices/test.pdf",
        created_by_label="test",
    )


@pytest.fixture
def rich(org, other_org, client_, make_account):
    """Three accounts in one organization (the first with a co-debtor, who is also on the second) and
    one in another, a first-party one with its own contact policy."""
    a1 = make_account(reference="A-1")
    a2 = make_account(reference="A-2")
    d1 = a1.account_debtors.get().debtor
    d3 = a2.account_debtors.get().debtor
    d2 = Debtor.objects.create(
        organization=org,
        first_name="Co",
        last_name="Debtor",
        name_key="co debtor",
        timezone="America/Chicago",
        inconvenient_times=[{"days": ["sat", "sun"], "start": "08:00", "end": "12:00"}],
    )
    AccountDebtor.objects.create(organization=org, account=a1, debtor=d2, role="co_debtor")
    AccountDebtor.objects.create(organization=org, account=a2, debtor=d1, role="co_debtor")
    Debtor.objects.filter(pk=d3.pk).update(do_not_contact=True, do_not_contact_reason="deceased")

    Organization.objects.filter(pk=other_org.pk).update(collection_mode="first_party")
    other_client = Client.objects.create(organization=other_org, code="other", name="Other Bank")
    a4 = make_account(reference="B-1", client=other_client)
    d4 = a4.account_debtors.get().debtor
    ContactPolicy.objects.create(
        organization=other_org,
        call_limit=5,
        earliest=time(9, 0),
        latest=time(20, 0),
        weekend_calls=False,
        holiday_calls=True,
        updated_at=AT,
        updated_by_label="test",
    )

    phone1 = d1.contact_points.get(kind="phone")
    email1 = d1.contact_points.get(kind="email")
    _point(d1, "phone", "+12125550999", status="wrong_party")
    bad_email = _point(d1, "email", "old@example.com", status="invalid")
    primary = _point(d1, "phone", "+12125550777", label="home", is_primary=True, time_zones="America/Denver")
    phone2 = _point(d2, "phone", "+13125550100", label="mobile", status="valid")
    email2 = _point(d2, "email", "co@example.com", label="work")
    _point(d2, "address", "1 Side St", line1="1 Side St", state="IL", postal_code="60601", label="work")

    _consent(phone1, "sms", "consent", True, AT - timedelta(days=10))
    _consent(phone1, "sms", "consent", False, AT - timedelta(days=5))
    _consent(primary, "sms", "consent", True, AT - timedelta(days=2))
    _consent(primary, "sms", "consent", False, AT - timedelta(days=2))  # same instant: the later row wins
    _consent(phone1, "sms", "consent", True, AT + timedelta(hours=1))  # after the decision: not read
    _consent(email1, "email", "consent", True, AT - timedelta(days=1))
    _consent(d1, "email", "opt_out", True, AT - timedelta(days=4))
    _consent(phone1, "call", "opt_out", True, AT - timedelta(days=3))
    _consent(email2, "email", "consent", True, AT)
    _consent(d2, "sms", "opt_out", False, AT - timedelta(days=8))

    _attempt(d1, "call", "outbound", "conversation", AT - timedelta(days=3), accounts=[a2, a1], point=phone1)
    _attempt(d1, "sms", "outbound", "delivered", AT - timedelta(days=50), accounts=[a1], point=phone1)
    _attempt(d1, "call", "outbound", "blocked", AT - timedelta(days=1), accounts=[a1], point=phone1)
    _attempt(d1, "email", "inbound", "delivered", AT - timedelta(days=2), point=email1)
    _attempt(d1, "email", "inbound", "delivered", AT - timedelta(days=2), target="someone@example.com")
    _attempt(d1, "email", "outbound", "no_answer", AT - timedelta(hours=1), point=bad_email)
    _attempt(d1, "call", "outbound", "voicemail", AT - timedelta(days=39, hours=23), accounts=[a1])
    _attempt(d1, "email", "inbound", "delivered", AT + timedelta(days=1), point=email1)
    _attempt(d2, "letter", "outbound", "delivered", AT - timedelta(days=20), accounts=[a1])
    _attempt(
        d2, "call", "outbound", "right_party_contact", AT - timedelta(days=6), accounts=[a1], point=phone2
    )
    _attempt(d4, "call", "outbound", "conversation", AT - timedelta(days=1), accounts=[a4])

    _hold("dispute", account=a1, details={"written": False})
    _hold("bankruptcy", account=a1, lifted=True)
    _hold("attorney", account=a2, details={"firm": "Law LLP"})
    _hold("cease_communication", debtor=d2)
    _hold("dispute", debtor=d2, days_ago=9)
    _hold("deceased", debtor=d1, account=a2)  # a debtor's hold on one account: the account's
    elsewhere = make_account(reference="A-3", debtor=d2)  # not asked about: its holds are not read
    _hold("litigation", debtor=d2, account=elsewhere)
    _hold("cease_communication", debtor=d1, lifted=True)
    _hold("scra", debtor=d4)

    _notice(a1, d1, date(2026, 2, 1))
    _notice(a1, d1, date(2026, 2, 20))
    _notice(a1, d1, date(2026, 2, 20))
    _notice(a2, d3, date(2026, 1, 5))

    return SimpleNamespace(
        accounts=[a1, a2, a4],
        account_ids={a1.pk, a2.pk, a4.pk},
        debtor_ids={d1.pk, d2.pk, d3.pk, d4.pk},
        organization_ids={org.pk, other_org.pk},
        point_ids=set(ContactPoint.objects.values_list("pk", flat=True)),
        a1=a1,
        d2=d2,
        phone2=phone2,
    )


# ── each read against its queryset ────────────────────────────────────────────────────────────────────
pytestmark = pytest.mark.django_db


def test_debtor_links_are_read_as_the_queryset_read_them(rich):
    assert debtor_links_for_decisions(account_ids=rich.account_ids) == orm_links(rich.account_ids)
    assert debtor_links_for_decisions(account_ids=[]) == []


def test_debtors_are_read_as_the_queryset_read_them(rich):
    assert sorted(debtors_for_decisions(debtor_ids=rich.debtor_ids)) == sorted(orm_debtors(rich.debtor_ids))


def test_contact_points_are_read_as_the_queryset_read_them(rich):
    got = contact_points_for_decisions(
        debtor_ids=rich.debtor_ids, fields=_POINT_FIELDS, exclude_statuses=UNUSABLE_POINTS
    )
    assert got == orm_points(rich.debtor_ids, _POINT_FIELDS, UNUSABLE_POINTS)
    assert contact_points_for_decisions(debtor_ids=rich.debtor_ids, fields=("id",)) == orm_points(
        rich.debtor_ids, ("id",), ()
    )
    assert sorted(contact_point_values(ids=rich.point_ids)) == sorted(orm_point_values(rich.point_ids))
    by_debtor = contact_point_values_of_debtors(debtor_ids=rich.debtor_ids)
    assert by_debtor == sorted(
        ContactPoint.objects.filter(debtor_id__in=rich.debtor_ids).values_list("id", "debtor_id", "value")
    )


def test_consents_are_read_as_the_queryset_read_them(rich):
    for at in (AT, AT - timedelta(days=2), AT + timedelta(days=1)):
        assert consents_for_decisions(debtor_ids=rich.debtor_ids, at=at) == orm_consents(rich.debtor_ids, at)


def test_attempts_are_read_as_the_querysets_read_them(rich):
    since = AT - timedelta(days=gather.HISTORY_DAYS)

    history = attempts_history(debtor_ids=rich.debtor_ids, since=since)

    assert [tuple(row) for row in history] == orm_history(rich.debtor_ids, since)
    assert {len(row.account_ids) for row in history} == {0, 1, 2}
    assert attempts_history(debtor_ids=rich.debtor_ids, since=AT + timedelta(days=5)) == []
    for at in (AT, AT + timedelta(days=2)):
        got = attempts_inbound_email_points(debtor_ids=rich.debtor_ids, at=at)
        assert got == orm_inbound_email_points(rich.debtor_ids, at)
    first = attempts_first_outbound(account_ids=rich.account_ids, outcomes=COMMUNICATED)
    assert first == orm_first_outbound(rich.account_ids, COMMUNICATED)
    assert all(value.utcoffset() == timedelta(0) for value in first.values())


def test_organizations_policies_holds_and_notices_are_read_as_the_querysets_read_them(rich):
    assert organization_collection_modes(organization_ids=rich.organization_ids) == orm_modes(
        rich.organization_ids
    )
    assert policies_for(rich.organization_ids) == orm_policies(rich.organization_ids)
    holds, expected = _holds(rich.account_ids, rich.debtor_ids), orm_holds(rich.account_ids, rich.debtor_ids)
    assert (dict(holds.by_account), dict(holds.by_debtor)) == (
        dict(expected.by_account),
        dict(expected.by_debtor),
    )
    assert _notices(rich.account_ids) == orm_notices(rich.account_ids)


def test_the_facts_of_a_batch_are_those_the_querysets_gave(rich, monkeypatch):
    requests = [
        *(Request(account) for account in rich.accounts),
        Request(rich.a1, target="(312) 555-0100"),  # the co-debtor's number, by its text
        Request(rich.a1, target=rich.phone2),
        Request(rich.a1, debtor=rich.d2),
        Request(rich.a1, target="co@example.com"),
    ]
    got = facts_bases(requests=requests, at=AT)
    for name, reference in {
        "debtor_links_for_decisions": lambda *, account_ids: orm_links(account_ids),
        "debtors_for_decisions": lambda *, debtor_ids: orm_debtors(debtor_ids),
        "contact_points_for_decisions": lambda *, debtor_ids, fields, exclude_statuses: orm_points(
            debtor_ids, fields, exclude_statuses
        ),
        "consents_for_decisions": lambda *, debtor_ids, at: orm_consents(debtor_ids, at),
        "contact_point_values": lambda *, ids: orm_point_values(ids),
        "attempts_inbound_email_points": lambda *, debtor_ids, at: orm_inbound_email_points(debtor_ids, at),
        "attempts_first_outbound": lambda *, account_ids, outcomes: orm_first_outbound(account_ids, outcomes),
        "organization_collection_modes": lambda *, organization_ids: orm_modes(organization_ids),
        "policies_for": orm_policies,
        "_holds": orm_holds,
        "_notices": orm_notices,
        "_owners": orm_owners,
    }.items():
        monkeypatch.setattr(gather, name, reference)
    monkeypatch.setattr(
        gather,
        "attempts_history",
        lambda *, debtor_ids, since: [
            HistoryRow(*row[:8], account_ids=row[8]) for row in orm_history(debtor_ids, since)
        ],
    )

    expected = facts_bases(requests=requests, at=AT)

    assert got == expected
    assert [b.debtor_id for b in got[3:]] == [rich.d2.pk] * 4
    for base, wanted in zip(got, expected, strict=True):
        for channel in ("call", "sms", "email", "letter"):
            assert (
                base.for_action(channel=channel, target=None, purpose="collection")[0]
                == wanted.for_action(channel=channel, target=None, purpose="collection")[0]
            )


def test_a_missing_column_is_refused(rich):
    with pytest.raises(ValueError, match="not columns"):
        contact_points_for_decisions(debtor_ids=rich.debtor_ids, fields=("id", "value; DROP TABLE x"))


def _fields(account):
    return [getattr(account, f.attname) for f in Account._meta.concrete_fields]


def test_an_account_by_reference_is_read_by_hand_as_the_queryset_read_it(
    org, other_org, client_, make_account
):
    from arrears.core.errors import NotFound
    from arrears.tenancy.choices import Role
    from arrears.tenancy.domain import Principal

    mine = make_account(reference="R-1")
    second = Client.objects.create(organization=org, code="second", name="Second Bank")
    twin = make_account(reference="R-1", client=second)  # the same reference at another client
    make_account(reference="R-2", client=second)
    Account.objects.filter(pk=mine.pk).update(
        interest_rate=Decimal("12.5"), delinquent_since=date(2025, 1, 2), status_changed_at=AT
    )
    theirs = Client.objects.create(organization=other_org, code="bank", name="Their Bank")
    make_account(reference="R-3", client=theirs)
    staff = Principal(organization_id=org.pk, role=Role.ADMIN, label="test")
    client_token = Principal(
        organization_id=org.pk, role=Role.COLLECTOR, label="api:t", client_ids=frozenset({second.pk})
    )
    stranger = Principal(organization_id=other_org.pk, role=Role.ADMIN, label="test")
    asked = [
        (principal, reference, code)
        for principal in (staff, client_token, stranger)
        for reference in ("R-1", "R-2", "R-3", "nope")
        for code in (None, "bank", "second", "unknown")
    ]

    def outcome(with_client, principal, reference, code):
        try:
            found = account_get_by_reference(
                principal=principal, reference=reference, client_code=code, with_client=with_client
            )
        except NotFound as exc:
            return str(exc)
        return _fields(found)

    for principal, reference, code in asked:
        assert outcome(False, principal, reference, code) == outcome(True, principal, reference, code)
    assert outcome(False, staff, "R-1", "bank") == _fields(Account.objects.get(pk=mine.pk))
    assert outcome(False, client_token, "R-1", None) == _fields(Account.objects.get(pk=twin.pk))
    assert isinstance(outcome(False, staff, "R-1", None), str)  # two clients use it: name the client
