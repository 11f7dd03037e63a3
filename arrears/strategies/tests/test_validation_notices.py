"""The validation notice goes out by itself: by email with the notice attached to a debtor who gave E-SIGN
consent (12 CFR 1006.42), otherwise by letter; its validation period runs from the day it went out."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import time_machine

from arrears.compliance.models import ValidationNotice
from arrears.compliance.selectors import primary_debtor
from arrears.contact.letters import letter_batch_complete, letter_batch_create
from arrears.contact.messaging import message_deliver
from arrears.contact.models import OutboundMessage
from arrears.contact.tests.conftest import Mailbox, free_port  # noqa: F401  (the SMTP fixture's parts)
from arrears.debtors.services import consent_record
from arrears.strategies.notices import validation_notices_send

# Monday 21 December 2026, 10:00 in New York: provided today, the notice is assumed received on
# 29 December (Christmas skipped) and the validation period ends on 28 January 2027 (1006.34(b)(5)).
MONDAY = datetime(2026, 12, 21, 15, 0, tzinfo=UTC)


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.ARREARS_BASE_URL = "http://testserver"
    yield mailbox
    controller.stop()


@pytest.fixture
def accounts(make_account):
    return {
        name: make_account(reference=f"VN-{name}", itemization_date=date(2026, 10, 31))
        for name in ("consented", "paper", "opted_out", "other_consent")
    }


def _email(account):
    return primary_debtor(account).contact_points.get(kind="email")


def _consent(account, system, *, source="portal:esign", at=MONDAY):
    consent_record(
        debtor=primary_debtor(account), channel="email", kind="consent", granted=True, actor=system,
        contact_point=_email(account), source=source, note="E-SIGN disclosure 2026-12", at=at.replace(hour=1),
    )  # fmt: skip


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_consent_decides_email_or_letter_and_each_is_sent_and_dated_the_day_it_goes_out(
    accounts, system, smtp, settings, tmp_path
):
    # given: E-SIGN consent for one debtor; one who opted out of that email after consenting; one whose
    # email consent came from an import (consent to be emailed, not E-SIGN); one with no consent at all
    settings.MEDIA_ROOT = str(tmp_path)
    _consent(accounts["consented"], system)
    _consent(accounts["opted_out"], system)
    consent_record(
        debtor=primary_debtor(accounts["opted_out"]), channel="email", kind="opt_out", granted=True,
        actor=system, contact_point=_email(accounts["opted_out"]), source="portal", at=MONDAY.replace(hour=2),
    )  # fmt: skip
    _consent(accounts["other_consent"], system, source="import")

    # when the nightly step runs, the outbox sends the email, and the day's letters are printed
    with time_machine.travel(MONDAY, tick=False):
        queued = validation_notices_send(organization_id=system.organization_id, now=MONDAY, actor=system)
        again = validation_notices_send(organization_id=system.organization_id, now=MONDAY, actor=system)
        email = OutboundMessage.objects.get(purpose="validation_notice", channel="email")
        sent = message_deliver(message_id=email.pk, now=MONDAY)
        org = accounts["paper"].organization
        batch = letter_batch_create(organization=org, actor=system, at=MONDAY)
        letter_batch_complete(batch_id=batch.pk, actor=system, at=MONDAY)

    # then one email (to the consented address) and three letters, once
    assert queued == {"email": 1, "letter": 3}
    assert again == {}, "a second run queues nothing"
    assert (
        email.account_id == accounts["consented"].pk and email.target == _email(accounts["consented"]).value
    )
    assert sent.status == "sent"
    [received] = smtp.messages
    assert received["To"] == email.target
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "validation-notice-VN-consented.pdf"
    pdf = attachment.get_content()
    assert "How can you dispute the debt?" in _pdf_text(pdf) and "January 28, 2027" in _pdf_text(pdf)
    body = received.get_body(("plain",)).get_content()
    assert "attached" in body and "http://testserver/portal/" in body and "debt collector" in body

    notices = {n.account.reference: n for n in ValidationNotice.objects.select_related("account")}
    electronic = notices["VN-consented"]
    assert (electronic.channel, electronic.sent_at, electronic.delivered_to) == (
        "email",
        MONDAY,
        email.target,
    )
    assert (electronic.provided_on, electronic.ends_on) == (date(2026, 12, 21), date(2027, 1, 28))
    assert electronic.message_id == email.pk
    for reference in ("VN-paper", "VN-opted_out", "VN-other_consent"):
        assert notices[reference].channel == "letter", reference
        assert notices[reference].ends_on == date(2027, 1, 28)
        kept = _pdf_text(notices[reference].document.read())
        assert "follows on the next page" in kept and "How can you dispute the debt?" in kept, (
            "the letter as printed"
        )
    batch.refresh_from_db()
    printed = _pdf_text(batch.print_file.read())
    assert printed.count("How can you dispute the debt?") == 3, "each letter carries the notice"


@pytest.mark.django_db
def test_the_account_page_shows_how_and_when_the_notice_went_and_when_the_period_ends(
    accounts, system, smtp, settings, tmp_path, make_user, client, org
):
    from arrears.tenancy.choices import Role

    settings.MEDIA_ROOT = str(tmp_path)
    _consent(accounts["consented"], system)
    user = make_user(org, Role.COLLECTOR)
    page = f"/accounts/{accounts['consented'].pk}/"
    late = datetime(2026, 12, 22, 3, 0, tzinfo=UTC)  # Monday 22:00 in New York: held until morning
    tuesday = MONDAY.replace(day=22)

    with time_machine.travel(late, tick=False):
        client.force_login(user)
        before = client.get(page).content.decode()
        validation_notices_send(organization_id=org.pk, now=late, actor=system)
        held = client.get(page).content.decode()
    email = OutboundMessage.objects.get(purpose="validation_notice", channel="email")
    with time_machine.travel(tuesday, tick=False):
        client.force_login(user)
        message_deliver(message_id=email.pk, now=tuesday)
        after = client.get(page).content.decode()
        download = client.get(f"{page}validation-notice.pdf")

    assert "Not sent yet" in before
    assert "Queued by email (held until allowed: It is Mon 2026-12-21 22:00" in held
    assert (
        f"Emailed to {email.target} (E-SIGN consent) at 2026-12-22 10:00 EST; "
        "validation period ends 2027-01-29" in after
    )
    assert download.content == ValidationNotice.objects.get(message_id=email.pk).document.open("rb").read()


@pytest.mark.django_db
def test_a_held_email_is_dated_and_starts_its_period_the_day_it_is_sent(
    accounts, system, smtp, settings, tmp_path
):
    # given: consent, and the nightly step at 22:00 in New York, when no email may go out
    settings.MEDIA_ROOT = str(tmp_path)
    account = accounts["consented"]
    _consent(account, system)
    late = datetime(2026, 12, 22, 3, 0, tzinfo=UTC)  # Monday 22:00 New York
    tuesday = datetime(2026, 12, 22, 14, 0, tzinfo=UTC)  # Tuesday 09:00 New York

    # when
    with time_machine.travel(late, tick=False):
        validation_notices_send(organization_id=system.organization_id, now=late, actor=system)
    email = OutboundMessage.objects.get(purpose="validation_notice", account=account)
    with time_machine.travel(tuesday, tick=False):
        sent = message_deliver(message_id=email.pk, now=tuesday)

    # then held by the gate's hours, sent in the morning, and dated Tuesday: received (5 business days,
    # Christmas skipped) on 30 December, period ends 29 January
    assert email.status == "blocked" and email.held_reasons[0]["code"] == "INCONVENIENT_TIME"
    assert sent.status == "sent" and len(smtp.messages) == 1
    notice = ValidationNotice.objects.get(account=account)
    assert (notice.provided_on, notice.assumed_receipt_on, notice.ends_on) == (
        date(2026, 12, 22), date(2026, 12, 30), date(2027, 1, 29)
    )  # fmt: skip
    assert notice.sent_at == tuesday


@pytest.mark.django_db(transaction=True)
def test_the_emailed_notice_and_its_record_commit(make_account, system, smtp, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    account = make_account(reference="VN-tx", itemization_date=date(2026, 10, 31))
    _consent(account, system)

    with time_machine.travel(MONDAY, tick=False):
        validation_notices_send(organization_id=system.organization_id, now=MONDAY, actor=system)
        email = OutboundMessage.objects.get(purpose="validation_notice")
        message_deliver(message_id=email.pk, now=MONDAY)

    notice = ValidationNotice.objects.get(account=account)
    assert (notice.channel, notice.message_id, notice.ends_on) == ("email", email.pk, date(2027, 1, 28))
    assert notice.document.read().startswith(b"%PDF")
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_consent_withdrawn_before_the_email_goes_means_a_letter_instead(
    accounts, system, smtp, settings, tmp_path
):
    # given: an emailed notice queued overnight (held by the hours rule)
    settings.MEDIA_ROOT = str(tmp_path)
    account = accounts["consented"]
    _consent(account, system)
    late = datetime(2026, 12, 22, 3, 0, tzinfo=UTC)
    tuesday = MONDAY.replace(day=22)
    with time_machine.travel(late, tick=False):
        validation_notices_send(organization_id=system.organization_id, now=late, actor=system)
    email = OutboundMessage.objects.get(purpose="validation_notice", account=account)

    # when the debtor withdraws the E-SIGN consent before the morning
    consent_record(
        debtor=primary_debtor(account), channel="email", kind="consent", granted=False, actor=system,
        contact_point=_email(account), source="portal:esign", at=late,
    )  # fmt: skip
    with time_machine.travel(tuesday, tick=False):
        failed = message_deliver(message_id=email.pk, now=tuesday)
        queued = validation_notices_send(organization_id=system.organization_id, now=tuesday, actor=system)

    # then no email went, nothing was recorded as provided, and the next run sends a letter
    assert failed.status == "failed" and "E-SIGN" in failed.last_error
    assert smtp.messages == [] and not ValidationNotice.objects.filter(account=account).exists()
    assert queued == {"letter": 1}
    assert OutboundMessage.objects.get(purpose="validation_notice", account=account, channel="letter")
