"""Render and queue 100,000 emails, 100,000 texts and 20,000 letters, each through the compliance gate,
on PostgreSQL; then print the letters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arrears_bench \\
        .venv/bin/python -m bench.contact_batch --accounts 100000 --letters 20000

On a fresh organization (the database is migrated first) it writes --accounts consumer accounts, each
with a debtor in New York, a mobile with SMS consent, an email, an address and a ledger charge. The gate
gets real work: 1% of debtors have a cease-communication hold, 2% opted out of email, 5% gave
inconvenient times, and 10% have one to three calls in the last week. Setup is not timed; it ends
with the phones' time zones stored (``contact_points_locate``, what an import's follow-up task does),
timed on its own.

Timed first, the gate alone: ``compliance.services.decide_many`` over every account in chunks of --chunk
(the targets looked up, facts prefetched, decisions and their audit events stored), for emails, texts
and letters, in this process and then in --workers processes at once (what several ``db_worker``s
running a nightly batch do). Decisions/s is per wall second of the whole phase.

Then, each in transactions of --chunk accounts, one process (one core):
- emails and texts: ``contact.batch.messages_queue_many``: the batch gate (facts prefetched for the
  chunk, ``compliance.domain.evaluate`` per message, decisions and their audit events stored with one
  insert each), rendering in the sandbox, outbox rows and audit events. The time inside the gate is
  measured on its own: that is the decisions/s figure;
- letters: queued the same way, then printed: ``letter_batch_create`` (the gate again, at print time)
  and ``letter_batch_complete`` (one WeasyPrint document per batch of --letter-batch letters, the print
  PDF and the manifest CSV, letters marked sent with their timeline rows). Letters/s is the printing.
Baselines, next to them:
- ``compliance.services.decide`` one call per message, for --single messages: what a loop would do;
- WeasyPrint rendering each letter as its own document, for --single-letters letters.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")
NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # a Tuesday, 10:30 in New York


LOCATE: dict[str, float] = {}


class Stopwatch:
    """Wall and CPU seconds spent inside a function (the machine is shared: CPU time is this process's)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu = 0.0
        self.calls = 0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.cpu += time.process_time() - cpu
                self.calls += 1

        return timed


def setup(n: int, seed: int):
    from arrears.accounts.models import Account, AccountDebtor
    from arrears.attempts.models import ContactAttempt
    from arrears.compliance.models import Hold
    from arrears.contact.models import OrganizationBranding
    from arrears.core.clock import utcnow
    from arrears.debtors.domain import name_key
    from arrears.debtors.models import ConsentRecord, ContactPoint, Debtor
    from arrears.ledger.services import EntrySpec, Posting, ledger_post_many
    from arrears.tenancy.domain import system_principal
    from arrears.tenancy.services import client_create, organization_create

    rng = random.Random(seed)
    run = datetime.now(tz=UTC).strftime("%Y%m%d%H%M%S")
    org = organization_create(
        slug=f"bench-contact-{run}", name="Bench Recovery", kind="agency", currency="USD", country="US",
        timezone="America/New_York",
    )  # fmt: skip
    org.legal_name, org.address, org.phone = (
        "Bench Recovery LLC",
        "PO Box 1\nAlbany, NY 12201",
        "(800) 555-0100",
    )
    org.save(update_fields=["legal_name", "address", "phone"])
    OrganizationBranding.objects.create(
        organization=org, envelope_name="BR Services", return_address=org.address
    )
    actor = system_principal(org.pk, "bench")
    client = client_create(organization=org, code="bench", name="Bench Bank", actor=actor)
    first = ["Maria", "James", "Aiko", "Lukas", "Fatima", "Sean", "Olga", "Kwame", "Ines", "Noah"]
    last = ["Bernasconi", "Smith", "Tanaka", "Muller", "Haddad", "OBrien", "Ivanova", "Mensah", "Garcia"]
    now = utcnow()
    debtors = []
    for i in range(n):
        f, la = rng.choice(first), f"{rng.choice(last)}{i}"
        windows = [{"days": ["mon", "tue"], "start": "18:00", "end": "21:00"}] if rng.random() < 0.05 else []
        debtors.append(
            Debtor(
                organization=org,
                first_name=f,
                last_name=la,
                name_key=name_key(f, "", la),
                inconvenient_times=windows,
            )  # fmt: skip
        )
    Debtor.objects.bulk_create(debtors, batch_size=5000)
    points, phones = [], []
    for i, d in enumerate(debtors):
        phone = ContactPoint(organization=org, debtor=d, kind="phone", label="mobile", value=f"+1212{i:07d}",
                             status="valid", is_primary=True)  # fmt: skip
        phones.append(phone)
        points += [
            phone,
            ContactPoint(organization=org, debtor=d, kind="email", label="personal",
                         value=f"{d.first_name.lower()}.{i}@example.com", status="valid", is_primary=True),
            ContactPoint(organization=org, debtor=d, kind="address", label="home",
                         value=f"{i} Main St, New York, NY 10001", line1=f"{i} Main St", city="New York",
                         state="NY", postal_code="10001", country="US", status="valid", is_primary=True),
        ]  # fmt: skip
    ContactPoint.objects.bulk_create(points, batch_size=5000)
    # What the import's follow-up task does: store each phone's time zones (not timed with the rest).
    from arrears.debtors.services import contact_points_locate

    started = time.perf_counter()
    located = contact_points_locate(organization_id=org.pk)
    LOCATE["phones"], LOCATE["seconds"] = located, round(time.perf_counter() - started, 2)
    consents = [
        ConsentRecord(
            organization=org,
            debtor=p.debtor,
            contact_point=p,
            channel="sms",
            kind="consent",
            granted=True,
            recorded_at=NOW - timedelta(days=30),
            source="bench",
        )  # fmt: skip
        for p in phones
    ]
    for p in points:
        if p.kind == "email" and rng.random() < 0.02:
            consents.append(
                ConsentRecord(
                    organization=org,
                    debtor=p.debtor,
                    contact_point=p,
                    channel="email",
                    kind="opt_out",
                    granted=True,
                    recorded_at=NOW - timedelta(days=3),
                    source="bench",
                )  # fmt: skip
            )
    ConsentRecord.objects.bulk_create(consents, batch_size=5000)
    accounts = [
        Account(
            organization=org,
            client=client,
            reference=f"B-{i:07d}",
            currency="USD",
            current_creditor="Bench Bank",
            jurisdiction_state="NY",
            delinquent_since=(NOW - timedelta(days=200)).date(),
        )  # fmt: skip
        for i in range(n)
    ]
    Account.objects.bulk_create(accounts, batch_size=5000)
    AccountDebtor.objects.bulk_create(
        [
            AccountDebtor(organization=org, account=a, debtor=d)
            for a, d in zip(accounts, debtors, strict=True)
        ],
        batch_size=5000,
    )
    for start in range(0, n, 5000):
        ledger_post_many(
            postings=[
                Posting(account_id=a.pk, effective_on=(NOW - timedelta(days=200)).date(),
                        entries=[EntrySpec("charge", "principal", Decimal(rng.randint(5000, 500000)) / 100)])
                for a in accounts[start : start + 5000]
            ],
            actor=actor,
        )  # fmt: skip
    Hold.objects.bulk_create(
        [
            Hold(
                organization=org,
                kind="cease_communication",
                debtor=d,
                effective_on=NOW.date(),
                placed_at=now,
                placed_by_label="bench",
            )  # fmt: skip
            for d in debtors
            if rng.random() < 0.01
        ]
    )
    history = []
    links = []
    for a, d, p in zip(accounts, debtors, phones, strict=True):
        if rng.random() < 0.10:
            for k in range(rng.randint(1, 3)):
                attempt = ContactAttempt(organization=org, debtor=d, contact_point=p, channel="call",
                                         direction="outbound", outcome="no_answer", target=p.value,
                                         at=NOW - timedelta(days=k + 1, hours=3))  # fmt: skip
                history.append(attempt)
                links.append((attempt, a))
    ContactAttempt.objects.bulk_create(history, batch_size=5000)
    through = ContactAttempt.accounts.through
    through.objects.bulk_create(
        [through(contactattempt_id=h.pk, account_id=a.pk) for h, a in links], batch_size=5000
    )
    # Fresh planner statistics, as autovacuum keeps them on a live database: without them PostgreSQL
    # takes the tables just filled for empty ones and scans them whole.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return org, actor, accounts


def templates(org, actor):
    from arrears.contact.messaging import template_save

    email = template_save(
        organization=org, key="bench", channel="email", actor=actor,
        subject="{{ organization.name }}: account {{ account.reference }}",
        body=(
            "Dear {{ debtor.first_name }} {{ debtor.last_name }},\n\n"
            "The balance of your account {{ account.reference }} with {{ account.creditor }} is "
            "{{ account.balance }} (principal {{ account.balances.principal }}).\n"
            "{% if plan %}Your next installment is {{ plan.next_amount }}.{% else %}You can pay online: "
            "{{ portal_url }}{% endif %}\n\n{{ debt_collector_disclosure }}\n\n"
            "To stop these emails: {{ unsubscribe_url }}"
        ),
    )  # fmt: skip
    sms = template_save(
        organization=org, key="bench", channel="sms", actor=actor,
        body=(
            "{{ organization.name }}: {{ debtor.first_name }}, {{ account.balance }} is due on "
            "{{ account.reference }}. Pay at {{ portal_url }} From a debt collector. Reply STOP to opt out."
        ),
    )  # fmt: skip
    letter = template_save(
        organization=org, key="bench", channel="letter", actor=actor,
        body=(
            "<p>Dear {{ debtor.first_name }} {{ debtor.last_name }},</p>"
            "<p>This communication is from a debt collector. We are trying to collect a debt that you owe to "
            "{{ account.creditor }}. We will use any information you give us to help collect the debt.</p>"
            "<p>The amount due on account {{ account.reference }} is <strong>{{ account.balance }}</strong>: "
            "principal {{ account.balances.principal }}, interest {{ account.balances.interest }}, fees "
            "{{ account.balances.fees }}.</p><p>Call us at {{ organization.phone }} or pay at "
            "{{ portal_url }}.</p><p>Sincerely,<br>{{ organization.legal_name }}</p>"
        ),
    )  # fmt: skip
    return email, sms, letter


def _worker_setup() -> None:
    import django

    django.setup()


def _ready(_: int) -> None:
    time.sleep(0.2)  # long enough that every worker takes one: all have started and set up Django


CALIBRATION = "sorted(str(i) for i in range(1000))"


def calibrate(number: int = 200, repeat: int = 5) -> float:
    """Microseconds for a fixed piece of pure Python: the same work on any machine, and on this one at
    different moments (its speed changes by up to two times from one second to the next)."""
    import timeit

    return min(timeit.repeat(CALIBRATION, number=number, repeat=repeat)) / number * 1e6


def gate_chunk(task: tuple[str, int, list[int]]) -> tuple[float, float, int, float]:
    """Decide one chunk as a batch writer would: the accounts' targets looked up (as
    ``messages_queue_many`` does), then ``decide_many`` in a transaction. Returns the wall and CPU
    seconds inside ``decide_many``, how many were allowed, and the calibration just before (not timed).
    Runs in a worker process or in this one."""
    from django.db import transaction

    from arrears.accounts.models import Account
    from arrears.accounts.selectors import primary_debtor_ids
    from arrears.compliance.gather import ACCOUNT_FIELDS
    from arrears.compliance.services import GateRequest, decide_many
    from arrears.contact.batch import _points_by_debtor
    from arrears.tenancy.domain import system_principal

    channel, organization_id, ids = task
    speed = calibrate(number=20, repeat=3)
    actor = system_principal(organization_id, "bench")
    # The accounts with the columns the gate reads, as a caller that only decides reads them.
    accounts = list(Account.objects.filter(pk__in=ids).order_by("id").only(*ACCOUNT_FIELDS))
    primary = primary_debtor_ids(ids)
    kind = {"email": "email", "sms": "phone", "letter": "address"}[channel]
    # The target each account's message would go to, as ``messages_queue_many`` picks it, read with
    # only the columns the gate uses: the gate is what is measured.
    points = _points_by_debtor(set(primary.values()), kind, for_rendering=False)
    requests = [GateRequest(account=a, channel=channel, target=points[primary[a.pk]]) for a in accounts]
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        results = decide_many(requests=requests, at=NOW, actor=actor)
    return time.perf_counter() - started, time.process_time() - cpu, sum(r.allowed for r in results), speed


def gate_phase(channel: str, organization_id: int, ids: list[int], chunk: int, workers: int) -> dict:
    """Compliance decisions alone, for every account, in chunks over ``workers`` processes (one: this
    process). Decisions/s is per wall second of the whole phase, target look-ups included."""
    tasks = [(channel, organization_id, ids[i : i + chunk]) for i in range(0, len(ids), chunk)]
    if workers == 1:
        started = time.perf_counter()
        done = [gate_chunk(t) for t in tasks]
        seconds = time.perf_counter() - started
    else:
        import multiprocessing

        from django.db import connections

        connections.close_all()  # each worker opens its own
        with multiprocessing.get_context("spawn").Pool(workers, initializer=_worker_setup) as pool:
            pool.map(_ready, range(workers), chunksize=1)  # started workers, as db_workers are
            started = time.perf_counter()
            done = pool.map(gate_chunk, tasks, chunksize=1)
            seconds = time.perf_counter() - started
    inside = sum(d[0] for d in done)
    cpu = sum(d[1] for d in done)
    sizes = [len(t[2]) for t in tasks]
    speeds = sorted(d[3] for d in done)
    # The chunks decided while the machine ran at full speed (calibration within 25% of this phase's
    # best): what the code does, apart from the machine's slow spells.
    fast = [(n, d) for n, d in zip(sizes, done, strict=True) if d[3] <= speeds[0] * 1.25]
    return {
        "decisions": len(ids), "allowed": sum(d[2] for d in done), "workers": workers,
        "seconds": round(seconds, 2), "decisions_per_s": round(len(ids) / seconds),
        "inside_decide_many_seconds": round(inside, 2), "decisions_per_cpu_s": round(len(ids) / cpu),
        "inside_decide_many_per_s": round(len(ids) / inside * workers),
        "calibration_us": {"best": round(speeds[0]), "median": round(speeds[len(speeds) // 2]),
                           "worst": round(speeds[-1])},
        "full_speed_chunks": len(fast),
        "inside_decide_many_per_s_at_full_speed": round(
            sum(n for n, _ in fast) / sum(d[0] for _, d in fast) * workers
        ),
    }  # fmt: skip


def queue(template, accounts, actor, chunk, gate_watch):
    from django.db import transaction

    from arrears.contact.batch import messages_queue_many

    started = time.perf_counter()
    cpu = time.process_time()
    queued = held = 0
    for start in range(0, len(accounts), chunk):
        with transaction.atomic():
            summary = messages_queue_many(
                template=template, accounts=accounts[start : start + chunk], actor=actor, at=NOW,
                release_when_allowed=True,
            )  # fmt: skip
        queued += summary.queued
        held += summary.held + summary.cancelled
    return time.perf_counter() - started, time.process_time() - cpu, queued, held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="emails and texts queued")
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=2_000, help="accounts per transaction")
    parser.add_argument("--letter-batch", type=int, default=1_000, help="letters per print file")
    parser.add_argument(
        "--single", type=int, default=500, help="decide() one call at a time, for the baseline"
    )
    parser.add_argument("--single-letters", type=int, default=40, help="letters rendered one document each")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--workers", type=int, default=0,
        help="processes for the gate-only phase (default: one per core; 1 runs it in this process)",
    )  # fmt: skip
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)

    import arrears.contact.batch as batch_module
    import arrears.contact.letters as letters_module
    from arrears.compliance.services import decide
    from arrears.contact.letters import letter_batch_complete, letter_batch_create, render_letters
    from arrears.contact.models import OutboundMessage

    started_at = datetime.now(tz=UTC).isoformat(timespec="seconds")
    load_start = [round(x, 2) for x in os.getloadavg()]
    calibration_start = calibrate()
    started = time.perf_counter()
    org, actor, accounts = setup(max(args.accounts, args.letters), args.seed)
    email, sms, letter = templates(org, actor)
    setup_seconds = time.perf_counter() - started
    # The setup's 100,000 accounts stay in this process's memory; a db_worker holds none of them. Out
    # of the collector's way, so that every collection does not walk them again.
    import gc

    gc.collect()
    gc.freeze()
    print(f"setup: {len(accounts)} accounts in {setup_seconds:.0f} s", file=sys.stderr)

    print(f"located {LOCATE['phones']:.0f} phones in {LOCATE['seconds']} s", file=sys.stderr)
    workers = args.workers or os.cpu_count() or 1
    ids = [a.pk for a in accounts]
    gate_only: dict[str, dict] = {}
    for channel, count in (("email", args.accounts), ("sms", args.accounts), ("letter", args.letters)):
        gate_only[channel] = {
            str(w): gate_phase(channel, org.pk, ids[:count], args.chunk, w) for w in sorted({1, workers})
        }
        print(f"gate only, {channel}: {gate_only[channel]}", file=sys.stderr)

    gate = Stopwatch()
    batch_module.decide_many = gate.wrap(batch_module.decide_many)
    letters_module.decide_many = gate.wrap(letters_module.decide_many)
    results: dict[str, dict[str, float]] = {}
    for name, template, count in (("email", email, args.accounts), ("sms", sms, args.accounts)):
        before, before_cpu = gate.seconds, gate.cpu
        speed = calibrate()
        seconds, cpu, queued, held = queue(template, accounts[:count], actor, args.chunk, gate)
        gate_seconds, gate_cpu = gate.seconds - before, gate.cpu - before_cpu
        results[name] = {
            "messages": count, "queued": queued, "held": held, "seconds": round(seconds, 2),
            "messages_per_s": round(count / seconds), "messages_per_cpu_s": round(count / cpu),
            "gate_seconds": round(gate_seconds, 2), "decisions_per_s": round(count / gate_seconds),
            "decisions_per_cpu_s": round(count / gate_cpu), "calibration_us_before": round(speed),
        }  # fmt: skip
        print(f"{name}: {results[name]}", file=sys.stderr)

    before, before_cpu = gate.seconds, gate.cpu
    seconds, _, queued, held = queue(letter, accounts[: args.letters], actor, args.chunk, gate)
    queue_gate, queue_gate_cpu = gate.seconds - before, gate.cpu - before_cpu
    print_started, print_cpu = time.perf_counter(), time.process_time()
    printed = pages = batches = 0
    render_seconds = 0.0
    render_watch = Stopwatch()
    letters_module.render_letters = render_watch.wrap(render_letters)
    while True:
        made = letter_batch_create(organization=org, actor=actor, at=NOW, limit=args.letter_batch)
        if made is None:
            break
        done = letter_batch_complete(batch_id=made.pk, actor=actor, at=NOW)
        printed += done.letter_count
        pages += done.page_count
        batches += 1
        print(f"  batch {batches}: {done.letter_count} letters", file=sys.stderr)
    print_seconds = time.perf_counter() - print_started
    print_cpu = time.process_time() - print_cpu
    render_seconds = render_watch.seconds
    results["letter"] = {
        "letters": args.letters, "queued": queued, "held": held, "queue_seconds": round(seconds, 2),
        "queue_decisions_per_s": round(args.letters / queue_gate),
        "queue_decisions_per_cpu_s": round(args.letters / queue_gate_cpu), "printed": printed, "pages": pages,
        "print_files": batches, "print_seconds": round(print_seconds, 2),
        "letters_per_s": round(printed / print_seconds, 1),
        "letters_per_cpu_s": round(printed / print_cpu, 1),
        "render_seconds": round(render_seconds, 2), "render_cpu_seconds": round(render_watch.cpu, 2),
    }  # fmt: skip
    print(f"letter: {results['letter']}", file=sys.stderr)

    # Baselines: the gate one call at a time, and one WeasyPrint document per letter.
    sample = accounts[: args.single]
    t0, c0 = time.perf_counter(), time.process_time()
    for account in sample:
        decide(account=account, channel="email", at=NOW, actor=actor)
    single_seconds, single_cpu = time.perf_counter() - t0, time.process_time() - c0
    sent = list(
        OutboundMessage.objects.filter(organization=org, channel="letter", status="sent")
        .select_related("account", "contact_point", "debtor")
        .order_by("id")[: args.single_letters]
    )
    party = letters_module.party_for(org)
    views = letters_module._views(sent, party, NOW.date())
    t0 = time.perf_counter()
    for view in views:
        render_letters([view])
    one_by_one = time.perf_counter() - t0
    from arrears.compliance.domain import evaluate
    from arrears.compliance.gather import facts_bases
    from arrears.compliance.services import GateRequest

    bases = facts_bases(
        requests=[GateRequest(account=a, channel="email") for a in accounts[: args.chunk]], at=NOW
    )
    facts = [b.for_action(channel="email", target=None, purpose="collection")[0] for b in bases]
    t0, c0 = time.perf_counter(), time.process_time()
    for f in facts:
        evaluate(f, now=NOW)
    engine_seconds, engine_cpu = time.perf_counter() - t0, time.process_time() - c0
    baseline = {
        "engine_only_per_s": round(len(facts) / engine_seconds),
        "engine_only_per_cpu_s": round(len(facts) / engine_cpu),
        "decide_one_at_a_time_per_s": round(len(sample) / single_seconds),
        "decide_one_at_a_time_per_cpu_s": round(len(sample) / single_cpu),
        "letters_one_document_each_per_s": round(len(views) / one_by_one, 1),
    }
    # The same pure-Python work on any machine: figures from different machines compare through it.
    calibration_end = calibrate()
    figures = {
        "machine": {
            "python_calibration_us": {
                "start": round(calibration_start, 1),
                "end": round(calibration_end, 1),
            },  # fmt: skip
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgres": connection.pg_version,
        },
        "started": started_at,
        "finished": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "setup_seconds": round(setup_seconds),
        "phones_located": {**LOCATE, "per_s": round(LOCATE["phones"] / LOCATE["seconds"])},
        "gate_only": gate_only,
        **results,
        "baseline": baseline,
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
