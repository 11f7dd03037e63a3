"""Reading the features of many accounts as of a day, in one set-based query (docs/scoring.md).

The query reads, read-only, the tables of the apps below scoring (accounts, payments, the attempt log)
by their table names, grouped per account. Going through each app's selectors would mean one query per
app and per feature and a Python join of millions of rows; one SQL statement lets the database do the
grouping, which is what makes scoring a million accounts fit in two minutes. It writes nothing.

Dates and instants are typed values formatted by this module (never user text), so they are inlined.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.apps import apps
from django.db import connection

from arrears.core.money import from_storage

COLUMNS = (
    "account_id", "client_id", "debt_type", "state", "status", "aging_days", "placed_days", "balance",
    "currency", "payments", "last_payment_days", "payments_90d", "paid_after", "collected_next30",
    "paid_next30", "rpcs", "wrong_numbers", "calls", "no_answer_streak", "promises_kept",
    "promises_broken", "promise_pending", "plan_paid", "plan_missed",
)  # fmt: skip


@dataclass
class FeatureRows:
    """Features of a batch of accounts as numpy columns (one entry per account)."""

    as_of: date
    cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.cols["account_id"])


def _table(app: str, model: str) -> str:
    return apps.get_model(app, model)._meta.db_table


def _through() -> tuple[str, str]:
    m2m: Any = apps.get_model("attempts", "ContactAttempt")._meta.get_field("accounts").remote_field.through
    return m2m._meta.db_table, _table("attempts", "ContactAttempt")


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _d(day: date) -> str:
    return f"'{day.isoformat()}'" + ("::date" if _pg() else "")


def _ts(day: date) -> str:
    """The end of ``day`` (UTC) as a timestamp literal, in the form each database stores."""
    end = datetime.combine(day + timedelta(days=1), time(0), UTC)
    if _pg():
        return f"'{end.isoformat()}'::timestamptz"
    return f"'{end:%Y-%m-%d %H:%M:%S}'"


def _days(day: date, column: str) -> str:
    if _pg():
        return f"({_d(day)} - {column})"
    return f"CAST(julianday({_d(day)}) - julianday({column}) AS INTEGER)"


def _placed() -> str:
    """The day an account was placed: ``placed_on``, or the day it was created when the import left it
    empty (a book imported without placement dates is placed the day it arrives, not never)."""
    created = "CAST(created_at AT TIME ZONE 'UTC' AS date)" if _pg() else "date(created_at)"
    return f"COALESCE(placed_on, {created})"


def features_sql(*, organization_id: int, as_of: date, account_ids: Sequence[int] | None = None) -> str:
    org = int(organization_id)
    accounts = _table("accounts", "Account")
    payments = _table("payments", "Payment")
    promises = _table("payments", "Promise")
    plans = _table("payments", "PaymentPlan")
    installments = _table("payments", "Installment")
    through, attempts = _through()
    d, ts = _d(as_of), _ts(as_of)
    d90, d30 = _d(as_of - timedelta(days=90)), _d(as_of + timedelta(days=30))
    only = only_p = only_t = only_pp = ""
    if account_ids is not None:
        listed = ",".join(str(int(i)) for i in account_ids) or "NULL"
        only, only_p = f" AND id IN ({listed})", f" AND account_id IN ({listed})"
        only_t, only_pp = f" AND t.account_id IN ({listed})", f" AND pp.account_id IN ({listed})"
    return f"""
WITH a AS (
  SELECT id, client_id, debt_type, jurisdiction_state AS state, status, currency,
         {_days(as_of, "delinquent_since")} AS aging_days, {_days(as_of, _placed())} AS placed_days,
         balance_principal + balance_interest + balance_fees + balance_costs AS balance
  FROM {accounts} WHERE organization_id = {org}{only}
), p AS (
  SELECT account_id,
         SUM(CASE WHEN received_on <= {d} THEN 1 ELSE 0 END) AS n,
         MAX(CASE WHEN received_on <= {d} THEN received_on END) AS last_on,
         SUM(CASE WHEN received_on <= {d} AND received_on > {d90} THEN 1 ELSE 0 END) AS n90,
         SUM(CASE WHEN received_on > {d} THEN amount ELSE 0 END) AS after_amt,
         SUM(CASE WHEN received_on > {d} AND received_on <= {d30} THEN amount ELSE 0 END) AS next30,
         SUM(CASE WHEN received_on > {d} AND received_on <= {d30} THEN 1 ELSE 0 END) AS next30_n
  FROM {payments} WHERE organization_id = {org} AND status = 'posted'{only_p} GROUP BY account_id
), c AS (
  SELECT t.account_id,
         SUM(CASE WHEN x.outcome IN ('right_party_contact', 'conversation') THEN 1 ELSE 0 END) AS rpc,
         SUM(CASE WHEN x.outcome = 'wrong_number' THEN 1 ELSE 0 END) AS wrong,
         COUNT(*) AS calls,
         MAX(CASE WHEN x.outcome IN ('right_party_contact', 'conversation') THEN x.at END) AS last_rpc
  FROM {attempts} x JOIN {through} t ON t.contactattempt_id = x.id
  WHERE x.organization_id = {org} AND x.at < {ts} AND x.direction = 'outbound' AND x.channel = 'call'{only_t}
  GROUP BY t.account_id
), s AS (
  SELECT t.account_id, COUNT(*) AS streak
  FROM {attempts} x JOIN {through} t ON t.contactattempt_id = x.id LEFT JOIN c ON c.account_id = t.account_id
  WHERE x.organization_id = {org} AND x.at < {ts} AND x.direction = 'outbound'
    AND x.outcome IN ('no_answer', 'voicemail', 'busy') AND (c.last_rpc IS NULL OR x.at > c.last_rpc){only_t}
  GROUP BY t.account_id
), pr AS (
  SELECT account_id,
         SUM(CASE WHEN status = 'kept' AND due_on < {d} THEN 1 ELSE 0 END) AS kept,
         SUM(CASE WHEN status = 'broken' AND due_on < {d} THEN 1 ELSE 0 END) AS broken,
         SUM(CASE WHEN made_on <= {d} AND due_on >= {d} AND status <> 'cancelled' THEN 1 ELSE 0 END)
           AS pending
  FROM {promises} WHERE organization_id = {org}{only_p} GROUP BY account_id
), pl AS (
  SELECT pp.account_id,
         SUM(CASE WHEN i.status = 'paid' AND i.due_on <= {d} THEN 1 ELSE 0 END) AS paid,
         SUM(CASE WHEN i.status = 'missed' AND i.due_on <= {d} THEN 1 ELSE 0 END) AS missed
  FROM {installments} i JOIN {plans} pp ON pp.id = i.plan_id
  WHERE pp.organization_id = {org}{only_pp} GROUP BY pp.account_id
)
SELECT a.id, a.client_id, a.debt_type, a.state, a.status, a.aging_days, a.placed_days, a.balance,
       a.currency, COALESCE(p.n, 0), {_days(as_of, "p.last_on")}, COALESCE(p.n90, 0),
       COALESCE(p.after_amt, 0), COALESCE(p.next30, 0), COALESCE(p.next30_n, 0), COALESCE(c.rpc, 0),
       COALESCE(c.wrong, 0), COALESCE(c.calls, 0), COALESCE(s.streak, 0), COALESCE(pr.kept, 0),
       COALESCE(pr.broken, 0), COALESCE(pr.pending, 0), COALESCE(pl.paid, 0), COALESCE(pl.missed, 0)
FROM a LEFT JOIN p ON p.account_id = a.id LEFT JOIN c ON c.account_id = a.id
  LEFT JOIN s ON s.account_id = a.id LEFT JOIN pr ON pr.account_id = a.id
  LEFT JOIN pl ON pl.account_id = a.id
ORDER BY a.id
"""  # noqa: S608 - table names from the app registry, dates and ids formatted from typed values


_NUMERIC = {
    "aging_days": -1,
    "placed_days": -1,
    "last_payment_days": -1,
}  # fmt: skip  (NULL becomes this before the domain reads it)


def _exact(value: Any) -> Decimal:
    """An amount summed by the database, as an exact Decimal (SQLite sums in floating point)."""
    return from_storage(value if isinstance(value, Decimal) else Decimal(str(value or 0)))


def _to_arrays(rows: list[tuple[Any, ...]], as_of: date, *, exact: bool = False) -> FeatureRows:
    cols: dict[str, np.ndarray] = {}
    transposed = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    for name, values in zip(COLUMNS, transposed, strict=True):
        if name in ("debt_type", "state", "status", "currency"):
            cols[name] = np.array([v or "" for v in values], dtype=object)
        elif name in ("balance", "paid_after", "collected_next30"):
            cols[name] = np.array([float(v or 0) for v in values], dtype=np.float64)
            if exact and name in ("balance", "paid_after"):
                cols[f"{name}_amount"] = np.array([_exact(v) for v in values], dtype=object)
        else:
            fill = _NUMERIC.get(name, 0)
            cols[name] = np.array([fill if v is None else int(v) for v in values], dtype=np.int64)
    # The balance on the day: today's, plus what was paid since (interest and fees since are ignored).
    cols["balance"] = cols["balance"] + cols["paid_after"]
    if exact:
        cols["balance_amount"] = cols["balance_amount"] + cols.pop("paid_after_amount")
    return FeatureRows(as_of=as_of, cols=cols)


def features_read(
    *,
    organization_id: int,
    as_of: date,
    account_ids: Sequence[int] | None = None,
    chunk: int = 50_000,
    exact: bool = False,
) -> Iterator[FeatureRows]:
    """The features of the organization's accounts (or of ``account_ids``) as of the end of ``as_of``,
    in chunks of ``chunk`` accounts, ordered by account id. With ``exact``, also each balance as a
    Decimal (``balance_amount``), for money arithmetic; the float ``balance`` is a feature only."""
    sql = features_sql(organization_id=organization_id, as_of=as_of, account_ids=account_ids)
    # A server-side cursor on PostgreSQL: a million accounts stream in chunks, never all in memory.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield _to_arrays(rows, as_of, exact=exact)


def features_all(
    *, organization_id: int, as_of: date, account_ids: Sequence[int] | None = None, exact: bool = False
) -> FeatureRows:
    parts = list(
        features_read(organization_id=organization_id, as_of=as_of, account_ids=account_ids, exact=exact)
    )
    if not parts:
        return _to_arrays([], as_of, exact=exact)
    return FeatureRows(
        as_of=as_of, cols={k: np.concatenate([p.cols[k] for p in parts]) for k in parts[0].cols}
    )


@dataclass(frozen=True)
class Signals:
    """What moves an account up the queue today: a promise due, a promise just broken, the
    debtor's promise record."""

    promise_due_amount: float = 0.0
    broken_recently: int = 0
    kept: int = 0
    broken: int = 0


def queue_signals(*, organization_id: int, account_ids: Sequence[int], day: date) -> dict[int, Signals]:
    """Promises due ``day`` (pending), promises broken in the 14 days before, and every promise's
    outcome so far, for the accounts among ``account_ids`` (one grouped query)."""
    if not account_ids:
        return {}
    promises = _table("payments", "Promise")
    ids = ",".join(str(int(i)) for i in account_ids)
    d, d14 = _d(day), _d(day - timedelta(days=14))
    sql = f"""
SELECT account_id,
       SUM(CASE WHEN status = 'pending' AND due_on = {d} THEN amount ELSE 0 END),
       SUM(CASE WHEN status = 'broken' AND due_on >= {d14} AND due_on < {d} THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'kept' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'broken' THEN 1 ELSE 0 END)
FROM {promises} WHERE organization_id = {int(organization_id)} AND account_id IN ({ids})
GROUP BY account_id
"""  # noqa: S608 - as features_sql
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {
            int(a): Signals(float(due or 0), int(br or 0), int(k or 0), int(b or 0))
            for a, due, br, k, b in cursor.fetchall()
        }


def promise_totals(*, organization_id: int, before: date) -> tuple[int, int]:
    """Kept and broken promises of the organization due before ``before``: the prior of kept rates."""
    sql = f"""
SELECT SUM(CASE WHEN status = 'kept' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'broken' THEN 1 ELSE 0 END)
FROM {_table("payments", "Promise")} WHERE organization_id = {int(organization_id)} AND due_on < {_d(before)}
"""  # noqa: S608 - as features_sql
    with connection.cursor() as cursor:
        cursor.execute(sql)
        kept, broken = cursor.fetchone()
    return int(kept or 0), int(broken or 0)


@dataclass(frozen=True)
class Due:
    """A promise or a plan installment due in the forecast's window, with the record that weights it:
    the debtor's kept and broken promises, or the plan's paid and missed installments, before then."""

    account_id: int
    due_on: date
    amount: Decimal
    currency: str
    kept: int
    broken: int


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def forecast_items(
    *, organization_id: int, as_of: date, until: date, first: date | None = None
) -> tuple[list[Due], list[Due]]:
    """What is due from ``first`` (default: the day after ``as_of``) to ``until`` (inclusive) as known
    at the end of ``as_of``: promises made by then (with the debtor's promise record before ``as_of``)
    and the installments of plans agreed by then and open (with the plan's record before ``as_of``).
    Something due on ``as_of`` or before counts only while it is still open (not kept, paid or broken
    yet). A debtor's record counts the promises on all their accounts."""
    first = first or as_of + timedelta(days=1)
    promises = _table("payments", "Promise")
    links = _table("accounts", "AccountDebtor")
    plans = _table("payments", "PaymentPlan")
    installments = _table("payments", "Installment")
    org, d, f, u = int(organization_id), _d(as_of), _d(first), _d(until)
    promise_sql = f"""
WITH debtor_of AS (
  SELECT account_id, MIN(debtor_id) AS debtor_id FROM {links}
  WHERE organization_id = {org} AND role = 'primary' GROUP BY account_id
), record AS (
  SELECT o.debtor_id,
         SUM(CASE WHEN p.status = 'kept' THEN 1 ELSE 0 END) AS kept,
         SUM(CASE WHEN p.status = 'broken' THEN 1 ELSE 0 END) AS broken
  FROM {promises} p JOIN debtor_of o ON o.account_id = p.account_id
  WHERE p.organization_id = {org} AND p.due_on < {d} GROUP BY o.debtor_id
)
SELECT p.account_id, p.due_on, p.amount, p.currency, COALESCE(r.kept, 0), COALESCE(r.broken, 0)
FROM {promises} p LEFT JOIN debtor_of o ON o.account_id = p.account_id
  LEFT JOIN record r ON r.debtor_id = o.debtor_id
WHERE p.organization_id = {org} AND p.made_on <= {d} AND p.due_on >= {f} AND p.due_on <= {u}
  AND p.status <> 'cancelled' AND (p.due_on > {d} OR p.status = 'pending')
ORDER BY p.due_on, p.account_id
"""  # noqa: S608 - as features_sql
    plan_sql = f"""
WITH record AS (
  SELECT plan_id,
         SUM(CASE WHEN status = 'paid' AND due_on <= {d} THEN 1 ELSE 0 END) AS paid,
         SUM(CASE WHEN status = 'missed' AND due_on <= {d} THEN 1 ELSE 0 END) AS missed
  FROM {installments} WHERE organization_id = {org} GROUP BY plan_id
)
SELECT pp.account_id, i.due_on, i.amount, pp.currency, COALESCE(r.paid, 0), COALESCE(r.missed, 0)
FROM {installments} i JOIN {plans} pp ON pp.id = i.plan_id LEFT JOIN record r ON r.plan_id = i.plan_id
WHERE pp.organization_id = {org} AND pp.made_on <= {d} AND pp.status IN ('active', 'delinquent')
  AND i.due_on >= {f} AND i.due_on <= {u} AND (i.due_on > {d} OR i.status = 'due')
ORDER BY i.due_on, pp.account_id
"""  # noqa: S608 - as features_sql

    def rows(sql: str) -> list[Due]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [
                Due(int(a), _day(due), _exact(amt), str(cur), int(k), int(b))
                for a, due, amt, cur, k, b in cursor.fetchall()
            ]

    return rows(promise_sql), rows(plan_sql)


def collected_between(
    *, organization_id: int, after: date, until: date, account_ids: Sequence[int] | None = None
) -> list[tuple[date, Decimal, str]]:
    """Posted payments received after ``after`` up to ``until`` (on ``account_ids`` only, when given):
    (day, amount, currency)."""
    among = ""
    if account_ids is not None:
        among = f"AND account_id IN ({','.join(str(int(i)) for i in account_ids) or 'NULL'})"
    sql = f"""
SELECT received_on, amount, currency FROM {_table("payments", "Payment")}
WHERE organization_id = {int(organization_id)} AND status = 'posted'
  AND received_on > {_d(after)} AND received_on <= {_d(until)} {among}
"""  # noqa: S608 - as features_sql
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [(_day(day), _exact(amount), str(cur)) for day, amount, cur in cursor.fetchall()]


def queue_candidates(
    *,
    organization_id: int,
    user_id: int,
    team_id: int | None,
    client_ids: Sequence[int] | None,
    statuses: Sequence[str],
    exclude: Sequence[int],
    limit: int,
    offset: int,
    scores_table: str,
) -> list[int]:
    """Scored accounts in this collector's queue, best stored expected value first: workable, with a
    balance, and theirs (assigned to them), their team's (assigned to the team and nobody in it) or
    the organization's pool (assigned to nobody); only clients they may see."""
    accounts = _table("accounts", "Account")
    team = f"a.assigned_team_id = {int(team_id)} OR " if team_id else ""
    clients = ""
    if client_ids is not None:
        clients = " AND a.client_id IN (" + (",".join(str(int(c)) for c in client_ids) or "NULL") + ")"
    skip = ""
    if exclude:
        skip = " AND s.account_id NOT IN (" + ",".join(str(int(i)) for i in exclude) + ")"
    status_list = ",".join("'" + s.replace("'", "") + "'" for s in statuses)
    sql = f"""
SELECT s.account_id FROM {scores_table} s JOIN {accounts} a ON a.id = s.account_id
WHERE s.organization_id = {int(organization_id)} AND a.status IN ({status_list})
  AND a.balance_principal + a.balance_interest + a.balance_fees + a.balance_costs > 0
  AND (a.assigned_user_id = {int(user_id)}
       OR (a.assigned_user_id IS NULL AND ({team}a.assigned_team_id IS NULL)))
  {clients}{skip}
ORDER BY s.expected DESC, s.account_id
LIMIT {int(limit)} OFFSET {int(offset)}
"""  # noqa: S608 - as features_sql; statuses are the accounts app's own choice values
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [int(r[0]) for r in cursor.fetchall()]


def promise_due_account_ids(*, organization_id: int, day: date) -> list[int]:
    """Accounts with a pending promise due on ``day``."""
    sql = f"""
SELECT DISTINCT account_id FROM {_table("payments", "Promise")}
WHERE organization_id = {int(organization_id)} AND status = 'pending' AND due_on = {_d(day)}
"""  # noqa: S608 - as features_sql
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [int(r[0]) for r in cursor.fetchall()]
