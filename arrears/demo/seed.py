"""A realistic, deterministic demo portfolio (Faker with a fixed seed). Used by `arrears demo`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from faker import Faker

from arrears.accounts.choices import AccountStatus as S
from arrears.accounts.choices import DebtType
from arrears.accounts.domain import WORKABLE
from arrears.accounts.selectors import accounts_in_organization
from arrears.accounts.services import NewAccount, account_note_add, accounts_transition_many
from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.demo.automation import seed_automation
from arrears.demo.scoring import seed_scoring
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.services import EntrySpec, accounts_open_many
from arrears.reports.demo import demo_reports
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal, system_principal
from arrears.tenancy.selectors import organization_list
from arrears.tenancy.services import client_create, membership_grant, organization_create, user_create

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import Debtor
    from arrears.tenancy.models import Client, Organization, User

DEMO_SLUG = "demo"
DEMO_PASSWORD = "arrears-demo"  # noqa: S105 - published demo credential, printed on start

# State → (area codes, postal code prefix, a city). Several time zones, and two states that span zones.
STATES = {
    "NY": (["212", "718", "518"], "100", "New York"),
    "FL": (["305", "407", "850"], "331", "Miami"),
    "TX": (["214", "512", "915"], "752", "Dallas"),
    "IL": (["312", "773"], "606", "Chicago"),
    "CO": (["303", "719"], "802", "Denver"),
    "AZ": (["602", "520"], "850", "Phoenix"),
    "CA": (["213", "415", "619"], "900", "Los Angeles"),
    "WA": (["206", "509"], "981", "Seattle"),
    "MA": (["617", "508"], "021", "Boston"),
    "GA": (["404", "912"], "303", "Atlanta"),
}

# Target mix of statuses, and the path to reach each from `new`.
STATUS_MIX = [
    (S.NEW, 0.10),
    (S.ACTIVE, 0.40),
    (S.PROMISED, 0.08),
    (S.ON_PLAN, 0.10),
    (S.SETTLED, 0.05),
    (S.PAID, 0.07),
    (S.DISPUTED, 0.05),
    (S.ON_HOLD, 0.04),
    (S.LEGAL, 0.04),
    (S.CLOSED, 0.04),
    (S.RECALLED, 0.03),
]
PATHS: dict[str, list[str]] = {S.LEGAL: [S.ACTIVE, S.LEGAL], S.CLOSED: [S.ACTIVE, S.CLOSED]}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str


LOGINS = [
    DemoLogin("admin", Role.ADMIN, "organization admin, also Django admin superuser"),
    DemoLogin("manager", Role.MANAGER, "collections manager"),
    DemoLogin("collector", Role.COLLECTOR, "collector working the queue"),
    DemoLogin("client", Role.CLIENT_VIEWER, "read-only viewer for client 'northwind-bank'"),
]


def demo_exists() -> bool:
    return organization_list().filter(slug=DEMO_SLUG).exists()


def _phone(rng: random.Random, state: str) -> str:
    area = rng.choice(STATES[state][0])
    return f"({area}) 555-01{rng.randrange(100):02d}"


@transaction.atomic
def seed_demo(
    *, accounts: int = 2000, today: date, seed: int = 2026, slug: str = DEMO_SLUG, logins: bool = True
) -> Organization:
    rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not security
    fake = Faker("en_US")
    fake.seed_instance(seed)
    org = organization_create(
        slug=slug,
        name="Summit Recovery Partners",
        kind="agency",
        currency="USD",
        country="US",
        timezone="America/New_York",
        actor_label="demo",
        legal_name="Summit Recovery Partners LLC",
        address="100 Summit Plaza, Suite 400\nAlbany, NY 12207",
        phone="+15185550100",
        # Off, so that a newcomer can try every role at once; `arrears demo` says so with the logins.
        mfa_policy="off",
    )
    actor = system_principal(org.pk, "demo")
    clients = [
        client_create(organization=org, code="northwind-bank", name="Northwind Bank", actor=actor),
        client_create(organization=org, code="harbor-health", name="Harbor Health System", actor=actor),
        client_create(organization=org, code="metro-utilities", name="Metro Utilities Co.", actor=actor),
    ]
    # The demo's calls are the collector's (the collector dashboards show them), or the system's.
    caller = actor
    if logins:
        users = _create_logins(org, clients[0], actor)
        caller = Principal(org.pk, Role.COLLECTOR, user_id=users["collector"].pk, label="collector")

    debtors = _make_debtors(rng, fake, org, actor, count=int(accounts * 0.85))  # some owe several accounts

    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]
    # Draw every account first, then write them in batches: one `accounts_open_many` per client, one
    # `ledger_post_many` for the whole history, the calls a day at a time through the compliance gate,
    # and the status moves in one `accounts_transition_many` per step (as an import or a nightly run
    # would; one account at a time took minutes).
    drawn: list[tuple[Client, NewAccount, Debtor, str]] = []
    for n in range(accounts):
        debtor, state = debtors[n] if n < len(debtors) else rng.choice(debtors)
        client = clients[n % 3]
        # Spread delinquency over every aging bucket, up to 4 years back.
        base_days = rng.choice([0, 10, 45, 75, 100, 150, 250, 400, 800, 1300])
        delinquent_days = base_days + rng.randrange(10) if base_days else 0
        delinquent_since = today - timedelta(days=delinquent_days) if delinquent_days else None
        charged_off = None
        if delinquent_since and delinquent_days > 200:
            charged_off = delinquent_since + timedelta(days=180)
        principal = Decimal(rng.randrange(8000, 950000)) / 100
        interest = (principal * Decimal(rng.choice([0, 0, 3, 7, 12])) / 100).quantize(Decimal("0.01"))
        fees = Decimal(rng.choice([0, 0, 25, 35, 50]))
        is_consumer = client.code != "metro-utilities" or rng.random() < 0.8
        new = NewAccount(
            reference=f"{client.code[:3].upper()}-{100000 + n}",
            currency="USD",
            debtor_ids=[debtor.pk],
            principal=principal,
            interest=interest,
            fees=fees,
            itemization_date=(delinquent_since or today) - timedelta(days=rng.randrange(30, 90)),
            fields={
                "original_creditor": client.name,
                "current_creditor": client.name,
                "debt_type": DebtType.CONSUMER if is_consumer else DebtType.COMMERCIAL,
                "opened_on": (delinquent_since or today) - timedelta(days=rng.randrange(200, 2000)),
                "due_on": delinquent_since,
                "delinquent_since": delinquent_since,
                "charged_off_on": charged_off,
                "interest_rate": Decimal(rng.choice(["0", "6", "9.5", "18"])),
                "jurisdiction_country": "US",
                "jurisdiction_state": state,
                "placed_on": today - timedelta(days=rng.randrange(1, 400)),
            },
        )
        drawn.append((client, new, debtor, rng.choices(statuses, weights)[0]))

    ids_by_reference: dict[str, int] = {}
    for client in clients:
        batch = [new for c, new, _, _ in drawn if c.pk == client.pk]
        ids = accounts_open_many(client=client, accounts=batch, actor=actor)
        ids_by_reference.update(zip((new.reference for new in batch), ids, strict=True))
    opened = {
        a.pk: a
        for a in accounts_in_organization(organization_id=org.pk, account_ids=list(ids_by_reference.values()))
    }
    book = [(opened[ids_by_reference[new.reference]], debtor, target) for _, new, debtor, target in drawn]

    _ledger_history(rng, book, actor, today)
    reversal = next((a for n, (a, _, target) in enumerate(book) if target == S.ACTIVE and n > 10), None)
    if reversal is not None:
        _payment_then_reversal(reversal, actor, today)
    # The balances after the history: one read of the book, not one query per account.
    fresh = {
        a.pk: a
        for a in accounts_in_organization(organization_id=org.pk, account_ids=[a.pk for a, _, _ in book])
    }
    book = [(fresh[a.pk], debtor, target) for a, debtor, target in book]
    _calls(rng, book, caller, today)
    _work(rng, book, actor, today)
    for step in range(2):
        moves = [(a.pk, path[step]) for a, _, t in book if len(path := PATHS.get(t, [t])) > step]
        accounts_transition_many(moves=[m for m in moves if m[1] != S.NEW], actor=actor, reason="demo data")
    seed_scoring(clients=clients, accounts=accounts, today=today, actor=actor)
    seed_automation(organization=org, today=today)
    demo_reports(organization_id=org.pk, today=today)
    return org


CALL_OUTCOMES = ["no_answer", "no_answer", "voicemail", "busy", "right_party_contact", "wrong_number"]


def _work(rng: random.Random, book: list[tuple[Account, Debtor, str]], actor: Principal, today: date) -> None:
    """What collectors did: promises, plans, holds and notes. Promises and plans are written in one
    batch each (`promises_create_many`, `plans_create_many`), as a day's calls would leave them."""
    from arrears.compliance.services import hold_place
    from arrears.core.money import Money
    from arrears.payments.services import (
        PlanSpec,
        PlanTerms,
        PromiseSpec,
        plans_create_many,
        promises_create_many,
    )

    promises: list[PromiseSpec] = []
    plans: list[PlanSpec] = []
    for n, (account, _, target) in enumerate(book):
        owed = account.balance_total
        if target == S.PROMISED and owed > 0:
            promises.append(
                PromiseSpec(
                    account.pk,
                    Money.of(max(owed * Decimal("0.1"), Decimal("1")), account.currency),
                    today + timedelta(days=rng.randrange(3, 20)),
                    channel="call",
                    note="promised on the phone",
                    made_on=today,
                )
            )
        elif target == S.ON_PLAN and owed > 0:
            terms = PlanTerms(
                frequency="monthly",
                installments=rng.choice([3, 6, 12]),
                first_due=today + timedelta(days=rng.randrange(5, 25)),
            )
            plans.append(PlanSpec(account.pk, terms))
        elif target == S.DISPUTED:
            hold_place(
                kind="dispute",
                actor=actor,
                account=account,
                reason="consumer disputes the amount in writing",
                details={"written": True},
                effective_on=today - timedelta(days=rng.randrange(1, 20)),
            )
        elif target == S.ON_HOLD:
            hold_place(
                kind="bankruptcy",
                actor=actor,
                account=account,
                reason="chapter 7 notice received",
                effective_on=today - timedelta(days=rng.randrange(1, 60)),
            )
        if n % 6 == 0 and rng.random() < 0.5:
            account_note_add(account=account, body=rng.choice(NOTES), actor=actor)
    promises_create_many(promises=promises, actor=actor)
    plans_create_many(plans=plans, actor=actor, today=today)


def _calls(
    rng: random.Random, book: list[tuple[Account, Debtor, str]], actor: Principal, today: date
) -> None:
    """Calls of the last weeks, a day at a time (oldest first) through the compliance gate, so each
    day's decisions see the calls before them."""
    from arrears.contact.services import OutboundAttempt, outbound_attempts_record_many

    by_day: dict[int, list[OutboundAttempt]] = {}
    for n, (account, debtor, target) in enumerate(book):
        if n % 6 or target not in WORKABLE:
            continue
        phone = debtor.contact_points.filter(kind="phone").first()
        for days_ago in sorted(rng.sample(range(2, 40), rng.randint(1, 3)), reverse=True):
            outcome = rng.choice(CALL_OUTCOMES)
            by_day.setdefault(days_ago, []).append(OutboundAttempt(account, debtor, "call", outcome, phone))
    for days_ago in sorted(by_day, reverse=True):
        # 19:00 UTC is early afternoon in every zone the demo uses.
        at = datetime.combine(today - timedelta(days=days_ago), time(19, rng.randrange(60)), tzinfo=UTC)
        outbound_attempts_record_many(attempts=by_day[days_ago], at=at, actor=actor)


NOTES = [
    "Debtor says the balance is higher than expected; sent itemization.",
    "Asked to be called after 5pm on weekdays.",
    "Wife answered; did not discuss the debt. Will try the mobile.",
    "Lost job last month; may qualify for a hardship plan.",
]


def _create_logins(org: Organization, viewer_client, actor: Principal) -> dict[str, User]:
    users: dict[str, User] = {}
    for login in LOGINS:
        user = user_create(
            username=login.username,
            password=DEMO_PASSWORD,
            email=f"{login.username}@demo.arrears.invalid",
            is_staff=login.role == Role.ADMIN,
            is_superuser=login.role == Role.ADMIN,
        )
        membership_grant(
            organization=org,
            user=user,
            role=login.role,
            actor=actor,
            clients=[viewer_client] if login.role == Role.CLIENT_VIEWER else None,
        )
        users[login.username] = user
    return users


def _make_debtors(
    rng: random.Random, fake: Faker, org: Organization, actor: Principal, count: int
) -> list[tuple[Debtor, str]]:
    """Debtors with addresses, phones (some in another state's zone), emails and SMS consents.

    Written in batches through the debtors app's services, as an import would.
    """
    from arrears.debtors.domain import address_line, normalize_phone
    from arrears.debtors.selectors import debtors_in_bulk
    from arrears.debtors.services import (
        ConsentSpec,
        ContactPointSpec,
        consents_record_many,
        contact_points_add_many,
        contact_points_locate,
        debtor_spec,
        debtors_create_many,
    )

    specs = []
    states = []
    for _ in range(count):
        first, last = fake.first_name(), fake.last_name()
        ssn = f"9{rng.randrange(10, 99)}-{rng.randrange(70, 99)}-{rng.randrange(1000, 9999)}"
        specs.append(
            debtor_spec(
                first_name=first,
                last_name=last,
                date_of_birth=fake.date_of_birth(minimum_age=21, maximum_age=85),
                national_id=ssn,
            )
        )
        states.append(rng.choice(list(STATES)))
    ids = debtors_create_many(organization_id=org.pk, actor=actor, debtors=specs)
    found = debtors_in_bulk(ids=ids)
    people = [(found[pk], state) for pk, state in zip(ids, states, strict=True)]

    points: list[ContactPointSpec] = []
    sms_consent: list[int] = []  # positions in points

    def point(
        debtor: Debtor, kind: str, label: str, value: str, *, primary: bool = False, **address: str
    ) -> int:
        points.append(
            ContactPointSpec(
                debtor_id=debtor.pk,
                kind=kind,
                label=label,
                value=value,
                source="demo",
                is_primary=primary,
                **address,
            )
        )
        return len(points) - 1

    for debtor, state in people:
        _, prefix, city = STATES[state]
        parts = {
            "line1": fake.street_address(),
            "city": city,
            "state": state,
            "postal_code": f"{prefix}{rng.randrange(10, 99)}",
            "country": "US",
        }
        point(debtor, "address", "home", address_line(**parts), primary=True, **parts)
        mobile_number = normalize_phone(_phone(rng, state))
        mobile = point(debtor, "phone", "mobile", mobile_number, primary=True)
        if rng.random() < 0.5:
            sms_consent.append(mobile)
        if rng.random() < 0.3:
            # A phone from another state: the contact window must respect both zones.
            other = normalize_phone(_phone(rng, rng.choice(list(STATES))))
            if other != mobile_number:
                point(debtor, "phone", rng.choice(["home", "work"]), other)
        if rng.random() < 0.7:
            domain = rng.choice(["example.com", "example.net", "example.org"])
            point(
                debtor,
                "email",
                "personal",
                f"{debtor.first_name}.{debtor.last_name}{rng.randrange(100)}@{domain}".lower(),
            )
    point_ids = contact_points_add_many(organization_id=org.pk, actor=actor, points=points, locate=False)
    # As after an import: the phones' time zones, which the compliance gate reads.
    contact_points_locate(organization_id=org.pk)
    consents_record_many(
        organization_id=org.pk,
        actor=actor,
        consents=[
            ConsentSpec(
                debtor_id=points[i].debtor_id,
                contact_point_id=point_ids[i],
                channel="sms",
                kind="consent",
                granted=True,
                source="original creditor application",
            )
            for i in sms_consent
        ],
    )
    audit_record(
        actor=actor,
        event=Event.DEMO_DEBTORS_SEEDED,
        subject_type="organization",
        subject_id=org.pk,
        data={"debtors": len(people), "contact_points": len(points), "sms_consents": len(sms_consent)},
    )
    return people


def _ledger_history(
    rng: random.Random, book: list[tuple[Account, Debtor, str]], actor: Principal, today: date
) -> None:
    """Interest accruals, payments and settlement write-offs that fit the status each account will end
    in. The payments are real payments (`payments_post`, one batch, several methods), as a lockbox or a
    provider would bring them in, so the payments app, its analytics and the model see them."""
    from arrears.core.money import Money
    from arrears.ledger.domain import ALLOCATION_ORDERS, allocate
    from arrears.ledger.services import Posting, ledger_post_many
    from arrears.payments.services import PaymentRequest, payments_post

    accruals: list[Posting] = []
    payments: list[PaymentRequest] = []
    writeoffs: list[Posting] = []
    methods, method_weights = ["card", "ach", "check", "portal", "cash"], [35, 30, 15, 12, 8]

    def pay(account: Account, balances: dict[str, Decimal], amount: Decimal, on: date) -> None:
        if amount <= 0:
            return
        split = allocate(amount, balances=balances, order=ALLOCATION_ORDERS[account.allocation_order])
        for b, v in split.applied.items():
            balances[b] -= v
        payments.append(
            PaymentRequest(
                account=account.pk,
                amount=Money.of(amount, account.currency),
                method=rng.choices(methods, method_weights)[0],
                # 15:00 UTC: the same calendar day in every zone the demo uses.
                received_at=datetime.combine(on, time(15, rng.randrange(60)), tzinfo=UTC),
                idempotency_key=f"demo-payment-{account.pk}",
            )
        )

    for account, _, target in book:
        balances = {b: getattr(account, f"balance_{b}") for b in ("principal", "interest", "fees", "costs")}
        if account.interest_rate and rng.random() < 0.6:
            accrued = (account.balance_principal * account.interest_rate / 100 / 12).quantize(Decimal("0.01"))
            if accrued:
                entry = EntrySpec(EntryKind.INTEREST, Bucket.INTEREST, accrued, "monthly interest")
                on = today - timedelta(days=rng.randrange(1, 30))
                accruals.append(
                    Posting(account.pk, [entry], on, ("demo", "interest"), Event.LEDGER_INTEREST_ACCRUED)
                )
                balances["interest"] += accrued
        owed = sum(balances.values(), Decimal(0))
        if target == S.PAID:
            pay(account, balances, owed, today - timedelta(days=rng.randrange(1, 60)))
        elif target == S.SETTLED:
            pay(
                account,
                balances,
                (owed * Decimal("0.6")).quantize(Decimal("0.01")),
                today - timedelta(days=rng.randrange(1, 60)),
            )
            writeoff = [
                EntrySpec(EntryKind.WRITE_OFF, b, -v, "settlement remainder")
                for b, v in balances.items()
                if v > 0
            ]
            if writeoff:
                writeoffs.append(
                    Posting(account.pk, writeoff, today, ("demo", "settlement"), Event.LEDGER_WRITTEN_OFF)
                )
        elif target in (S.ON_PLAN, S.PROMISED, S.ACTIVE) and rng.random() < 0.5:
            share = Decimal(rng.choice(["0.05", "0.1", "0.2"]))
            pay(
                account,
                balances,
                (owed * share).quantize(Decimal("0.01")),
                today - timedelta(days=rng.randrange(1, 90)),
            )
    if accruals:
        ledger_post_many(postings=accruals, actor=actor)
    payments_post(requests=payments, actor=actor)
    if writeoffs:
        ledger_post_many(postings=writeoffs, actor=actor)


def _payment_then_reversal(account, actor: Principal, today: date) -> None:
    """One returned payment (NSF) in the book, so the demo shows a reversal."""
    from arrears.core.money import Money
    from arrears.payments.services import PaymentRequest, payment_reverse, payments_post

    on = today - timedelta(days=12)
    (payment,) = payments_post(
        requests=[
            PaymentRequest(
                account=account.pk,
                amount=Money.of(Decimal("150.00"), account.currency),
                method="check",
                received_at=datetime.combine(on, time(15, 0), tzinfo=UTC),
                idempotency_key=f"demo-nsf-{account.pk}",
            )
        ],
        actor=actor,
    )
    payment_reverse(
        payment=payment, reason="NSF: payment returned by the bank", actor=actor, on=today - timedelta(days=8)
    )
