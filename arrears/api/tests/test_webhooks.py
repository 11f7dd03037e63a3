"""Webhooks: derived from the audit log, signed, retried with backoff, logged and redeliverable."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from arrears.api import domain
from arrears.api.models import WebhookAttempt, WebhookDelivery
from arrears.api.services import (
    webhook_deliver,
    webhook_endpoint_create,
    webhook_redeliver,
    webhook_secret_rotate,
    webhooks_sweep,
)
from arrears.core.clock import utcnow

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def docs_verify():
    """The receiver's check, taken from docs/api.md's Python example and nothing else."""
    text = DOCS.read_text()
    code = re.search(r"In Python:\n\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify"]


def docs_shell_verify(secret: str, header: str, body: bytes, where: Path) -> str:
    """The shell check of docs/api.md, run by bash with OpenSSL, in a folder holding body.json."""
    import subprocess

    code = re.search(r"In shell.*?```sh\n(.*?)```", DOCS.read_text(), re.S).group(1)
    (where / "body.json").write_bytes(body)
    done = subprocess.run(  # noqa: S603
        ["/bin/bash", "-c", code],  # noqa: S607
        cwd=where,
        env={"PATH": "/usr/bin:/bin", "SIG": header, "WHSEC": secret},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


class Receiver:
    """A local endpoint: answers with the next status of `answers` (then 200), keeps what it got."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(answers=()):
        r = Receiver(answers)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def _pay(client, bearer, reference="W-1", amount="25.00"):
    response = client.post(
        "/api/v1/payments",
        {"account": reference, "amount": amount, "currency": "USD", "method": "card"},
        content_type="application/json",
        **bearer,
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_a_posted_payment_is_delivered_signed_as_docs_api_md_says(
    client, org, system, bearer, make_account, receiver, tmp_path
):
    # given
    make_account(reference="W-1", principal=Decimal("100.00"))
    hook = receiver()
    made = webhook_endpoint_create(
        organization_id=org.pk, url=hook.url, events=["payment.posted"], actor=system
    )
    payment = _pay(client, bearer)

    # when
    swept = webhooks_sweep()
    [delivery] = WebhookDelivery.objects.all()
    status = webhook_deliver(delivery_id=delivery.pk)

    # then
    assert swept["derived"] == 1 and status == "succeeded"
    [(headers, body)] = hook.received
    assert docs_verify()(made.secret, headers["Arrears-Signature"], body)
    assert not docs_verify()(made.secret, headers["Arrears-Signature"], body + b" ")
    assert not docs_verify()("whsec_wrong", headers["Arrears-Signature"], body)
    event = __import__("json").loads(body)
    assert event["type"] == "payment.posted" and event["data"]["id"] == str(payment["id"])
    assert headers["Arrears-Event-Id"] == event["id"]
    assert WebhookAttempt.objects.get().status_code == 200
    assert docs_shell_verify(made.secret, headers["Arrears-Signature"], body, tmp_path) == "valid"
    assert docs_shell_verify("whsec_wrong", headers["Arrears-Signature"], body, tmp_path) == "INVALID"


@pytest.mark.django_db
def test_only_subscribed_events_and_only_new_ones_are_derived(
    client, org, system, bearer, make_account, receiver
):
    # given: a payment before the endpoint exists, then a hold that is not a subscribed event
    make_account(reference="W-1")
    _pay(client, bearer)
    webhook_endpoint_create(
        organization_id=org.pk, url=receiver().url, events=["dispute.opened"], actor=system
    )
    _pay(client, bearer, amount="1.00")

    # when
    swept = webhooks_sweep()
    again = webhooks_sweep()

    # then
    assert swept["derived"] == 0 and again["derived"] == 0


@pytest.mark.django_db
def test_a_dispute_hold_is_both_hold_placed_and_dispute_opened(org, system, make_account, receiver):
    from arrears.compliance.services import hold_place

    account = make_account(reference="W-2")
    webhook_endpoint_create(
        organization_id=org.pk, url=receiver().url, events=["dispute.opened", "hold.placed"], actor=system
    )

    hold_place(account=account, kind="dispute", reason="consumer disputes", actor=system)
    webhooks_sweep()

    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "dispute.opened",
        "hold.placed",
    ]


@pytest.mark.django_db
def test_failures_are_retried_with_backoff_then_given_up_after_72_hours(
    client, org, system, bearer, make_account, receiver, django_capture_on_commit_callbacks
):
    # given: an endpoint that fails
    make_account(reference="W-1")
    hook = receiver(answers=[500] * 100)
    webhook_endpoint_create(organization_id=org.pk, url=hook.url, events=["payment.posted"], actor=system)
    _pay(client, bearer)
    webhooks_sweep()
    delivery = WebhookDelivery.objects.get()
    now = utcnow()

    # when: the first try fails
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliver(delivery_id=delivery.pk, now=now) == "pending"

    # then: the next try is in a minute, enqueued with run_after
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    from django_tasks_db.models import DBTaskResult

    queued = (
        DBTaskResult.objects.filter(task_path="arrears.api.tasks.webhook_deliver_task")
        .order_by("-id")
        .first()
    )
    assert queued is not None and queued.run_after == delivery.next_attempt_at

    # when: tried again early, nothing happens; then keep failing through 72 hours
    assert webhook_deliver(delivery_id=delivery.pk, now=now + timedelta(seconds=30)) == "not_due"
    at = delivery.next_attempt_at
    waits = []
    while (status := webhook_deliver(delivery_id=delivery.pk, now=at)) == "pending":
        delivery.refresh_from_db()
        waits.append(delivery.next_attempt_at - at)
        at = delivery.next_attempt_at

    # then: doubling waits up to 6 hours, given up at 72 hours, every try logged
    assert status == "failed"
    assert waits[:4] == [timedelta(minutes=m) for m in (2, 4, 8, 16)]
    assert max(waits) == timedelta(hours=6)
    assert at - now == timedelta(hours=72)
    delivery.refresh_from_db()
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == delivery.attempts


@pytest.mark.django_db
def test_redeliver_sends_a_given_up_delivery_again(client, org, system, bearer, make_account, receiver):
    # given
    make_account(reference="W-1")
    hook = receiver()
    webhook_endpoint_create(organization_id=org.pk, url=hook.url, events=["payment.posted"], actor=system)
    _pay(client, bearer)
    webhooks_sweep()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=20)

    # when
    webhook_redeliver(organization_id=org.pk, delivery_id=delivery.pk, actor=system)
    status = webhook_deliver(delivery_id=delivery.pk)

    # then
    assert status == "succeeded" and len(hook.received) == 1


@pytest.mark.django_db
def test_during_a_rotation_both_secrets_sign(client, org, system, bearer, make_account, receiver):
    # given
    make_account(reference="W-1")
    hook = receiver()
    old = webhook_endpoint_create(
        organization_id=org.pk, url=hook.url, events=["payment.posted"], actor=system
    )
    new = webhook_secret_rotate(organization_id=org.pk, endpoint_id=old.endpoint.pk, actor=system)
    _pay(client, bearer)
    webhooks_sweep()

    # when
    webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)

    # then
    [(headers, body)] = hook.received
    verify = docs_verify()
    assert verify(old.secret, headers["Arrears-Signature"], body)
    assert verify(new.secret, headers["Arrears-Signature"], body)
    assert new.secret != old.secret


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    body = b'{"a":1}'

    header = domain.signature_header(["whsec_x"], 1700000000, body)

    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
