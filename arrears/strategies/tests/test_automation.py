"""Strategies, the nightly run in chunks, experiments, notices and the scheduler, against the database."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from arrears.contact.messaging import template_save
from arrears.strategies import definitions, scheduler, services
from arrears.strategies.models import (
    Enrollment,
    NightlyChunk,
    NightlyRun,
    NoticeSent,
    ScheduledRun,
    StepAction,
)

D = Decimal

STRATEGY = """
name = "early"
priority = 10
[[segments]]
name = "all"
when = { holds = "none" }
  [[segments.steps]]
  action = "letter"
  template = "first-letter"
  [[segments.steps]]
  action = "call"
  reason = "follow up"
  wait_days = 2
  [[segments.steps]]
  action = "stop"
"""

LETTER = (
    "<p>Dear {{ debtor.name }}, about account {{ account.reference }}: {{ account.balance }}.</p>"
    "<p>{{ debtor_collector_disclosure }}{{ debt_collector_disclosure }}</p>"
)


@pytest.fixture
def run(capsys):
    def run(*args):
        capsys.readouterr()
        call_command(*args, stderr=StringIO())
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def strategy_file(tmp_path, org, system):
    template_save(organization=org, key="first-letter", channel="letter", body=LETTER, actor=system)
    path = tmp_path / "early.toml"
    path.write_text(STRATEGY)
    return path


def test_a_strategy_naming_a_missing_template_is_refused(run, strategy_file):
    # given
    strategy_file.write_text(STRATEGY.replace("first-letter", "nowhere"))

    # when
    with pytest.raises(CommandError) as error:
        run("strategies", "load", str(strategy_file), "--json")

    # then
    assert "STRATEGY_INVALID" in str(error.value) and "nowhere" in str(error.value)


def test_load_prints_the_strategy_and_its_version(run, strategy_file, org):
    # when
    first = run("strategies", "load", str(strategy_file), "--json")
    again = run("strategies", "load", str(strategy_file), "--json")
    strategy_file.write_text(STRATEGY.replace("wait_days = 2", "wait_days = 3"))
    changed = run("strategies", "load", str(strategy_file), "--org", "acme", "--json")

    # then
    assert first == {"strategy": "early", "version": 1}
    assert again == {"strategy": "early", "version": 1}
    assert changed == {"strategy": "early", "version": 2}


def test_preview_counts_what_would_act_and_writes_nothing(run, strategy_file, make_account):
    # given
    run("strategies", "load", str(strategy_file), "--json")
    for _ in range(3):
        make_account(delinquent_since=date(2026, 1, 1))

    # when
    preview = run("strategies", "preview", "--date", "2026-02-01", "--json")

    # then
    assert preview["accounts"] == 3
    assert [(s["step"], s["accounts"]) for s in preview["steps"]] == [("early/all/1:letter:first-letter", 3)]
    assert Enrollment.objects.count() == 0 and StepAction.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_nightly_twice_for_a_date_queues_and_posts_nothing_the_second_time(run, strategy_file, make_account):
    # given
    run("strategies", "load", str(strategy_file), "--json")
    make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))
    make_account(delinquent_since=date(2026, 1, 1))

    # when
    first = run("nightly", "--date", "2026-01-11", "--json", "--chunk-size", "1")
    second = run("nightly", "--date", "2026-01-11", "--json")

    # then
    assert (first["date"], first["accounts"]) == ("2026-01-11", 2)
    # Two strategy letters, and the validation notice of the account with an itemization date (1006.34):
    # the nightly run sends the notices that no one has sent yet.
    assert first["messages_queued"] == 3 and first["ledger_entries"] == 1
    assert (second["messages_queued"], second["ledger_entries"]) == (0, 0)
    assert second["runs"][0]["status"] == "completed"
    assert StepAction.objects.filter(action="letter", status="done").count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_account_stays_on_the_version_live_when_it_was_enrolled(
    run, strategy_file, make_account, org, system
):
    # given
    run("strategies", "load", str(strategy_file), "--json")
    early = make_account()
    run("nightly", "--date", "2026-01-11", "--json")

    # when
    template_save(organization=org, key="other-letter", channel="letter", body=LETTER, actor=system)
    strategy_file.write_text(STRATEGY.replace('template = "first-letter"', 'template = "other-letter"'))
    run("strategies", "load", str(strategy_file), "--json")
    late = make_account()
    run("nightly", "--date", "2026-01-12", "--json")

    # then
    versions = dict(Enrollment.objects.values_list("account_id", "version__version"))
    assert versions == {early.pk: 1, late.pk: 2}


def _gate_blocks_calls_until_8am(org, make_account, system):
    definitions.strategy_save(
        organization_id=org.pk,
        source='name = "calls"\n[[segments]]\nname = "all"\n[[segments.steps]]\naction = "call"\n'
        '[[segments.steps]]\naction = "stop"\n',
        actor=system,
    )
    return make_account()


@pytest.mark.django_db(transaction=True)
def test_a_blocked_step_is_recorded_and_retried_at_next_allowed_at(org, system, make_account):
    # given: 02:00 in New York, outside the hours a call is allowed
    account = _gate_blocks_calls_until_8am(org, make_account, system)
    night = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)

    # when
    with time_machine.travel(night, tick=False):
        services.nightly_run(organization=org, run_on=date(2026, 3, 3), actor=system)

    # then: blocked, with the reasons and when
    blocked = StepAction.objects.get(account_id=account.pk)
    assert blocked.status == "blocked" and blocked.reasons
    assert blocked.next_allowed_at is not None and blocked.next_allowed_at > night
    enrollment = Enrollment.objects.get(account_id=account.pk)
    assert enrollment.retry_at == blocked.next_allowed_at and enrollment.step_index == 0

    # when: the retry job before and at that time
    with time_machine.travel(blocked.next_allowed_at - timedelta(minutes=1), tick=False):
        scheduler._retries(blocked.next_allowed_at - timedelta(minutes=1))
    early = StepAction.objects.filter(account_id=account.pk).count()
    with time_machine.travel(blocked.next_allowed_at + timedelta(minutes=1), tick=False):
        scheduler._retries(blocked.next_allowed_at + timedelta(minutes=1))

    # then
    assert early == 1
    done = StepAction.objects.get(account_id=account.pk, status="done")
    assert done.action == "call" and done.detail["call_requests"] == 1
    from arrears.attempts.selectors import call_requests_open

    assert [r.account_id for r in call_requests_open(organization_id=org.pk)] == [account.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_chunk(org, system, make_account):
    # given
    for _ in range(4):
        make_account()
    run = services.nightly_start(
        organization=org, run_on=date(2026, 1, 5), actor=system, chunk_size=1, enqueue=False
    )

    # when
    a = [services.chunk_claim(run_id=run.pk, worker="a") for _ in range(2)]
    b = [services.chunk_claim(run_id=run.pk, worker="b") for _ in range(3)]

    # then
    claimed = [c.pk for c in a + b if c is not None]
    assert len(claimed) == 4 == len(set(claimed))
    assert b[-1] is None


@pytest.mark.django_db(transaction=True)
def test_a_chunk_of_a_killed_worker_is_taken_over_and_nothing_is_lost(
    org, system, make_account, strategy_file, run
):
    # given: worker "a" claimed a chunk and died
    run("strategies", "load", str(strategy_file), "--json")
    accounts = [make_account() for _ in range(3)]
    started = services.nightly_start(organization=org, run_on=date(2026, 1, 5), actor=system, enqueue=False)
    dead = services.chunk_claim(run_id=started.pk, worker="a")

    # when: another worker, before and after the lease ran out
    before = services.chunk_claim(run_id=started.pk, worker="b")
    later = datetime.now(UTC) + services.LEASE + timedelta(seconds=1)
    taken = services.chunk_claim(run_id=started.pk, worker="b", now=later)
    services.chunk_work(chunk=taken, worker="b")

    # then
    assert before is None and taken.pk == dead.pk and taken.claims == 2
    assert NightlyRun.objects.get(pk=started.pk).status == "completed"
    assert StepAction.objects.filter(status="done").count() == len(accounts)
    # and the dead worker, coming back, finds its chunk taken: its finish changes nothing
    assert NightlyChunk.objects.filter(pk=dead.pk, claimed_by="a").count() == 0


@pytest.mark.django_db(transaction=True)
def test_each_period_runs_once_whatever_the_number_of_workers(org):
    # given
    now = datetime(2026, 3, 3, 7, 5, tzinfo=UTC)  # 02:05 in New York

    # when
    first = scheduler.scheduler_tick(now=now, worker="a", enqueue=False)
    second = scheduler.scheduler_tick(now=now, worker="b", enqueue=False)

    # then
    names = {r.job for r in first}
    assert {"nightly:acme", "outbox-sweep", "strategy-retries"} <= names
    assert second == []
    nightly = ScheduledRun.objects.get(job="nightly:acme")
    assert nightly.period == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_runs_at_the_local_time_across_dst(org, system, run):
    # given: the organization's nightly at 02:30 local
    definitions.schedule_set(
        organization_id=org.pk, nightly_at=datetime(2026, 1, 1, 2, 30).time(),
        letters_at=datetime(2026, 1, 1, 16).time(), actor=system,
    )  # fmt: skip

    # when: ticks in winter and in summer, a little after the local time
    scheduler.scheduler_tick(now=datetime(2026, 3, 6, 7, 31, tzinfo=UTC), worker="a", enqueue=False)
    scheduler.scheduler_tick(now=datetime(2026, 3, 10, 6, 31, tzinfo=UTC), worker="a", enqueue=False)

    # then: 02:30 EST is 07:30 UTC, 02:30 EDT is 06:30 UTC
    periods = sorted(ScheduledRun.objects.filter(job="nightly:acme").values_list("period", flat=True))
    assert periods == [datetime(2026, 3, 6, 7, 30, tzinfo=UTC), datetime(2026, 3, 10, 6, 30, tzinfo=UTC)]
    listed = run("schedule", "--json")["jobs"]
    nightly = next(j for j in listed if j["job"] == "nightly:acme")
    assert nightly["last_run"]["period"] == "2026-03-10T06:30:00Z" and nightly["next_run"]


@pytest.mark.django_db(transaction=True)
def test_an_experiment_splits_new_accounts_and_reports(org, system, make_account, strategy_file, run):
    # given
    run("strategies", "load", str(strategy_file), "--json")
    strategy_file.write_text(STRATEGY.replace('"early"', '"bold"'))
    run("strategies", "load", str(strategy_file), "--json")
    run(
        "experiments",
        "start",
        "letters-test",
        "--arm",
        "champion:early:50",
        "--arm",
        "challenger:bold:50",
        "--json",
    )
    for _ in range(6):
        make_account()

    # when
    run("nightly", "--date", "2026-01-11", "--json")
    report = run("experiments", "report", "letters-test", "--json")

    # then
    arms = {a["name"]: a for a in report["arms"]}
    assert arms["champion"]["accounts"] + arms["challenger"]["accounts"] == 6
    assert arms["champion"]["collected"] == "0.00" and arms["champion"]["liquidation_rate"] == 0
    assert set(report) >= {"arms", "lift", "ci95"} and len(report["ci95"]) == 2
    by_arm = dict(Enrollment.objects.values_list("account_id", "arm"))
    run("nightly", "--date", "2026-01-12", "--json")
    assert dict(Enrollment.objects.values_list("account_id", "arm")) == by_arm


@pytest.mark.django_db(transaction=True)
def test_each_stored_notice_is_sent_once_through_the_gate(org, system, make_account):
    from arrears.compliance.selectors import decisions_for_account
    from arrears.core.money import Money
    from arrears.payments import services as payments
    from arrears.payments.services.plans import PlanTerms
    from arrears.strategies.notices import notices_send

    # given: a post-dated payment, a New York plan, a promise due soon and a broken one
    postdated = make_account(jurisdiction_state="TX")
    payment = payments.payment_post(
        account=postdated, amount=Money(D("50.00"), "USD"), method="check",
        received_at=datetime(2026, 3, 2, 15, tzinfo=UTC), deposit_on=date(2026, 3, 20), actor=system,
        idempotency_key="pd-1",
    )  # fmt: skip
    payment.refresh_from_db()
    on = payment.notice_from
    planned = make_account(jurisdiction_state="NY")
    terms = PlanTerms(frequency="monthly", installments=4, first_due=on + timedelta(days=1))
    payments.plan_create(account=planned, terms=terms, actor=system, today=on)
    promised = make_account(jurisdiction_state="TX")
    payments.promise_create(
        account=promised, amount=Money(D("20"), "USD"), due_on=on + timedelta(days=2), actor=system, today=on
    )
    broken = make_account(jurisdiction_state="TX")
    payments.promise_create(
        account=broken, amount=Money(D("20"), "USD"), due_on=on - timedelta(days=5), actor=system,
        today=on - timedelta(days=10),
    )  # fmt: skip
    payments.account_reconcile(account_id=broken.pk, today=on, actor=system)

    # when
    now = datetime.combine(on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=16)
    first = notices_send(organization_id=org.pk, on=on, now=now, actor=system)
    second = notices_send(organization_id=org.pk, on=on, now=now, actor=system)

    # then: one each, by kind, and none the second time
    assert first == {
        "postdated_notice": 1, "plan_confirmation": 1, "promise_reminder": 1,
        "installment_reminder": 1, "broken_promise": 1,
    }  # fmt: skip
    assert second == {}
    sent = {(n.kind, n.account_id) for n in NoticeSent.objects.all()}
    assert sent == {
        ("postdated_notice", postdated.pk),
        ("plan_confirmation", planned.pk),
        ("promise_reminder", promised.pk),
        ("installment_reminder", planned.pk),
        ("broken_promise", broken.pk),
    }
    # each went through the compliance gate: a stored decision for the account and channel
    for account, channel in [
        (postdated, "letter"),
        (planned, "letter"),
        (promised, "email"),
        (broken, "email"),
    ]:
        assert decisions_for_account(principal=system, account=account).filter(channel=channel).exists()


@pytest.mark.django_db(transaction=True)
def test_a_notice_with_no_contact_point_is_recorded_on_every_database(org):
    # given: the status a notice gets when the debtor has no address to send it to (16 characters,
    # longer than the column once was: PostgreSQL refused it and failed the night's notices step)
    from arrears.strategies.models import NoticeSent

    row = NoticeSent(
        organization_id=org.pk,
        kind="promise_reminder",
        subject_id=1,
        account_id=1,
        status="no_contact_point",
        reasons=[],
        created_at=timezone.now(),
    )

    # when
    row.full_clean(exclude=["reasons"])  # an empty list of reasons is what a sent notice has
    NoticeSent.objects.bulk_create([row], ignore_conflicts=True)

    # then
    assert NoticeSent.objects.get(organization_id=org.pk).status == "no_contact_point"
