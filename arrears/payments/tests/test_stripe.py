"""Stripe Checkout through the official SDK, against a local stand-in that speaks Stripe's REST format:
form-encoded POST /v1/checkout/sessions with a bearer key and an Idempotency-Key, JSON responses, and
webhooks signed as Stripe documents (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")`)."""

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from django.test import RequestFactory

from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.payments.card import card_checkout_start, card_webhook_handle
from arrears.payments.choices import CheckoutStatus, PaymentMethod
from arrears.payments.models import CheckoutSession, Payment
from arrears.payments.providers.stripe_provider import StripeProvider
from arrears.payments.views import stripe_webhook

D = Decimal
API_KEY = "sk_test_arrears"
SECRET = "whsec_test_arrears"


class StandIn(BaseHTTPRequestHandler):
    """Checkout sessions as Stripe answers them; the same Idempotency-Key replays the first answer."""

    sessions: dict[str, dict] = {}
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        form = dict(parse_qsl(body))
        self.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self._send(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}})
        if self.path != "/v1/checkout/sessions":
            return self._send(
                404, {"error": {"type": "invalid_request_error", "message": "Unrecognized URL"}}
            )
        if "line_items[0][price_data][unit_amount]" not in form:
            return self._send(
                400, {"error": {"type": "invalid_request_error", "message": "Missing line_items"}}
            )
        key = self.headers.get("Idempotency-Key", "")
        if key not in self.sessions:
            n = len(self.sessions) + 1
            self.sessions[key] = {
                "id": f"cs_test_{n:04d}",
                "object": "checkout.session",
                "mode": form["mode"],
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "client_reference_id": form.get("client_reference_id"),
                "metadata": {"account_id": form.get("metadata[account_id]")},
                "success_url": form["success_url"],
                "cancel_url": form["cancel_url"],
                "url": f"https://checkout.stripe.com/c/pay/cs_test_{n:04d}",
            }
        return self._send(200, self.sessions[key])

    def _send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_standin")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stripe_api():
    StandIn.sessions, StandIn.requests = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def provider(stripe_api, monkeypatch):
    monkeypatch.setenv("STRIPE_API_KEY", API_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", stripe_api)
    return StripeProvider.from_env()


def signed(event: dict, secret: str = SECRET, at: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    t = at or int(time.time())
    v1 = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={t},v1={v1}"


def completed(session_id: str, amount: int = 12550, event_id: str = "evt_1") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "created": 1795000000,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "payment_status": "paid",
                "status": "complete",
                "amount_total": amount,
                "currency": "usd",
                "payment_intent": "pi_test_1",
            }
        },
    }


@pytest.fixture
def session(provider, make_account, system):
    account = make_account(reference="CARD-1", principal=D("500.00"))
    return card_checkout_start(
        account=account,
        amount=Money(D("125.50"), "USD"),
        provider=provider,
        actor=system,
        idempotency_key="checkout-1",
        success_url="https://pay.example.com/done",
        cancel_url="https://pay.example.com/cancel",
    )


def test_checkout_is_created_through_the_sdk_in_stripes_form_encoding(session, provider, system):
    # given: the session fixture opened one

    # when: a retry with the same key
    again = card_checkout_start(
        account=session.account, amount=Money(D("125.50"), "USD"), provider=provider, actor=system,
        idempotency_key="checkout-1", success_url="https://pay.example.com/done",
        cancel_url="https://pay.example.com/cancel",
    )  # fmt: skip

    # then
    first = StandIn.requests[0]
    assert first["form"]["line_items[0][price_data][unit_amount]"] == "12550"
    assert first["form"]["line_items[0][price_data][currency]"] == "usd"
    assert first["form"]["client_reference_id"] == str(session.account_id)
    assert first["headers"]["Idempotency-Key"] == "checkout-1"
    assert session.url.startswith("https://checkout.stripe.com/") and session.status == CheckoutStatus.OPEN
    assert again.pk == session.pk and CheckoutSession.objects.count() == 1


def test_a_signed_completed_webhook_posts_one_card_payment_however_often_it_comes(session, provider):
    # given
    payload, signature = signed(completed(session.session_id))

    # when
    first = card_webhook_handle(provider=provider, payload=payload, signature=signature)
    again = card_webhook_handle(provider=provider, payload=payload, signature=signature)

    # then
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.reference) == (
        D("125.50"),
        PaymentMethod.CARD,
        "pi_test_1",
    )
    assert payment.idempotency_key == f"stripe:{session.session_id}"
    assert first.status == again.status == CheckoutStatus.PAID and again.payment_id == payment.pk


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda p, s: (p, s.replace("v1=", "v1=0")), id="tampered-signature"),
        pytest.param(lambda p, s: (p.replace(b"12550", b"99999"), s), id="tampered-body"),
        pytest.param(lambda p, s: signed(json.loads(p), secret="whsec_other"), id="other-secret"),
        pytest.param(
            lambda p, s: signed(json.loads(p), at=int(time.time()) - 3600), id="replayed-an-hour-later"
        ),
    ],
)
def test_the_webhook_refuses_what_stripe_did_not_sign(session, provider, forge):
    # given
    payload, signature = forge(*signed(completed(session.session_id)))

    # when
    with pytest.raises(ArrearsError) as caught:
        card_webhook_handle(provider=provider, payload=payload, signature=signature)

    # then
    assert caught.value.code == "PROVIDER_SIGNATURE_INVALID"
    assert not Payment.objects.exists()


def test_the_webhook_view_answers_400_to_a_bad_signature_and_200_to_a_good_one(session, provider):
    # given
    payload, signature = signed(completed(session.session_id))
    factory = RequestFactory()

    # when
    bad = stripe_webhook(
        factory.post("/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00")
    )
    good = stripe_webhook(
        factory.post("/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    )

    # then
    assert bad.status_code == 400 and json.loads(bad.content)["code"] == "PROVIDER_SIGNATURE_INVALID"
    assert good.status_code == 200 and json.loads(good.content) == {"received": True, "status": "paid"}


def test_a_refused_api_key_is_a_provider_error(stripe_api, make_account, system):
    # given
    provider = StripeProvider(api_key="sk_test_wrong", webhook_secret=SECRET, api_base=stripe_api)
    account = make_account(reference="CARD-2")

    # when
    with pytest.raises(ArrearsError) as caught:
        card_checkout_start(
            account=account, amount=Money(D("10.00"), "USD"), provider=provider, actor=system,
            idempotency_key="k", success_url="https://x.example/ok", cancel_url="https://x.example/no",
        )  # fmt: skip

    # then
    assert caught.value.code == "PROVIDER_REQUEST_FAILED"
