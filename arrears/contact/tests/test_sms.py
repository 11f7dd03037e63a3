"""Texts through Twilio's official SDK against a local stand-in of its REST API, and the signed inbound
webhook: STOP and START words, and other texts landing on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from twilio.request_validator import RequestValidator

from arrears.attempts.models import ContactAttempt
from arrears.compliance.selectors import primary_debtor
from arrears.contact import messaging
from arrears.contact.messaging import message_deliver, message_queue
from arrears.contact.models import CollectorTask, InboundMessage, OutboundMessage
from arrears.debtors.models import ConsentRecord, ContactPoint

from .conftest import INVALID_NUMBER, TWILIO_FROM, TWILIO_TOKEN

pytestmark = pytest.mark.django_db
INBOUND = "/contact/twilio/acme/inbound/"


def post_inbound(client, body, *, sender, sid, token=TWILIO_TOKEN):
    params = {"MessageSid": sid, "From": sender, "To": TWILIO_FROM, "Body": body, "AccountSid": "AC1"}
    signature = RequestValidator(token).compute_signature(f"http://testserver{INBOUND}", params)
    return client.post(INBOUND, params, headers={"X-Twilio-Signature": signature})


def sms_opted_out(point):
    newest = (
        ConsentRecord.objects.filter(contact_point=point, channel="sms", kind="opt_out")
        .order_by("-recorded_at", "-id")
        .first()
    )
    return bool(newest and newest.granted)


def test_a_text_goes_out_through_the_twilio_sdk(
    twilio, at_now, make_account, sms_template, sms_consented, system
):
    account = make_account(reference="ACC-9")
    phone = sms_consented(account)

    sent = message_deliver(message_id=message_queue(template=sms_template, account=account, actor=system).pk)

    [received] = twilio.messages
    assert (received["to"], received["from"]) == (phone.value, TWILIO_FROM)
    assert received["body"] == sent.body
    assert "Acme Recovery: Jane, $1,000.00 is due on ACC-9." in sent.body and "Reply STOP" in sent.body
    assert sent.status == "sent" and sent.provider == "twilio" and sent.provider_message_id == received["sid"]
    assert ContactAttempt.objects.get(pk=sent.attempt_id).channel == "sms"


def test_without_consent_the_text_is_held_with_its_reasons_not_sent(
    twilio, at_now, make_account, sms_template, system
):
    message = message_queue(
        template=sms_template, account=make_account(), actor=system, release_when_allowed=True
    )

    held = message_deliver(message_id=message.pk)

    assert held.status == "blocked"
    assert [r["code"] for r in held.held_reasons] == ["NO_SMS_CONSENT"]
    assert held.held_reasons[0]["citation"].startswith("47 U.S.C. 227")
    assert ContactAttempt.objects.get(pk=held.attempt_id).outcome == "blocked"
    assert twilio.messages == []


def test_an_invalid_number_fails_at_once_without_retry(
    twilio, at_now, make_account, sms_template, sms_consented, system
):
    account = make_account()
    phone = sms_consented(account)
    ContactPoint.objects.filter(pk=phone.pk).update(value=INVALID_NUMBER)

    failed = message_deliver(
        message_id=message_queue(template=sms_template, account=account, actor=system).pk
    )

    assert failed.status == "failed" and failed.next_attempt_at is None
    assert "21211" in failed.last_error


def test_without_a_configured_provider_the_text_waits_with_the_reason_for_a_retry(
    at_now, make_account, sms_template, sms_consented, system, settings
):
    # given: Twilio is not set up (a small business that has not signed up for texts yet)
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    account = make_account()
    sms_consented(account)
    queued = message_queue(template=sms_template, account=account, actor=system)

    # when
    waiting = message_deliver(message_id=queued.pk)

    # then: back in the outbox with the reason, not stuck in `sending` nor a traceback in the worker
    assert waiting.status == "pending" and waiting.next_attempt_at is not None
    assert "TWILIO_FROM_NUMBER" in waiting.last_error


@pytest.mark.parametrize(
    "crash_before_provider", [False, True], ids=["crash-after-twilio", "crash-before-twilio"]
)
def test_a_crash_around_the_provider_call_sends_exactly_once(
    twilio, at_now, make_account, sms_template, sms_consented, system, monkeypatch, crash_before_provider
):
    account = make_account()
    sms_consented(account)
    message = message_queue(template=sms_template, account=account, actor=system)
    from arrears.contact.channels.sms import TwilioSmsProvider

    real_send, real_record = TwilioSmsProvider.send, messaging._record_sent

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    if crash_before_provider:
        monkeypatch.setattr(TwilioSmsProvider, "send", crash)
    else:
        monkeypatch.setattr(messaging, "_record_sent", crash)
    with pytest.raises(SystemExit):
        message_deliver(message_id=message.pk)
    monkeypatch.setattr(TwilioSmsProvider, "send", real_send)
    monkeypatch.setattr(messaging, "_record_sent", real_record)

    recovered = message_deliver(message_id=message.pk, now=at_now + timedelta(minutes=6))
    message_deliver(message_id=message.pk, now=at_now + timedelta(minutes=7))

    assert len(twilio.messages) == 1
    assert recovered.status == "sent" and not recovered.delivery_uncertain
    assert recovered.provider_message_id == twilio.messages[0]["sid"]
    assert ContactAttempt.objects.filter(direction="outbound", outcome="delivered").count() == 1


@pytest.mark.parametrize(
    "word",
    ["STOP", "stop", "  Stop  ", "QUIT", "end", "Revoke", "opt out", "OPT  OUT", "cancel", "UNSUBSCRIBE"],
)
def test_every_stop_word_revokes_at_once_and_queues_one_confirmation(
    twilio, at_now, make_account, sms_consented, client, word
):
    phone = sms_consented(make_account())

    response = post_inbound(client, word, sender="(212) 555-0001", sid="SMin1")

    assert response.status_code == 200
    assert sms_opted_out(phone)
    [confirmation] = OutboundMessage.objects.filter(purpose="optout_confirmation")
    assert confirmation.channel == "sms" and confirmation.target == phone.value
    assert "unsubscribed" in confirmation.body and "debt collector" in confirmation.body


def test_stop_then_start_sends_each_confirmation_once_and_restores_texts(
    twilio, at_now, make_account, sms_template, sms_consented, client, system
):
    account = make_account()
    phone = sms_consented(account)

    post_inbound(client, "STOP", sender=phone.value, sid="SMa")
    post_inbound(client, "STOP", sender=phone.value, sid="SMa")  # Twilio retried the webhook
    post_inbound(client, "stop", sender=phone.value, sid="SMb")  # already opted out
    for m in OutboundMessage.objects.all():
        message_deliver(message_id=m.pk)
    blocked = message_deliver(
        message_id=message_queue(template=sms_template, account=account, actor=system).pk
    )
    post_inbound(client, " unstop ", sender=phone.value, sid="SMc")
    post_inbound(client, "START", sender=phone.value, sid="SMd")  # already subscribed
    for m in OutboundMessage.objects.filter(status="pending"):
        message_deliver(message_id=m.pk)
    allowed = message_deliver(
        message_id=message_queue(template=sms_template, account=account, actor=system).pk
    )

    bodies = [m["body"] for m in twilio.messages]
    assert sum("you are unsubscribed" in b for b in bodies) == 1
    assert sum("you are resubscribed" in b for b in bodies) == 1
    assert [r["code"] for r in blocked.held_reasons] == ["MEDIUM_OPT_OUT"]
    assert allowed.status == "sent" and not sms_opted_out(phone)
    assert InboundMessage.objects.count() == 4


def test_a_forged_webhook_is_refused(twilio, at_now, make_account, sms_consented, client):
    phone = sms_consented(make_account())

    response = post_inbound(client, "STOP", sender=phone.value, sid="SMx", token="not-the-token")

    assert response.status_code == 403
    assert not sms_opted_out(phone) and not InboundMessage.objects.exists()


def test_any_other_text_lands_on_the_timeline_and_raises_a_collector_task(
    twilio, at_now, make_account, sms_consented, client
):
    account = make_account()
    phone = sms_consented(account)

    post_inbound(client, "Can I pay $50 on Friday?", sender=phone.value, sid="SMq")

    attempt = ContactAttempt.objects.get(direction="inbound")
    assert (attempt.channel, attempt.debtor, attempt.notes) == (
        "sms",
        primary_debtor(account),
        "Can I pay $50 on Friday?",
    )
    assert list(attempt.accounts.all()) == [account]
    task = CollectorTask.objects.get(kind="inbound_message")
    assert task.debtor == primary_debtor(account) and "pay $50" in task.description
    assert not OutboundMessage.objects.exists() and not sms_opted_out(phone)
