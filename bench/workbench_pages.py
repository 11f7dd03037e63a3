"""The account page and its panels at p50/p95, next to a trivial view in the same run (PostgreSQL).

    # on a copy of the 1M template (see docs/benchmarks.md), or any database with an organization:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arrears_collector_1m \\
        .venv/bin/python -m bench workbench_pages --org bench --requests 300

    # small scale, building its own organization first (generated rows, imported by the importer):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arrears_collector \\
        .venv/bin/python -m bench workbench_pages --build 20000 --requests 200

What is timed, in-process through Django's full middleware stack (sessions, auth, CSRF, htmx, the time
zone) as a logged-in collector, one request after the other, the kinds interleaved so that all see the
same machine load:
  trivial     a view behind the same login that returns "ok" (the floor of a request)
  page        GET /accounts/<id>/: the account page as the browser first gets it
  queue       GET /queue/: the collector's ranked work queue (25 accounts, each passed through the
              compliance gate; --score first stores every account's score, which it ranks by)
  panels      the htmx panels that page loads next, each timed alone: money (promises, plans,
              settlements, payments), timeline, contact-now (the compliance decision per channel),
              the call form, and the status line
Accounts are drawn at random from the organization; --history of them first get a history through
the services (a call, a promise, two payments, a note, a plan on some), and half the page requests
go to those, so the figures include accounts with something to show.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")
ROOT = Path(__file__).resolve().parents[1]

urlpatterns: list = []  # filled in main(): the project's URLs plus the trivial view


def _trivial(request):  # noqa: ANN001, ANN202 - a bench view
    from django.http import HttpResponse

    return HttpResponse("ok")


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own commands, fixed arguments


def _build(rows: int, slug: str) -> None:
    """An organization with `rows` generated accounts, through the real commands."""
    arrears = str(ROOT / ".venv/bin/arrears")
    out = ROOT / f"var/bench/workbench-{rows}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    _run([arrears, "migrate", "--no-input"])
    _run([arrears, "org", "create", "--slug", slug, "--name", "Bench Agency", "--kind", "agency",
          "--currency", "USD", "--country", "US", "--timezone", "America/New_York"])  # fmt: skip
    _run([arrears, "client", "create", "--org", slug, "--code", "BENCH", "--name", "Bench Creditor"])
    _run([sys.executable, str(ROOT / "bench/gen_accounts.py"), "--rows", str(rows), "--out", str(out)])
    _run([arrears, "import", "accounts", str(out), "--client", "BENCH", "--org", slug, "--skip-invalid"])


def _history(account_ids: list[int], organization_id: int, today: date) -> None:
    from arrears.accounts.selectors import account_by_id
    from arrears.accounts.services import account_note_add
    from arrears.contact.calls import call_log
    from arrears.core.errors import ArrearsError
    from arrears.core.money import Money
    from arrears.payments.services import PlanTerms, payment_post, plan_create, promise_create
    from arrears.tenancy.domain import system_principal

    actor = system_principal(organization_id, "bench")
    now = datetime.now(tz=UTC)
    for n, pk in enumerate(account_ids):
        account = account_by_id(account_id=pk)
        try:
            phone = next(
                (cp.value for ad in account.account_debtors.all() for cp in ad.debtor.contact_points.all()
                 if cp.kind == "phone"),
                None,
            )  # fmt: skip
            if phone:
                call_log(accounts=[account], number=phone, direction="inbound", outcome="right_party_contact",
                         started_at=now - timedelta(minutes=5), ended_at=now, actor=actor)  # fmt: skip
            promise_create(account=account, amount=Money(Decimal("25.00"), account.currency),
                           due_on=today + timedelta(days=10), actor=actor)  # fmt: skip
            for i in range(2):
                payment_post(account=account, amount=Money(Decimal("10.00"), account.currency),
                             method="check", received_at=now, actor=actor,
                             idempotency_key=f"bench-wb-{pk}-{i}")  # fmt: skip
            account_note_add(account=account, body="bench: called, promised, paid twice", actor=actor)
            if n % 3 == 0:
                account.refresh_from_db()
                plan_create(account=account, terms=PlanTerms(frequency="monthly", installments=6,
                            first_due=today + timedelta(days=30)), actor=actor)  # fmt: skip
        except ArrearsError as exc:  # an account with nothing owed, say: it keeps what it got
            print(f"history for {pk}: {exc.code}", file=sys.stderr)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench", help="the organization's slug")
    parser.add_argument("--build", type=int, default=0, help="first build an organization of this many rows")
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--history", type=int, default=100, help="accounts given a history first")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--score", action="store_true", help="score every account first (the queue ranks by score)"
    )
    parser.add_argument(
        "--at",
        default="",
        help="run as of this ISO instant, the clock ticking (calling hours: 2026-12-07T17:00Z)",
    )
    args = parser.parse_args()

    import django

    if args.build:
        _build(args.build, args.org)
    if args.at:  # the queue's gate answers for a call now: bench it in calling hours, whatever the hour
        import time_machine

        time_machine.travel(datetime.fromisoformat(args.at), tick=True).start()
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import include, path

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from arrears.tenancy.auth import staff_view

    urlpatterns[:] = [
        path("bench-trivial/", staff_view()(lambda request, principal: _trivial(request))),
        path("", include("arrears.urls")),
    ]
    settings.ROOT_URLCONF = __name__

    from arrears.tenancy.choices import Role
    from arrears.tenancy.domain import system_principal
    from arrears.tenancy.models import Membership, User
    from arrears.tenancy.selectors import organization_resolve
    from arrears.tenancy.services import membership_grant

    org = organization_resolve(slug=args.org)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_account WHERE organization_id = %s", [org.pk])
        total = cursor.fetchone()[0]
        # A random sample without reading every id: the id range is dense enough after an import.
        cursor.execute(
            "SELECT id FROM accounts_account WHERE organization_id = %s AND id >= "
            "(SELECT min(id) + floor(random() * (max(id) - min(id)))::int FROM accounts_account "
            " WHERE organization_id = %s) ORDER BY id LIMIT %s",
            [org.pk, org.pk, max(args.requests, args.history) * 4],
        )
        pool = [r[0] for r in cursor.fetchall()]
    rng = random.Random(args.seed)
    rng.shuffle(pool)
    worked = pool[: args.history]
    started = time.perf_counter()
    _history(worked, org.pk, datetime.now(tz=UTC).date())
    history_seconds = time.perf_counter() - started

    if args.score:  # the queue ranks by the stored scores: score every account first (untimed)
        from arrears.scoring.services import accounts_score

        started = time.perf_counter()
        scored = accounts_score(organization_id=org.pk, at=datetime.now(tz=UTC))
        print(f"scored {scored:,} accounts in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    user, _ = User.objects.get_or_create(username="bench-collector")
    if not Membership.objects.filter(user=user, organization=org).exists():
        membership_grant(
            organization=org, user=user, role=Role.COLLECTOR, actor=system_principal(org.pk, "bench")
        )
    browser = Client()
    browser.force_login(user)
    browser.get("/bench-trivial/")  # the session's first request reads the time zone once

    kinds = {
        "trivial": lambda pk: "/bench-trivial/",
        "page": lambda pk: f"/accounts/{pk}/",
        "money": lambda pk: f"/accounts/{pk}/money/",
        "timeline": lambda pk: f"/accounts/{pk}/timeline/",
        "contact_now": lambda pk: f"/accounts/{pk}/contact-now/",
        "call_form": lambda pk: f"/accounts/{pk}/call/",
        "status": lambda pk: f"/accounts/{pk}/status/",
        "queue": lambda pk: "/queue/",
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for i in range(args.requests):
        pk = worked[i % len(worked)] if i % 2 == 0 and worked else pool[i % len(pool)]
        for kind, make in kinds.items():
            begin = time.perf_counter()
            response = browser.get(
                make(pk), HTTP_HX_REQUEST="true" if kind not in ("trivial", "page", "queue") else ""
            )
            elapsed = (time.perf_counter() - begin) * 1000
            if response.status_code != 200:
                print(f"{kind} {make(pk)} -> {response.status_code}", file=sys.stderr)
                return 1
            times[kind].append(elapsed)

    result = {
        "accounts_in_org": total,
        "requests_each": args.requests,
        "accounts_with_history": len(worked),
        "history_seconds": round(history_seconds, 1),
        "ms": {
            k: {
                "p50": round(statistics.median(v), 1),
                "p95": round(_pct(v, 0.95), 1),
                "max": round(max(v), 1),
            }
            for k, v in times.items()
        },
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu, "
        f"Python {platform.python_version()}",
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
