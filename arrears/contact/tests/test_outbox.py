"""The outbox: a message blocked at send time is held with its reasons and released when allowed (or
cancelled); delivery tasks are safe to run twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from arrears.attempts.models import ContactAttempt
from arrears.audit.models import AuditEvent
from arrears.compliance.models import Decision
from arrears.compliance.selectors import primary_debtor
from arrears.compliance.services import hold_lift, hold_place
from arrears.contact.messaging import message_deliver, message_queue
from arrears.contact.tasks import message_deliver_task, outbox_sweep_task

pytestmark = pytest.mark.django_db
NIGHT = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)  # 22:00 in New York (EDT since 8 March)
NEXT_MORNING = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # 08:00 in New York


def test_a_message_blocked_at_night_is_held_with_reasons_then_released_in_the_morning(
    smtp_server, make_account, email_template, system, django_capture_on_commit_callbacks
):
    account = make_account()
    with time_machine.travel(NIGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        message = message_queue(
            template=email_template, account=account, actor=system, release_when_allowed=True
        )

    with django_capture_on_commit_callbacks(execute=True):
        held = message_deliver(message_id=message.pk, now=NIGHT)
    early = message_deliver(message_id=message.pk, now=NEXT_MORNING - timedelta(minutes=1))

    assert held.status == early.status == "blocked"
    assert [r["code"] for r in held.held_reasons] == ["INCONVENIENT_TIME"]
    assert "12 CFR 1006.6(b)(1)(i)" in held.held_reasons[0]["citation"]
    assert held.next_attempt_at == NEXT_MORNING
    assert ContactAttempt.objects.get(pk=held.attempt_id).outcome == "blocked"
    tasks = DBTaskResult.objects.filter(task_path__endswith="message_deliver_task").order_by("enqueued_at")
    assert [t.args_kwargs["kwargs"] for t in tasks] == [{"message_id": message.pk}] * 2
    assert tasks.last().run_after == NEXT_MORNING  # the retry waits for the morning
    assert smtp_server.messages == []

    with time_machine.travel(NEXT_MORNING, tick=False):
        released = message_deliver_task.call(message_id=message.pk)
        twice = message_deliver_task.call(message_id=message.pk)

    assert released == twice == "sent"
    assert len(smtp_server.messages) == 1
    decisions = Decision.objects.filter(account=account).order_by("at")
    assert [d.allowed for d in decisions] == [False, True]  # both checks are on record
    outbound = ContactAttempt.objects.filter(debtor=primary_debtor(account)).order_by("at")
    assert [a.outcome for a in outbound] == ["blocked", "delivered"]


def test_a_blocked_message_not_chosen_for_release_is_cancelled(
    smtp_server, make_account, email_template, system
):
    account = make_account()
    message = message_queue(template=email_template, account=account, actor=system)

    cancelled = message_deliver(message_id=message.pk, now=NIGHT)
    later = message_deliver(message_id=message.pk, now=NEXT_MORNING)

    assert cancelled.status == later.status == "cancelled"
    assert [r["code"] for r in later.held_reasons] == ["INCONVENIENT_TIME"]
    assert AuditEvent.objects.filter(event="contact.message_cancelled").count() == 1
    assert smtp_server.messages == []


def test_a_message_held_by_a_hold_goes_out_when_the_hold_is_lifted(
    smtp_server, at_now, make_account, email_template, system
):
    account = make_account()
    hold = hold_place(kind="attorney_represented", debtor=primary_debtor(account), actor=system)
    message = message_queue(template=email_template, account=account, actor=system, release_when_allowed=True)

    held = message_deliver(message_id=message.pk)
    outbox_sweep_task.call()
    still = message_deliver(message_id=message.pk)
    hold_lift(hold=hold, actor=system, reason="attorney withdrew")
    swept = outbox_sweep_task.call()

    assert held.status == still.status == "blocked" and held.next_attempt_at is None
    assert [r["code"] for r in held.held_reasons] == ["ATTORNEY_REPRESENTED"]
    assert swept == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.held_reasons == []
    assert len(smtp_server.messages) == 1
    assert ContactAttempt.objects.filter(outcome="blocked").count() == 1  # the timeline shows the hold once
