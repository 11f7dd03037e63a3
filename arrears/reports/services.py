"""Writes of `reports`: the daily account snapshot (set-based), Metro 2 exports, dashboard layouts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from arrears.accounts import reporting as accounts_reporting
from arrears.accounts.selectors import primary_debtor_ids
from arrears.attempts import reporting as attempts_reporting
from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.compliance import reporting as compliance_reporting
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.debtors import reporting as debtors_reporting
from arrears.ledger import reporting as ledger_reporting
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import (
    client_list,
    memberships_list,
    organization_get,
    organization_member_ids,
)

from .choices import KPI_LABELS, AlertKind, AlertPeriod, Frequency, ReportFormat
from .domain import furnishing, metro2
from .errors import ReportError
from .models import (
    AccountSnapshot,
    AlertRule,
    DailyRollup,
    DashboardLayout,
    FurnishedAccount,
    KpiFigures,
    ReportSchedule,
    SnapshotRun,
)
from .selectors import PERIOD_DAYS, figures_compute

SNAP = AccountSnapshot._meta.db_table
ROLLUP = DailyRollup._meta.db_table
STATE = (
    "client_id",
    "collector_id",
    "status",
    "bucket",
    "delinquent_since",
    "placed_on",
    "balance_principal",
    "balance_interest",
    "balance_fees",
    "balance_costs",
)


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    as_of: date
    accounts: int
    changed: int
    seconds: float


def _differs(a: str, b: str) -> str:
    op = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"{a}.{c} {op} {b}.{c}" for c in STATE)


def snapshots_take(
    *, organization_id: int, as_of: date, now: datetime | None = None, skip_if_past: bool = False
) -> SnapshotResult:
    """Snapshot every account of the organization as of the end of `as_of`, set-based, in one transaction.

    Change-only: an account whose state (balances by bucket, status, aging bucket, collector, client) is
    the same as in its open snapshot row keeps that row; one that changed gets its open row closed
    (`valid_to = as_of`) and a new one opened. Taking the same day again first undoes that day's run,
    so a re-run gives the same rows. Days must be taken in order: a day before the latest is refused
    (or, with `skip_if_past`, as a nightly re-run for an old date does, left alone: `changed` is -1).
    """
    started = time.perf_counter()
    source_sql, params = accounts_reporting.account_snapshot_source(
        organization_id=organization_id, as_of=as_of
    ).query.sql_with_params()
    cols = ", ".join(STATE)
    src_cols = ", ".join(f"c.{c}" for c in STATE)
    differs = _differs("s", "c")
    with transaction.atomic():
        latest = (
            SnapshotRun.objects.select_for_update()
            .filter(organization_id=organization_id)
            .order_by("-as_of")
            .values_list("as_of", flat=True)
            .first()
        )
        if latest and as_of < latest and skip_if_past:
            return SnapshotResult(as_of=as_of, accounts=0, changed=-1, seconds=0.0)
        if latest and as_of < latest:
            raise ArrearsError(
                ReportError.SNAPSHOT_OUT_OF_ORDER,
                f"snapshots run forward: the latest is {latest}, so {as_of} cannot be taken now",
            )
        with connection.cursor() as cur:

            def run(sql: str, args: Sequence[Any]) -> int:
                # Table names are model constants and the source is Django's own compiled SQL; every
                # value is a parameter.
                sql = sql.format(
                    snap=SNAP, rollup=ROLLUP, source=source_sql, differs=differs, cols=cols, src=src_cols
                )
                cur.execute(sql, args)  # noqa: S608
                return cur.rowcount

            # undo an earlier run of the same day
            run("DELETE FROM {snap} WHERE organization_id = %s AND valid_from = %s", [organization_id, as_of])
            run(
                "UPDATE {snap} SET valid_to = NULL WHERE organization_id = %s AND valid_to = %s",
                [organization_id, as_of],
            )
            # close the rows whose account changed (or left the organization's books)
            closed = run(
                "UPDATE {snap} SET valid_to = %s WHERE organization_id = %s AND valid_to IS NULL AND id IN ("
                "SELECT s.id FROM {snap} s LEFT JOIN ({source}) c ON c.id = s.account_id "
                "WHERE s.organization_id = %s AND s.valid_to IS NULL AND (c.id IS NULL OR {differs}))",
                [as_of, organization_id, *params, organization_id],
            )
            opened = run(
                "INSERT INTO {snap} (organization_id, account_id, valid_from, valid_to, {cols}) "
                "SELECT %s, c.id, %s, NULL, {src} FROM ({source}) c WHERE NOT EXISTS "
                "(SELECT 1 FROM {snap} s WHERE s.account_id = c.id AND s.valid_to IS NULL)",
                [organization_id, as_of, *params],
            )
            if connection.vendor == "postgresql" and max(opened, closed) > 10_000:
                # After a bulk change the planner's row counts stay stale until autovacuum comes by, and
                # the next night plans a nested loop over "173" open rows that are a million: minutes
                # where a hash join takes seconds.
                run("ANALYZE {snap}", [])
            run("DELETE FROM {rollup} WHERE organization_id = %s AND day = %s", [organization_id, as_of])
            run(
                "INSERT INTO {rollup} "
                "(organization_id, day, client_id, collector_id, status, bucket, accounts, balance) "
                "SELECT %s, %s, client_id, collector_id, status, bucket, count(*), "
                "sum(balance_principal + balance_interest + balance_fees + balance_costs) FROM {snap} "
                "WHERE organization_id = %s AND valid_to IS NULL "
                "GROUP BY client_id, collector_id, status, bucket",
                [organization_id, as_of, organization_id],
            )
            run(
                "SELECT count(*) FROM {snap} WHERE organization_id = %s AND valid_to IS NULL",
                [organization_id],
            )
            accounts = cur.fetchone()[0]
        seconds = time.perf_counter() - started
        SnapshotRun.objects.update_or_create(
            organization_id=organization_id,
            as_of=as_of,
            defaults={
                "accounts": accounts,
                "changed": max(opened, closed),
                "seconds": seconds,
                "taken_at": now or utcnow(),
            },
        )
    figures_store(organization_id=organization_id, day=as_of)
    return SnapshotResult(
        as_of=as_of, accounts=accounts, changed=max(opened, closed), seconds=round(seconds, 3)
    )


def figures_store(*, organization_id: int, day: date) -> int:
    """Compute and keep the day's KPIs for the organization and each of its clients (re-run: replaced)."""
    targets: list[int | None] = [
        None,
        *client_list(organization_id=organization_id).values_list("id", flat=True),
    ]
    for client_id in targets:
        data = figures_compute(organization_id=organization_id, as_of=day, client_id=client_id)
        KpiFigures.objects.update_or_create(
            organization_id=organization_id,
            day=day,
            client_id=client_id or 0,
            period_days=PERIOD_DAYS,
            defaults={"data": data},
        )
    return len(targets)


def dashboard_layout_save(
    *, user_id: int, organization_id: int, dashboard: str, widgets: Sequence[dict[str, object]]
) -> None:
    DashboardLayout.objects.update_or_create(
        user_id=user_id,
        organization_id=organization_id,
        dashboard=dashboard,
        defaults={"widgets": list(widgets)},
    )


# --- Metro 2 -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metro2Export:
    records: int
    skipped: dict[str, int]
    statuses: dict[str, int]
    path: str


def metro2_export(
    *, actor: Principal, as_of: date, out: Path, identification_number: str = "", now: datetime
) -> Metro2Export:
    """Write the organization's consumer collection accounts as a Metro 2 file (header, base + K1 per
    account, trailer) as of `as_of`, and record which accounts were furnished.

    Skipped (counted by reason): accounts the passive-collection rule still holds back (Reg F
    1006.30(a)), accounts with nothing to report (never furnished and now closed), accounts without a
    debtor, placed after `as_of`, or without the original creditor's date of first delinquency.
    """
    org = organization_get(organization_id=actor.organization_id)
    ident = identification_number or org.slug.upper()
    accounts = list(accounts_reporting.accounts_for_furnishing(organization_id=org.id))
    ids = [a.id for a in accounts]
    debtor_of = primary_debtor_ids(ids)
    identities = debtors_reporting.identities_for_furnishing(debtor_ids=set(debtor_of.values()))
    history = attempts_reporting.contact_history_for_furnishing(organization_id=org.id, through=as_of)
    disputes = compliance_reporting.dispute_states(organization_id=org.id, through=as_of)
    placed = ledger_reporting.charges_by_account(organization_id=org.id, through=as_of, account_ids=ids)
    furnished = {
        f.account_id: f for f in FurnishedAccount.objects.filter(organization_id=org.id, account_id__in=ids)
    }
    skipped = {
        "passive_collection": 0,
        "nothing_to_report": 0,
        "no_debtor": 0,
        "not_placed_yet": 0,
        "no_first_delinquency": 0,
    }
    statuses: dict[str, int] = {}
    lines: list[str] = []
    reported: list[tuple[int, str]] = []
    stamp = now.strftime("%m%d%Y%H%M%S")
    for a in accounts:
        if a.placed_on and a.placed_on > as_of:
            skipped["not_placed_yet"] += 1
            continue
        debtor_id = debtor_of.get(a.id)
        ident_row = identities.get(debtor_id) if debtor_id is not None else None
        if debtor_id is None or ident_row is None:
            skipped["no_debtor"] += 1
            continue
        was = a.id in furnished
        contact = history.get(debtor_id) or {"spoke_on": None, "messages": []}
        if not was and not furnishing.passive_collection_allows(
            as_of=as_of, spoke_on=contact["spoke_on"], messages=contact["messages"]
        ):
            skipped["passive_collection"] += 1
            continue
        f = furnishing.Furnishable(
            reference=a.reference,
            status=a.status,
            placed_on=a.placed_on or a.opened_on or as_of,
            amount_placed=placed.get(a.id, Decimal(0)) or a.balance_total,
            balance=a.balance_total,
            delinquent_since=a.delinquent_since,
            charged_off_on=a.charged_off_on,
            last_payment_on=a.last_payment_on,
            last_payment_amount=a.last_payment_amount,
            paid_off_on=min(
                (a.status_changed_at.date() if a.status_changed_at else a.last_payment_on) or as_of, as_of
            ),
            original_creditor=a.original_creditor or a.client.name,
            debt_buyer=False,
            dispute=disputes.get(a.id),
            was_furnished=was,
            fraud=False,
            first_name=ident_row["first_name"],
            middle_name=ident_row["middle_name"],
            last_name=ident_row["last_name"],
            ssn=ident_row["ssn"],
            date_of_birth=ident_row["date_of_birth"],
            phone=ident_row["phone"],
            address=ident_row["address"],
        )
        code = furnishing.account_status_code(f)
        if code == metro2.STATUS_COLLECTION and f.delinquent_since is None:
            # CRRG: status 93 needs the original creditor's date of first delinquency; none is invented.
            skipped["no_first_delinquency"] += 1
            continue
        if code is None or (was and furnished[a.id].last_status in ("DA", "DF")):
            skipped["nothing_to_report"] += 1
            continue
        lines.append(
            furnishing.record(f, status=code, as_of=as_of, identification_number=ident, time_stamp=stamp)
        )
        statuses[code] = statuses.get(code, 0) + 1
        reported.append((a.id, code))
    header = metro2.header_record(
        {
            "cycle_identifier": "",
            "equifax_program_identifier": ident,
            "experian_program_identifier": ident[:5],
            "transunion_program_identifier": ident,
            "innovis_program_identifier": ident,
            "activity_date": metro2.mmddyyyy(as_of),
            "date_created": metro2.mmddyyyy(now.date()),
            "program_date": metro2.mmddyyyy(as_of),
            "program_revision_date": metro2.mmddyyyy(as_of),
            "reporter_name": org.legal_name or org.name,
            "reporter_address": " ".join(org.address.split()),
            "reporter_telephone_number": "".join(c for c in org.phone if c.isdigit())[-10:],
            "software_vendor_name": "ARREARS",
            "software_version_number": "1",
        }
    )
    parsed = [metro2.parse_record(i + 2, r) for i, r in enumerate(lines)]
    trailer = metro2.trailer_record(metro2.trailer_totals(parsed))
    out.write_text(metro2.file_text([header, *lines, trailer]), encoding="latin-1")
    with transaction.atomic():
        for account_id, code in reported:
            FurnishedAccount.objects.update_or_create(
                account_id=account_id,
                defaults={"organization_id": org.id, "last_on": as_of, "last_status": code},
                create_defaults={
                    "organization_id": org.id,
                    "first_on": as_of,
                    "last_on": as_of,
                    "last_status": code,
                },
            )
        audit_record(
            actor=actor,
            event=Event.METRO2_EXPORTED,
            subject_type="organization",
            subject_id=org.id,
            data={
                "as_of": as_of.isoformat(),
                "records": len(lines),
                "skipped": skipped,
                "statuses": statuses,
            },
        )
    return Metro2Export(records=len(lines), skipped=skipped, statuses=statuses, path=str(out))


# --- scheduled reports and alert rules (the workbench's /reports/schedules/ and /reports/alerts/) ---------


def _recipients_check(
    *, organization_id: int, user_ids: Sequence[int], client_id: int, error: ReportError
) -> list[int]:
    """Recipients are members of the organization with an email address. A client's viewer may receive
    only what they may see: a report or alert scoped to one of their clients."""
    if not user_ids:
        raise ArrearsError(error, "Name at least one recipient.", field="recipients")
    members = {m.user_id: m for m in memberships_list(organization_id=organization_id)}
    for user_id in user_ids:
        member = members.get(user_id)
        if member is None or not member.user.email:
            raise ArrearsError(error, "Recipients must be users of this organization.", field="recipients")
        if member.role == Role.CLIENT_VIEWER:
            seen = {c.pk for c in member.clients.all()}
            if not client_id or client_id not in seen:
                raise ArrearsError(
                    error,
                    f"{member.user.email} is a client's viewer: they may receive only a report or alert "
                    "on their own client.",
                    field="recipients",
                )
    return list(dict.fromkeys(user_ids))


def _scope_check(*, organization_id: int, client_id: int, collector_id: int, error: ReportError) -> None:
    if client_id and not client_list(organization_id=organization_id).filter(pk=client_id).exists():
        raise ArrearsError(error, "No such client in this organization.", field="client")
    if collector_id and collector_id not in organization_member_ids(organization_id):
        raise ArrearsError(error, "No such collector in this organization.", field="collector")
    if client_id and collector_id:
        raise ArrearsError(error, "Choose a client or a collector, not both.", field="collector")


def _schedule_data(schedule: ReportSchedule) -> dict[str, object]:
    return {
        "name": schedule.name,
        "client_id": schedule.client_id,
        "collector_id": schedule.collector_id,
        "kpis": list(schedule.kpis or []),
        "format": schedule.format,
        "frequency": schedule.frequency,
        "send_at": schedule.send_at.strftime("%H:%M"),
        "weekday": schedule.weekday,
        "day_of_month": schedule.day_of_month,
        "recipients": list(schedule.recipients or []),
        "active": schedule.active,
    }


@transaction.atomic
def report_schedule_save(
    *,
    actor: Principal,
    schedule: ReportSchedule | None,
    name: str,
    format: str,
    frequency: str,
    send_at: dt_time,
    recipients: Sequence[int],
    client_id: int = 0,
    collector_id: int = 0,
    kpis: Sequence[str] = (),
    weekday: int = 0,
    day_of_month: int = 1,
    now: datetime,
) -> ReportSchedule:
    """Create a scheduled report (no `schedule`) or change one. A change of cadence starts it afresh:
    a send time that already passed today is not caught up."""
    org_id = actor.organization_id
    error = ReportError.SCHEDULE_INVALID
    if not name.strip():
        raise ArrearsError(error, "Give the report a name.", field="name")
    if format not in ReportFormat.values:
        raise ArrearsError(error, "Choose PDF or XLSX.", field="format")
    if frequency not in Frequency.values:
        raise ArrearsError(error, "Choose daily, weekly or monthly.", field="frequency")
    if not 0 <= weekday <= 6:
        raise ArrearsError(error, "A weekday is 0 (Monday) to 6 (Sunday).", field="weekday")
    if not 1 <= day_of_month <= 28:
        raise ArrearsError(error, "A day of the month is 1 to 28 (every month has it).", field="day_of_month")
    unknown = [k for k in kpis if k not in KPI_LABELS]
    if unknown:
        raise ArrearsError(error, f"Unknown KPIs: {', '.join(unknown)}.", field="kpis")
    _scope_check(organization_id=org_id, client_id=client_id, collector_id=collector_id, error=error)
    users = _recipients_check(organization_id=org_id, user_ids=recipients, client_id=client_id, error=error)
    fields = {
        "name": name.strip(),
        "format": format,
        "frequency": frequency,
        "send_at": send_at.replace(second=0, microsecond=0, tzinfo=None),
        "weekday": weekday,
        "day_of_month": day_of_month,
        "client_id": client_id,
        "collector_id": collector_id,
        "kpis": list(dict.fromkeys(kpis)),
        "recipients": users,
    }
    if schedule is None:
        schedule = ReportSchedule.objects.create(organization_id=org_id, active_since=now, **fields)
        before: dict[str, object] = {}
    else:
        schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk, organization_id=org_id)
        before = _schedule_data(schedule)
        cadence_changed = any(
            getattr(schedule, f) != fields[f] for f in ("frequency", "send_at", "weekday", "day_of_month")
        )
        for key, value in fields.items():
            setattr(schedule, key, value)
        changed = list(fields)
        if cadence_changed:
            schedule.active_since = now
            changed.append("active_since")
        schedule.save(update_fields=changed)
    audit_record(
        actor=actor,
        event=Event.REPORT_SCHEDULE_SAVED,
        subject_type="report_schedule",
        subject_id=schedule.pk,
        data={"before": before, "after": _schedule_data(schedule)},
    )
    return schedule


@transaction.atomic
def report_schedule_pause(
    *, actor: Principal, schedule: ReportSchedule, active: bool, now: datetime
) -> ReportSchedule:
    """Pause or resume. Resumed, it sends from its next send time on: what it missed is not caught up."""
    schedule = ReportSchedule.objects.select_for_update().get(
        pk=schedule.pk, organization_id=actor.organization_id
    )
    if schedule.active == active:
        return schedule
    schedule.active = active
    update = ["active"]
    if active:
        schedule.active_since = now
        update.append("active_since")
    schedule.save(update_fields=update)
    audit_record(
        actor=actor,
        event=Event.REPORT_SCHEDULE_RESUMED if active else Event.REPORT_SCHEDULE_PAUSED,
        subject_type="report_schedule",
        subject_id=schedule.pk,
        data={"name": schedule.name},
    )
    return schedule


@transaction.atomic
def report_schedule_delete(*, actor: Principal, schedule: ReportSchedule) -> None:
    schedule = ReportSchedule.objects.select_for_update().get(
        pk=schedule.pk, organization_id=actor.organization_id
    )
    data = _schedule_data(schedule)
    pk = schedule.pk
    schedule.delete()
    audit_record(
        actor=actor,
        event=Event.REPORT_SCHEDULE_DELETED,
        subject_type="report_schedule",
        subject_id=pk,
        data=data,
    )


@transaction.atomic
def report_schedule_send_now(*, actor: Principal, schedule: ReportSchedule, now: datetime) -> ReportSchedule:
    """Ask for the report to be emailed now (yesterday's figures), by a task once this commits. A paused
    schedule can be sent this way too; its cadence is not touched."""
    schedule = ReportSchedule.objects.select_for_update().get(
        pk=schedule.pk, organization_id=actor.organization_id
    )
    _recipients_check(
        organization_id=actor.organization_id,
        user_ids=list(schedule.recipients or []),
        client_id=schedule.client_id,
        error=ReportError.SCHEDULE_INVALID,
    )
    schedule.send_requested_at = now
    schedule.save(update_fields=["send_requested_at"])
    audit_record(
        actor=actor,
        event=Event.REPORT_SCHEDULE_SEND_REQUESTED,
        subject_type="report_schedule",
        subject_id=schedule.pk,
        data={"name": schedule.name, "requested": now.isoformat()},
    )
    from .tasks import schedule_send_requested_task

    pk, requested = schedule.pk, now.isoformat()
    transaction.on_commit(lambda: schedule_send_requested_task.enqueue(schedule_id=pk, requested=requested))
    return schedule


def _alert_data(rule: AlertRule) -> dict[str, object]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "kpi": rule.kpi,
        "threshold": str(rule.threshold),
        "client_id": rule.client_id,
        "period": rule.period,
        "recipients": list(rule.recipients or []),
        "active": rule.active,
    }


@transaction.atomic
def alert_rule_save(
    *,
    actor: Principal,
    rule: AlertRule | None,
    name: str,
    kind: str,
    period: str,
    threshold: Decimal,
    recipients: Sequence[int],
    kpi: str = "",
    client_id: int = 0,
) -> AlertRule:
    """Create an alert rule (no `rule`) or change one. It fires at most once per period (its firing row
    is unique per rule and period); a change keeps the firings already made."""
    org_id = actor.organization_id
    error = ReportError.ALERT_INVALID
    if not name.strip():
        raise ArrearsError(error, "Give the alert a name.", field="name")
    if kind not in AlertKind.values:
        raise ArrearsError(error, "Choose what the alert watches.", field="kind")
    if period not in AlertPeriod.values:
        raise ArrearsError(error, "Choose a day, a week or a month.", field="period")
    if kind in (AlertKind.KPI_BELOW, AlertKind.KPI_ABOVE):
        if kpi not in KPI_LABELS:
            raise ArrearsError(error, "Choose the KPI to watch.", field="kpi")
    else:
        kpi = ""
    if kind == AlertKind.PAYMENT_OVER and threshold <= 0:
        raise ArrearsError(error, "A payment threshold is more than 0.", field="threshold")
    if kind == AlertKind.DISPUTE:
        threshold = Decimal(0)
    if not threshold.is_finite() or abs(threshold) >= Decimal(10) ** 15:
        raise ArrearsError(error, "The threshold is out of range.", field="threshold")
    _scope_check(organization_id=org_id, client_id=client_id, collector_id=0, error=error)
    users = _recipients_check(organization_id=org_id, user_ids=recipients, client_id=client_id, error=error)
    fields = {
        "name": name.strip(),
        "kind": kind,
        "kpi": kpi,
        "threshold": threshold,
        "client_id": client_id,
        "period": period,
        "recipients": users,
    }
    if rule is None:
        rule = AlertRule.objects.create(organization_id=org_id, **fields)
        before: dict[str, object] = {}
    else:
        rule = AlertRule.objects.select_for_update().get(pk=rule.pk, organization_id=org_id)
        before = _alert_data(rule)
        for key, value in fields.items():
            setattr(rule, key, value)
        rule.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        event=Event.ALERT_RULE_SAVED,
        subject_type="alert_rule",
        subject_id=rule.pk,
        data={"before": before, "after": _alert_data(rule)},
    )
    return rule


@transaction.atomic
def alert_rule_pause(*, actor: Principal, rule: AlertRule, active: bool) -> AlertRule:
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk, organization_id=actor.organization_id)
    if rule.active == active:
        return rule
    rule.active = active
    rule.save(update_fields=["active"])
    audit_record(
        actor=actor,
        event=Event.ALERT_RULE_RESUMED if active else Event.ALERT_RULE_PAUSED,
        subject_type="alert_rule",
        subject_id=rule.pk,
        data={"name": rule.name},
    )
    return rule


@transaction.atomic
def alert_rule_delete(*, actor: Principal, rule: AlertRule) -> None:
    """Delete the rule and its firing history (in-app notifications already sent stay)."""
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk, organization_id=actor.organization_id)
    data, pk = _alert_data(rule), rule.pk
    rule.delete()
    audit_record(
        actor=actor, event=Event.ALERT_RULE_DELETED, subject_type="alert_rule", subject_id=pk, data=data
    )
