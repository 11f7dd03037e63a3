"""Score every account of an organization on PostgreSQL, next to a bare read of the same feature columns.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arrears_scoring_1m \\
        .venv/bin/python -m bench.scoring --org bench --history

Two figures, one right after the other, on the organization's accounts:
- baseline: the feature query alone (`scoring.features.features_sql`: the accounts with their payments,
  calls, promises and plans grouped per account), every row fetched and nothing else done;
- scoring: `scoring.services.accounts_score`: the same query, the feature matrix, the model's probability,
  the expected value and three reason codes per account in numpy, and one `COPY` of the scores.

`--history` first gives the organization's accounts a history with set-based SQL straight into the
tables (for a throw-away benchmark copy only: these payments have no ledger entries): two payments on
every third account, three calls on every second, a promise on every tenth. `--limit N` scores only
the first N accounts (by id) for a quick run at small scale.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")

HISTORY_SQL = [
    # two posted payments on every third account, 40 and 100 days ago
    """
    INSERT INTO payments_payment (organization_id, account_id, amount, currency, method, status, received_at,
        received_on, idempotency_key, reference, split_key, original_currency, reversal_reason, actor_label,
        created_at, updated_at)
    SELECT a.organization_id, a.id, 25 + (a.id %% 50), a.currency, 'ach', 'posted',
        now() - (d || ' days')::interval, (now() - (d || ' days')::interval)::date,
        'bench-' || a.id || '-' || d, '', '', '', '', 'bench', now(), now()
    FROM accounts_account a CROSS JOIN (VALUES (40), (100)) AS days(d)
    WHERE a.organization_id = %(org)s AND a.id %% 3 = 0 {limit}
    ON CONFLICT DO NOTHING
    """,
    # three outbound calls on every second account: no answer, no answer, then a right-party contact
    # on every fourth
    """
    WITH calls AS (
      INSERT INTO contact_contactattempt (organization_id, debtor_id, channel, direction, outcome, target, at,
          notes, created_at, updated_at)
      SELECT a.organization_id, ad.debtor_id, 'call', 'outbound',
          CASE WHEN n = 3 AND a.id %% 4 = 0 THEN 'right_party_contact' ELSE 'no_answer' END,
          '', now() - ((n * 9) || ' days')::interval, 'bench:' || a.id, now(), now()
      FROM accounts_account a JOIN accounts_accountdebtor ad ON ad.account_id = a.id AND ad.role = 'primary'
        CROSS JOIN (VALUES (1), (2), (3)) AS k(n)
      WHERE a.organization_id = %(org)s AND a.id %% 2 = 0 {limit}
      RETURNING id, notes
    )
    INSERT INTO contact_contactattempt_accounts (contactattempt_id, account_id)
    SELECT id, substr(notes, 7)::bigint FROM calls
    """,
    # a promise on every tenth account: kept on every twentieth, broken otherwise
    """
    INSERT INTO payments_promise (organization_id, account_id, amount, currency, made_on, due_on, grace_days,
        channel, note, status, actor_label, created_at, updated_at)
    SELECT a.organization_id, a.id, 50, a.currency, current_date - 60, current_date - 45, 0, 'call', '',
        CASE WHEN a.id %% 20 = 0 THEN 'kept' ELSE 'broken' END, 'bench', now(), now()
    FROM accounts_account a WHERE a.organization_id = %(org)s AND a.id %% 10 = 0 {limit}
    """,
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench")
    parser.add_argument("--history", action="store_true", help="add a set-based history first")
    parser.add_argument("--limit", type=int, default=0, help="only the first N accounts (0: all)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    from arrears.scoring.features import features_read
    from arrears.scoring.services import accounts_score
    from arrears.tenancy.selectors import organization_resolve

    org = organization_resolve(slug=args.org)
    ids = None
    limit_sql = ""
    if args.limit:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id FROM accounts_account WHERE organization_id = %s ORDER BY id LIMIT %s",
                [org.pk, args.limit],
            )
            ids = [r[0] for r in cur.fetchall()]
        limit_sql = f"AND a.id <= {ids[-1]}"
    if args.history:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            for sql in HISTORY_SQL:
                cur.execute(sql.format(limit=limit_sql), {"org": org.pk})
            cur.execute("ANALYZE")
        print(f"history added in {time.perf_counter() - started:.1f} s")

    now = datetime.now(UTC)
    started = time.perf_counter()
    rows = sum(
        len(chunk) for chunk in features_read(organization_id=org.pk, as_of=now.date(), account_ids=ids)
    )
    bare = time.perf_counter() - started

    started = time.perf_counter()
    scored = accounts_score(organization_id=org.pk, at=now, account_ids=ids)
    scoring = time.perf_counter() - started

    print(f"machine: {platform.machine()} {os.cpu_count()} cores; load {os.getloadavg()}")
    print(f"baseline, bare read of the feature columns: {rows:,} accounts in {bare:.1f} s")
    print(f"scoring (read, score, store):              {scored:,} accounts in {scoring:.1f} s")
    print(f"scoring / bare read: {scoring / bare:.2f}; target: 1,000,000 in 120 s or less")
    return 0


if __name__ == "__main__":
    sys.exit(main())
