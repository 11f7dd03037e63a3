import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from arrears.attempts.models import ContactAttempt
from arrears.tenancy.choices import Role

DAY = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 14:00 in New York
NIGHT = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)  # 23:00 in New York


@pytest.fixture
def as_role(client, org, make_user):
    def login(role, username=None):
        client.force_login(make_user(org, role, username=username or role))
        return client

    return login


def test_before_dialling_the_screen_shows_the_decision(as_role, make_account, settings):
    account = make_account()
    browser = as_role(Role.COLLECTOR)
    settings.SESSION_COOKIE_AGE = 24 * 3600  # one session from day to night: past the idle expiry

    with time_machine.travel(DAY, tick=False):
        day = browser.get(reverse("workbench:call_form", args=[account.pk])).content.decode()
    with time_machine.travel(NIGHT, tick=False):
        night = browser.get(reverse("workbench:call_form", args=[account.pk]), {"check": 1}).content.decode()

    assert "Allowed now" in day and "+12125550001" in day
    assert "Blocked now" in night and "INCONVENIENT_TIME" in night and "12 CFR 1006.6(b)(1)(i)" in night
    assert 'name="override_reason"' not in day  # collectors cannot override


def test_a_call_logged_from_the_workbench_stores_its_decision(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            reverse("workbench:call_log", args=[account.pk]),
            {
                "number": "+12125550001",
                "direction": "outbound",
                "outcome": "voicemail",
                "minutes": "2",
                "notes": "left message",
            },
        )

    assert response.status_code == 302
    attempt = ContactAttempt.objects.get()
    assert attempt.outcome == "voicemail" and attempt.decision.allowed
    assert attempt.ended_at - attempt.at == timedelta(minutes=2)
    assert attempt.user.username == "collector"


def test_a_blocked_call_is_refused_without_override_and_accepted_with_one(as_role, make_account):
    account = make_account()
    form = {"number": "+12125550001", "direction": "outbound", "outcome": "conversation"}

    with time_machine.travel(NIGHT, tick=False):
        refused = as_role(Role.COLLECTOR).post(
            reverse("workbench:call_log", args=[account.pk]), form, follow=True
        )
        accepted = as_role(Role.MANAGER).post(
            reverse("workbench:call_log", args=[account.pk]),
            {**form, "override_reason": "debtor's written request to call after 9pm"},
            follow=True,
        )

    assert "Blocked by the compliance gate: " in refused.content.decode()
    assert "Call logged: conversation (other)." in accepted.content.decode()
    outcomes = list(ContactAttempt.objects.order_by("id").values_list("outcome", "decision__overridden"))
    assert outcomes == [("blocked", False), ("conversation", True)]


def test_the_timeline_shows_every_kind_of_event_newest_first(
    as_role, make_account, system, tmp_path, settings
):
    from arrears.accounts.services import account_note_add
    from arrears.compliance.services import hold_place
    from arrears.contact.services import contact_attempt_record
    from arrears.core.clock import utcnow
    from arrears.core.money import Money
    from arrears.documents.services import document_store
    from arrears.documents.tests.conftest import PDF
    from arrears.payments.services import payment_post, promise_create

    settings.MEDIA_ROOT = tmp_path
    account = make_account(principal=Decimal("500.00"))
    debtor = account.debtors.get()
    steps = [
        (
            "call",
            lambda: contact_attempt_record(
                debtor=debtor,
                channel="call",
                direction="outbound",
                outcome="no_answer",
                accounts=[account],
                actor=system,
                contact_point=debtor.contact_points.get(kind="phone"),
            ),
        ),
        (
            "email",
            lambda: contact_attempt_record(
                debtor=debtor,
                channel="email",
                direction="outbound",
                outcome="delivered",
                accounts=[account],
                actor=system,
                contact_point=debtor.contact_points.get(kind="email"),
            ),
        ),
        (
            "letter",
            lambda: contact_attempt_record(
                debtor=debtor,
                channel="letter",
                direction="outbound",
                outcome="delivered",
                accounts=[account],
                actor=system,
                contact_point=debtor.contact_points.get(kind="address"),
            ),
        ),
        (
            "promise",
            lambda: promise_create(
                account=account,
                amount=Money.of("50", "USD"),
                due_on=date(2026, 3, 20),
                actor=system,
                today=date(2026, 3, 10),
            ),
        ),
        (
            "payment",
            lambda: payment_post(
                account=account,
                amount=Money.of("50", "USD"),
                method="card",
                received_at=utcnow(),
                actor=system,
                idempotency_key="tl-1",
            ),
        ),
        (
            "hold",
            lambda: hold_place(kind="attorney_represented", actor=system, account=account, reason="letter"),
        ),
        ("note", lambda: account_note_add(account=account, body="spoke to attorney's office", actor=system)),
        (
            "document",
            lambda: document_store(
                actor=system,
                kind="judgment",
                stream=io.BytesIO(PDF),
                original_name="judgment.pdf",
                account=account,
            ),
        ),
    ]
    for i, (_, make) in enumerate(steps):
        with time_machine.travel(DAY + timedelta(minutes=10 * i), tick=False):
            make()
    browser = as_role(Role.COLLECTOR)

    page = browser.get(reverse("workbench:timeline", args=[account.pk])).content.decode()
    calls_only = browser.get(
        reverse("workbench:timeline", args=[account.pk]), {"group": "calls"}
    ).content.decode()

    kinds = [
        k
        for k in (
            line.split('data-kind="')[1].split('"')[0] for line in page.splitlines() if "data-kind=" in line
        )
    ]
    expected = [k for k, _ in reversed(steps)]
    assert [k for k in kinds if k in expected] == expected
    assert 'data-kind="call"' in calls_only and 'data-kind="payment"' not in calls_only


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        pytest.param("99999999999", "Ensure this value is less than or equal to 1440.", id="overflows-a-day"),
        pytest.param("abc", "Enter a whole number", id="not-a-number"),
        pytest.param("-5", "Ensure this value is greater than or equal to 0.", id="negative"),
    ],
)
def test_bad_minutes_show_the_form_again_with_the_message_next_to_the_field(
    as_role, make_account, minutes, message
):
    # given a collector logging a call with nonsense for its length
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    # when they submit it
    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            reverse("workbench:call_log", args=[account.pk]),
            {"number": "+12125550001", "direction": "outbound", "outcome": "voicemail", "minutes": minutes},
        )

    # then the form comes back with a 400, the message beside the minutes, and nothing is logged
    page = response.content.decode()
    assert response.status_code == 400
    assert f'<span class="error field-error" id="minutes-error" role="alert">{message}' in page
    assert 'aria-describedby="minutes-help minutes-error"' in page and f'value="{minutes}"' in page
    assert ">Minutes" in page  # a visible label
    assert not ContactAttempt.objects.exists()


def test_an_unknown_outcome_and_a_bad_number_are_shown_next_to_their_fields(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        unknown = browser.post(
            reverse("workbench:call_log", args=[account.pk]),
            {"number": "+12125550001", "direction": "sideways", "outcome": "shrugged", "minutes": "1"},
        )
        bad_number = browser.post(
            reverse("workbench:call_log", args=[account.pk]),
            {"number": "not a phone", "direction": "outbound", "outcome": "voicemail", "minutes": "1"},
        )

    assert unknown.status_code == 400 and bad_number.status_code == 400
    assert (
        'id="outcome-error"' in unknown.content.decode()
        and 'id="direction-error"' in unknown.content.decode()
    )
    assert 'id="number-error"' in bad_number.content.decode()
    assert not ContactAttempt.objects.exists()


def test_a_valid_call_with_a_recording_logs_both(as_role, make_account, settings, tmp_path):
    from arrears.documents.models import Document
    from arrears.documents.tests.conftest import make_wav

    settings.MEDIA_ROOT = str(tmp_path)
    account = make_account()
    browser = as_role(Role.COLLECTOR)
    recording = io.BytesIO(make_wav(seconds=0.2))
    recording.name = "call.wav"

    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            reverse("workbench:call_log", args=[account.pk]),
            {
                "number": "+12125550001",
                "direction": "outbound",
                "outcome": "conversation",
                "minutes": "1440",
                "recording": recording,
            },
        )

    attempt = ContactAttempt.objects.get()
    assert response.status_code == 302
    assert attempt.ended_at - attempt.at == timedelta(days=1)
    assert Document.objects.get().contact_attempt_id == attempt.pk
    assert Document.objects.get().original_name == "call.wav"


def test_a_refused_recording_logs_no_call(as_role, make_account, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    account = make_account()
    browser = as_role(Role.COLLECTOR)
    not_audio = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
    not_audio.name = "call.mp3"

    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            reverse("workbench:call_log", args=[account.pk]),
            {
                "number": "+12125550001",
                "direction": "outbound",
                "outcome": "voicemail",
                "recording": not_audio,
            },
        )

    assert response.status_code == 400
    assert 'id="recording-error"' in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_an_empty_note_is_refused_beside_the_field(as_role, make_account):
    account = make_account()

    response = as_role(Role.COLLECTOR).post(reverse("workbench:note_add", args=[account.pk]), {"body": "   "})

    assert response.status_code == 400
    assert 'id="body-error"' in response.content.decode()
