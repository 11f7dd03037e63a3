"""Debtors and contact points (consents, opt-outs), contact attempts and calls (recordings), and messages
through the API: tenancy, client scoping, bad input as problems, and the compliance gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from arrears.attempts.models import ContactAttempt
from arrears.documents.models import Document
from arrears.documents.tests.conftest import PDF, make_wav

pytestmark = pytest.mark.django_db

AFTERNOON = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 14:00 in New York, a Tuesday
NIGHT = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)  # 23:00 in New York
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def token_of(make_token, org, **kwargs):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(org, **kwargs)}"}


def post_json(client, url, body, headers, **extra):
    return client.post(url, body, content_type="application/json", **headers, **extra)


# --- debtors and contact points -----------------------------------------------------------------------------


def test_debtors_are_listed_a_page_at_a_time_with_points_and_a_masked_national_id(
    client, bearer, make_account, system, org
):
    # given
    from arrears.debtors.services import debtor_create

    with_id = debtor_create(
        organization_id=org.pk, actor=system, first_name="Ann", last_name="Lee", national_id="123-45-6789"
    )
    made = [make_account(reference=f"D-{i}") for i in range(2)]
    make_account(reference="D-ID", debtor=with_id)

    # when
    first = client.get("/api/v1/debtors?limit=2", **bearer)
    rest = client.get(f"/api/v1/debtors?limit=2&starting_after={first.json()['data'][-1]['id']}", **bearer)
    one = client.get(f"/api/v1/debtors/{with_id.pk}", **bearer)

    # then
    assert first.status_code == 200 and first.json()["has_more"] is True
    assert [d["id"] for d in first.json()["data"]] == sorted(d["id"] for d in first.json()["data"])
    listed = first.json()["data"] + rest.json()["data"]
    assert rest.json()["has_more"] is False and len(listed) == 3
    debtor = next(d for d in listed if d["id"] == made[0].debtors.get().pk)
    assert {p["kind"] for p in debtor["contact_points"]} == {"phone", "email", "address"}
    assert debtor["accounts"][0]["reference"] == "D-0"
    body = one.json()
    assert body["national_id"] == "***-**-6789"
    assert "123456789" not in one.content.decode() and "123-45-6789" not in one.content.decode()


def test_another_organizations_debtor_and_contact_point_are_404(
    client, org, other_org, make_token, make_account
):
    # given
    debtor = make_account(reference="MINE-D").debtors.get()
    point = debtor.contact_points.first()
    theirs = token_of(make_token, other_org)

    # when
    got = client.get(f"/api/v1/debtors/{debtor.pk}", **theirs)
    listed = client.get("/api/v1/debtors", **theirs)
    point_got = client.get(f"/api/v1/contact-points/{point.pk}", **theirs)
    patched = client.patch(
        f"/api/v1/contact-points/{point.pk}", {"status": "invalid"}, content_type="application/json", **theirs
    )
    added = post_json(
        client, f"/api/v1/debtors/{debtor.pk}/contact-points", {"kind": "email", "value": "a@b.co"}, theirs
    )
    opted = post_json(client, f"/api/v1/debtors/{debtor.pk}/consents", {"channel": "sms"}, theirs)

    # then
    assert (
        got.status_code == 404 and got.json()["code"] == "DEBTOR_NOT_FOUND" and got["Content-Type"] == PROBLEM
    )
    assert listed.json()["data"] == []
    assert point_got.status_code == 404 and point_got.json()["code"] == "DEBTOR_CONTACT_POINT_NOT_FOUND"
    assert patched.status_code == 404 and added.status_code == 404 and opted.status_code == 404
    point.refresh_from_db()
    assert point.status != "invalid"


def test_a_client_token_sees_only_the_debtors_of_its_client(
    client, org, system, make_token, make_account, client_
):
    # given
    from arrears.tenancy.services import client_create

    other = client_create(organization=org, code="store", name="Store", actor=system)
    mine = make_account(reference="BANK-D").debtors.get()
    theirs = make_account(reference="STORE-D", client=other).debtors.get()
    token = token_of(make_token, org, client=client_)

    # when
    listed = client.get("/api/v1/debtors?limit=100", **token).json()
    hidden = client.get(f"/api/v1/debtors/{theirs.pk}", **token)
    hidden_point = client.get(f"/api/v1/contact-points/{theirs.contact_points.first().pk}", **token)

    # then
    assert [d["id"] for d in listed["data"]] == [mine.pk]
    assert hidden.status_code == 404 and hidden_point.status_code == 404


def test_a_contact_point_is_added_normalised_and_updated(client, bearer, make_account):
    # given
    debtor = make_account(reference="CP-1").debtors.get()

    # when
    added = post_json(
        client,
        f"/api/v1/debtors/{debtor.pk}/contact-points",
        {"kind": "phone", "value": "(646) 555-0199", "label": "work"},
        bearer,
    )
    again = post_json(
        client,
        f"/api/v1/debtors/{debtor.pk}/contact-points",
        {"kind": "phone", "value": "+16465550199"},
        bearer,
    )
    patched = client.patch(
        f"/api/v1/contact-points/{added.json()['id']}",
        {"status": "wrong_party", "is_primary": True, "reason": "dialer: wrong party"},
        content_type="application/json",
        **bearer,
    )

    # then
    assert added.status_code == 201, added.content
    assert added.json()["value"] == "+16465550199" and added.json()["label"] == "work"
    assert again.status_code == 201 and again.json()["id"] == added.json()["id"]
    assert patched.status_code == 200, patched.content
    assert patched.json()["status"] == "wrong_party" and patched.json()["is_primary"] is True
    primaries = [p for p in debtor.contact_points.filter(kind="phone") if p.is_primary]
    assert [p.pk for p in primaries] == [added.json()["id"]]
    from arrears.audit.models import AuditEvent

    assert AuditEvent.objects.filter(event="contact_point.updated", subject_id=str(debtor.pk)).exists()
    assert AuditEvent.objects.filter(event="contact_point.status_changed").exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "phone", "value": "not a number"}, 400),
        ({"kind": "email", "value": "nope"}, 400),
        ({"kind": "address"}, 400),
        ({"kind": "fax", "value": "1"}, 422),
        ({"kind": "phone", "value": "x" * 400}, 422),
        ({"kind": "phone", "value": "+12125550000", "country": "ZZZ"}, 422),
        ({"kind": "phone", "value": "+12125550000", "surprise": 1}, 422),
    ],
)
def test_bad_contact_points_are_4xx_problems(client, bearer, make_account, body, status):
    debtor = make_account().debtors.get()

    response = post_json(client, f"/api/v1/debtors/{debtor.pk}/contact-points", body, bearer)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM and response.json()["code"]


@pytest.mark.parametrize("url", ["/api/v1/debtors/99999999999999999999", "/api/v1/contact-points/0"])
def test_huge_and_zero_ids_are_4xx_problems(client, bearer, url):
    response = client.get(url, **bearer)

    assert 400 <= response.status_code < 500 and response["Content-Type"] == PROBLEM


def test_an_opt_out_through_the_api_binds_the_gate_at_once(client, bearer, make_account):
    # given: a call and an email that the gate allows
    account = make_account(reference="OPT-1")
    debtor = account.debtors.get()
    email = debtor.contact_points.get(kind="email")
    ask = {"account": "OPT-1", "channel": "call"}
    with time_machine.travel(AFTERNOON, tick=False):
        before = post_json(client, "/api/v1/compliance/decisions", ask, bearer).json()

        # when: the debtor opts out of calls (the whole channel) and of this email address
        opted = post_json(client, f"/api/v1/debtors/{debtor.pk}/consents", {"channel": "call"}, bearer)
        point_opted = post_json(
            client,
            f"/api/v1/debtors/{debtor.pk}/consents",
            {"channel": "email", "contact_point": email.pk, "note": "asked by phone"},
            bearer,
        )
        after = post_json(client, "/api/v1/compliance/decisions", ask, bearer).json()
        mail = post_json(
            client,
            "/api/v1/compliance/decisions",
            {"account": "OPT-1", "channel": "email", "target": email.value},
            bearer,
        ).json()
        shown = client.get(f"/api/v1/debtors/{debtor.pk}", **bearer).json()

    # then
    assert before["allowed"] is True
    assert opted.status_code == 201, opted.content
    assert opted.json()["kind"] == "opt_out" and opted.json()["granted"] is True
    assert opted.json()["source"].startswith("api:")
    assert point_opted.json()["contact_point"] == email.pk
    assert after["allowed"] is False and after["reasons"]
    assert mail["allowed"] is False
    assert shown["opted_out"] == ["call"]
    assert next(p for p in shown["contact_points"] if p["id"] == email.pk)["opted_out"] == ["email"]


def test_an_opt_out_naming_another_debtors_point_is_refused(client, bearer, make_account):
    debtor = make_account().debtors.get()
    stranger = make_account().debtors.get().contact_points.first()

    response = post_json(
        client,
        f"/api/v1/debtors/{debtor.pk}/consents",
        {"channel": "sms", "contact_point": stranger.pk},
        bearer,
    )

    assert response.status_code == 400 and response.json()["code"] == "DEBTOR_INVALID_CONTACT"


def test_scopes_for_debtors(client, org, make_token, make_account):
    debtor = make_account().debtors.get()
    reader = token_of(make_token, org, scopes="debtors:read")

    read = client.get(f"/api/v1/debtors/{debtor.pk}", **reader)
    write = post_json(client, f"/api/v1/debtors/{debtor.pk}/consents", {"channel": "sms"}, reader)
    other = client.get("/api/v1/attempts", **reader)

    assert read.status_code == 200
    assert write.status_code == 403 and write.json()["code"] == "API_SCOPE_MISSING"
    assert other.status_code == 403


# --- calls and contact attempts -----------------------------------------------------------------------------


def call_form(reference="CALL-1", **fields):
    return {
        "account": reference,
        "number": "(212) 555-0001",
        "direction": "outbound",
        "outcome": "voicemail",
        "started_at": AFTERNOON.isoformat(),
        "ended_at": (AFTERNOON + timedelta(seconds=40)).isoformat(),
        "notes": "left a message",
        **fields,
    }


def test_a_call_is_logged_with_its_decision_and_recording(client, bearer, make_account, tmp_path):
    # given
    from django.core.files.uploadedfile import SimpleUploadedFile

    account = make_account(reference="CALL-1")
    recording = SimpleUploadedFile("vm.wav", make_wav(0.2), content_type="audio/wav")

    # when
    response = client.post("/api/v1/calls", {**call_form(), "recording": recording}, **bearer)
    listed = client.get(f"/api/v1/attempts?account_id={account.pk}", **bearer)

    # then
    assert response.status_code == 201, response.content
    call = response.json()
    assert call["blocked"] is False and call["decision"]["allowed"] is True
    assert call["target"] == "+12125550001" and call["outcome"] == "voicemail"
    assert call["accounts"] == [{"id": account.pk, "reference": "CALL-1"}]
    [recording_id] = call["recordings"]
    assert Document.objects.get(pk=recording_id).contact_attempt_id == call["id"]
    assert [a["id"] for a in listed.json()["data"]] == [call["id"]]
    assert client.get(f"/api/v1/attempts/{call['id']}", **bearer).json()["recordings"] == [recording_id]
    content = client.get(f"/api/v1/documents/{recording_id}/content", **bearer)
    assert content.status_code == 200 and content["Content-Type"] == "audio/wav"


def test_a_call_without_a_number_is_to_the_debtors_primary_phone(client, bearer, make_account):
    make_account(reference="CALL-1")
    form = call_form()
    del form["number"]

    response = client.post("/api/v1/calls", form, **bearer)

    assert response.status_code == 201, response.content
    assert response.json()["target"] == "+12125550001"


def test_a_blocked_call_is_a_409_with_the_reasons_and_is_kept_as_blocked(client, bearer, make_account):
    # given
    make_account(reference="CALL-1")

    # when
    response = client.post("/api/v1/calls", call_form(started_at=NIGHT.isoformat(), ended_at=""), **bearer)

    # then
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "CONTACT_BLOCKED"
    assert [r["code"] for r in problem["reasons"]] == ["INCONVENIENT_TIME"]
    assert problem["next_allowed_at"]
    assert ContactAttempt.objects.get(pk=problem["attempt_id"]).outcome == "blocked"


def test_a_token_cannot_override_a_block(client, bearer, make_account):
    make_account(reference="CALL-1")

    response = client.post(
        "/api/v1/calls",
        call_form(started_at=NIGHT.isoformat(), ended_at="", override_reason="urgent"),
        **bearer,
    )

    assert response.status_code == 403 and response.json()["code"] == "COMPLIANCE_OVERRIDE_FORBIDDEN"
    assert not ContactAttempt.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"outcome": "delivered"}, 422),
        ({"number": "not a phone"}, 400),
        ({"started_at": "2026-13-45"}, 422),
        ({"started_at": "2026-03-10T18:00:00"}, 422),  # naive: no time zone
        ({"started_at": "9999-12-31T23:59:59+14:00", "ended_at": ""}, 400),  # overflows local-time rules
        ({"ended_at": (AFTERNOON - timedelta(hours=1)).isoformat()}, 400),
        ({"account": "NO-SUCH"}, 404),
        ({"account": "x" * 300}, 422),
    ],
)
def test_bad_calls_are_4xx_problems(client, bearer, make_account, fields, status):
    make_account(reference="CALL-1")

    response = client.post("/api/v1/calls", call_form(**fields), **bearer)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM


def test_a_recording_that_is_not_audio_refuses_the_call(client, bearer, make_account):
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_account(reference="CALL-1")
    fake = SimpleUploadedFile("vm.wav", PDF, content_type="audio/wav")

    response = client.post("/api/v1/calls", {**call_form(), "recording": fake}, **bearer)

    assert response.status_code == 400 and response.json()["code"] == "DOCUMENT_TYPE_NOT_ALLOWED"
    assert not ContactAttempt.objects.exists()  # the call and its recording: both or neither


def test_a_broken_multipart_body_is_a_400_problem(client, bearer, make_account):
    make_account(reference="CALL-1")

    response = client.generic(
        "POST",
        "/api/v1/calls",
        b'--xyz\r\nContent-Disposition: form-data; name="account"\r\n\r\nCALL-1\r\n--x',
        content_type="multipart/form-data; boundary=",
        **bearer,
    )

    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == PROBLEM


def test_a_json_body_where_a_form_is_expected_is_a_422(client, bearer, make_account):
    make_account(reference="CALL-1")

    response = post_json(client, "/api/v1/calls", call_form(), bearer)

    assert response.status_code == 422 and response["Content-Type"] == PROBLEM


def test_a_call_replayed_with_its_idempotency_key_is_logged_once(client, bearer, make_account):
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_account(reference="CALL-1")
    wav = make_wav(0.1)

    def send(outcome="voicemail"):
        recording = SimpleUploadedFile("vm.wav", wav, content_type="audio/wav")
        form = {**call_form(outcome=outcome), "recording": recording}
        return client.post("/api/v1/calls", form, HTTP_IDEMPOTENCY_KEY="call-7", **bearer)

    first, replay, other = send(), send(), send(outcome="busy")

    assert first.status_code == 201 and replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == first.json()["id"]
    assert other.status_code == 422 and other.json()["code"] == "API_IDEMPOTENCY_KEY_MISMATCH"
    assert ContactAttempt.objects.count() == 1


def test_attempts_of_another_organization_or_client_are_404(
    client, org, other_org, system, make_token, bearer, make_account
):
    # given
    from arrears.tenancy.services import client_create

    account = make_account(reference="CALL-1")
    call = client.post("/api/v1/calls", call_form(), **bearer).json()
    store = client_create(organization=org, code="store", name="Store", actor=system)
    theirs = token_of(make_token, other_org)
    store_token = token_of(make_token, org, client=store)

    # when / then
    assert client.get(f"/api/v1/attempts/{call['id']}", **theirs).status_code == 404
    assert client.get(f"/api/v1/attempts?account_id={account.pk}", **theirs).status_code == 404
    assert client.get("/api/v1/attempts", **theirs).json()["data"] == []
    assert client.get(f"/api/v1/attempts/{call['id']}", **store_token).status_code == 404
    assert client.get("/api/v1/attempts", **store_token).json()["data"] == []


# --- messages -----------------------------------------------------------------------------------------------


@pytest.fixture
def sms_template(org, system):
    from arrears.contact.messaging import template_save

    return template_save(
        organization=org,
        key="reminder",
        channel="sms",
        body=(
            "{{ organization.name }}: {{ account.balance }} is due. From a debt collector. "
            "Reply STOP to opt out."
        ),
        actor=system,
    )


def test_a_message_is_queued_from_a_template_and_read_back(client, bearer, make_account, sms_template):
    # given
    account = make_account(reference="MSG-1")

    # when
    queued = post_json(
        client, "/api/v1/messages", {"account": "MSG-1", "template": "reminder", "channel": "sms"}, bearer
    )
    listed = client.get(f"/api/v1/messages?account_id={account.pk}", **bearer)

    # then
    assert queued.status_code == 201, queued.content
    message = queued.json()
    assert message["status"] == "pending" and message["channel"] == "sms"
    assert message["template"] == "reminder" and message["target"] == "+12125550001"
    assert "From a debt collector" in message["body"]
    assert [m["id"] for m in listed.json()["data"]] == [message["id"]]
    got = client.get(f"/api/v1/messages/{message['id']}", **bearer).json()
    assert got["status"] == "pending" and got["account"] == "MSG-1"


def test_an_unknown_template_or_another_debtors_point_is_refused(client, bearer, make_account, sms_template):
    make_account(reference="MSG-1")
    stranger = make_account().debtors.get().contact_points.get(kind="phone")

    unknown = post_json(
        client, "/api/v1/messages", {"account": "MSG-1", "template": "nope", "channel": "sms"}, bearer
    )
    wrong_channel = post_json(
        client, "/api/v1/messages", {"account": "MSG-1", "template": "reminder", "channel": "email"}, bearer
    )
    not_theirs = post_json(
        client,
        "/api/v1/messages",
        {"account": "MSG-1", "template": "reminder", "channel": "sms", "contact_point": stranger.pk},
        bearer,
    )
    voicemail = post_json(
        client,
        "/api/v1/messages",
        {"account": "MSG-1", "template": "reminder", "channel": "voicemail"},
        bearer,
    )

    assert unknown.status_code == 404 and unknown.json()["code"] == "CONTACT_TEMPLATE_NOT_FOUND"
    assert wrong_channel.status_code == 404
    assert not_theirs.status_code == 400 and not_theirs.json()["code"] == "CONTACT_WRONG_CONTACT_POINT"
    assert voicemail.status_code == 422


def test_messages_of_another_organization_are_404(
    client, other_org, make_token, bearer, make_account, sms_template
):
    make_account(reference="MSG-1")
    message = post_json(
        client, "/api/v1/messages", {"account": "MSG-1", "template": "reminder", "channel": "sms"}, bearer
    ).json()
    theirs = token_of(make_token, other_org)

    got = client.get(f"/api/v1/messages/{message['id']}", **theirs)
    queued = post_json(
        client, "/api/v1/messages", {"account": "MSG-1", "template": "reminder", "channel": "sms"}, theirs
    )

    assert got.status_code == 404 and got.json()["code"] == "CONTACT_MESSAGE_NOT_FOUND"
    assert queued.status_code == 404
    assert client.get("/api/v1/messages", **theirs).json()["data"] == []


# --- on a committed database (pytest-django's wrapping transaction would hide a missing atomic) -------------


@pytest.mark.django_db(transaction=True)
def test_committed_a_blocked_call_stays_blocked_and_an_opt_out_binds(client, bearer, make_account):
    # given
    account = make_account(reference="TX-1")
    debtor = account.debtors.get()

    # when
    blocked = client.post(
        "/api/v1/calls", call_form("TX-1", started_at=NIGHT.isoformat(), ended_at=""), **bearer
    )
    refused = client.post(
        "/api/v1/calls",
        call_form("TX-1", started_at=NIGHT.isoformat(), ended_at="", override_reason="x"),
        **bearer,
    )
    with time_machine.travel(AFTERNOON):
        opted = post_json(client, f"/api/v1/debtors/{debtor.pk}/consents", {"channel": "call"}, bearer)
        later = client.post("/api/v1/calls", call_form("TX-1", started_at="", ended_at=""), **bearer)

    # then
    assert blocked.status_code == 409 and refused.status_code == 403 and opted.status_code == 201
    assert later.status_code == 409 and later.json()["code"] == "CONTACT_BLOCKED"
    assert sorted(ContactAttempt.objects.values_list("outcome", flat=True)) == ["blocked", "blocked"]
    assert {r["code"] for r in later.json()["reasons"]} and later.json()["attempt_id"]
