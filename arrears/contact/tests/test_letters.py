"""Letters: WeasyPrint PDFs in the organization's branding, checked by extracting their text with pypdf;
the envelope window shows nothing about debt collection; a batch is one print file plus a manifest."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from arrears.attempts.models import ContactAttempt
from arrears.compliance.selectors import primary_debtor
from arrears.compliance.services import hold_place
from arrears.contact.content import reveals_debt_collection
from arrears.contact.letters import letter_batch_complete, letter_batch_create, letter_pdf, letter_returned
from arrears.contact.messaging import message_queue
from arrears.contact.models import OrganizationBranding, OutboundMessage
from arrears.core.errors import ArrearsError
from arrears.debtors.models import ContactPoint
from arrears.tenancy.models import Organization

pytestmark = pytest.mark.django_db
INCH = 72
PAGE_HEIGHT = 11 * INCH
# A #10 window envelope, in PDF points from the bottom-left corner: (left, bottom, right, top).
ADDRESS_WINDOW = (0.875 * INCH, PAGE_HEIGHT - 3.125 * INCH, 4.875 * INCH, PAGE_HEIGHT - 2 * INCH)
RETURN_WINDOW = (0.5 * INCH, PAGE_HEIGHT - 1.375 * INCH, 3.75 * INCH, PAGE_HEIGHT - 0.5 * INCH)


def text_in(page, box) -> str:
    """The text whose baseline starts inside ``box`` (what shows through that window)."""
    left, bottom, right, top = box
    found: list[str] = []

    def visit(text, cm, tm, font, size):
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if text.strip() and left <= x <= right and bottom <= y <= top:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(found)


@pytest.fixture
def branded(org):
    Organization.objects.filter(pk=org.pk).update(
        legal_name="Acme Recovery LLC", address="PO Box 100\nAlbany, NY 12201", phone="(800) 555-0199"
    )
    OrganizationBranding.objects.create(
        organization=org, envelope_name="AR Services", return_address="PO Box 100\nAlbany, NY 12201",
        primary_colour="#0b5394",
    )  # fmt: skip
    org.refresh_from_db()
    return org


def test_a_letter_pdf_carries_the_letter_and_the_windows_reveal_nothing(
    branded, at_now, make_account, letter_template, system
):
    account = make_account(reference="ACC-31")
    message = message_queue(template=letter_template, account=account, actor=system)

    page = PdfReader(io.BytesIO(letter_pdf(message=message))).pages[0]

    whole = " ".join(page.extract_text().split())
    assert "This communication is from a debt collector." in whole
    assert "The amount due is $1,000.00." in whole and "Reference: ACC-31" in whole
    assert "Acme Recovery LLC" in whole  # the letterhead, inside the envelope
    address = text_in(page, ADDRESS_WINDOW)
    assert address == "Jane Doe1 1 Main St New York, NY 10001"
    returns = text_in(page, RETURN_WINDOW)
    assert returns == "AR Services PO Box 100 Albany, NY 12201"
    assert not reveals_debt_collection(address + " " + returns)


def test_without_a_neutral_name_the_return_window_shows_only_the_address(
    at_now, org, make_account, letter_template, system
):
    OrganizationBranding.objects.create(organization=org, return_address="PO Box 7\nTroy, NY 12180")
    message = message_queue(template=letter_template, account=make_account(), actor=system)

    page = PdfReader(io.BytesIO(letter_pdf(message=message))).pages[0]

    assert text_in(page, RETURN_WINDOW) == "PO Box 7 Troy, NY 12180"  # not "Acme Recovery"


def test_a_return_address_that_reveals_debt_collection_is_refused(
    at_now, org, make_account, letter_template, system
):
    OrganizationBranding.objects.create(organization=org, return_address="1 Debt Collection Plaza\nTroy, NY")
    message = message_queue(template=letter_template, account=make_account(), actor=system)

    with pytest.raises(ArrearsError) as caught:
        letter_pdf(message=message)

    assert caught.value.code == "CONTACT_ENVELOPE_REVEALS_DEBT"


def test_a_batch_is_one_print_file_with_a_manifest_and_holds_blocked_letters(
    branded, at_now, make_account, letter_template, system
):
    accounts = [make_account(reference=f"B-{i}") for i in range(3)]
    messages = [message_queue(template=letter_template, account=a, actor=system) for a in accounts]
    disputed = make_account(reference="B-cease")
    hold_place(kind="cease_communication", debtor=primary_debtor(disputed), actor=system)
    held = message_queue(template=letter_template, account=disputed, actor=system, release_when_allowed=True)

    batch = letter_batch_create(organization=branded, actor=system)
    batch = letter_batch_complete(batch_id=batch.pk, actor=system)
    again = letter_batch_complete(batch_id=batch.pk, actor=system)

    assert batch.status == "complete" and again.print_file.name == batch.print_file.name
    reader = PdfReader(batch.print_file.path)
    assert len(reader.pages) == batch.page_count == 3
    rows = list(csv.DictReader(io.StringIO(batch.manifest.read().decode())))
    assert [r["account_reference"] for r in rows] == ["B-0", "B-1", "B-2"]
    assert [r["first_page"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["recipient"] == "Jane Doe1" and rows[0]["postal_code"] == "10001"
    for row, page in zip(rows, reader.pages, strict=True):
        assert text_in(page, ADDRESS_WINDOW).startswith(row["recipient"])
        assert f"Reference: {row['account_reference']}" in page.extract_text()
    for m in messages:
        m.refresh_from_db()
        assert m.status == "sent" and m.letter_batch_id == batch.pk
        assert ContactAttempt.objects.get(pk=m.attempt_id).outcome == "delivered"
    held.refresh_from_db()
    assert held.status == "blocked" and held.letter_batch_id is None
    assert [r["code"] for r in held.held_reasons] == ["CEASE_COMMUNICATION"]
    assert letter_batch_create(organization=branded, actor=system) is None  # nothing new to print


def test_an_interrupted_batch_completes_later_without_duplicates(
    branded, at_now, make_account, letter_template, system, monkeypatch
):
    from arrears.contact import letters

    for i in range(2):
        message_queue(template=letter_template, account=make_account(reference=f"R-{i}"), actor=system)
    batch = letter_batch_create(organization=branded, actor=system)

    def crash(views, **kwargs):
        raise SystemExit("worker killed while rendering")

    real = letters.render_letters
    monkeypatch.setattr(letters, "render_letters", crash)
    with pytest.raises(SystemExit):
        letter_batch_complete(batch_id=batch.pk, actor=system)
    monkeypatch.setattr(letters, "render_letters", real)
    done = letter_batch_complete(batch_id=batch.pk, actor=system)

    assert done.status == "complete" and done.letter_count == 2
    assert len(PdfReader(done.print_file.path).pages) == 2
    assert ContactAttempt.objects.filter(channel="letter", outcome="delivered").count() == 2


def test_returned_mail_marks_the_address_undeliverable(
    branded, at_now, make_account, letter_template, system
):
    account = make_account()
    message = message_queue(template=letter_template, account=account, actor=system)
    batch = letter_batch_create(organization=branded, actor=system)
    letter_batch_complete(batch_id=batch.pk, actor=system)
    message.refresh_from_db()

    returned = letter_returned(message=message, reason="Return to sender: no such number")

    assert returned.status == "bounced"
    assert ContactPoint.objects.get(pk=message.contact_point_id).status == "undeliverable"
    assert ContactAttempt.objects.get(pk=message.attempt_id).outcome == "undeliverable"
    with pytest.raises(ArrearsError):  # no usable address is left for the next letter
        message_queue(template=letter_template, account=account, actor=system)
    assert OutboundMessage.objects.count() == 1


def test_the_print_task_finishes_open_batches_then_prints_the_rest(
    branded, at_now, make_account, letter_template, system
):
    from arrears.contact.models import LetterBatch
    from arrears.contact.tasks import letters_print_task

    message_queue(template=letter_template, account=make_account(reference="T-1"), actor=system)
    left_open = letter_batch_create(organization=branded, actor=system)
    message_queue(template=letter_template, account=make_account(reference="T-2"), actor=system)

    done = letters_print_task.call(organization_id=branded.pk)
    again = letters_print_task.call(organization_id=branded.pk)

    assert done[0] == left_open.pk and len(done) == 2 and again == []
    assert set(LetterBatch.objects.values_list("status", "letter_count")) == {("complete", 1)}
    assert OutboundMessage.objects.filter(status="sent").count() == 2
