"""Real components for the contact tests: an SMTP server (aiosmtpd) and a stand-in speaking Twilio's
REST format, each started on a free localhost port by the test that needs it."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from base64 import b64decode
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from arrears.compliance.selectors import primary_debtor
from arrears.debtors.models import ContactPoint
from arrears.debtors.services import consent_record

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # 10:30 in New York, a Tuesday
TWILIO_SID = "AC00000000000000000000000000000001"
TWILIO_TOKEN = "twilio-test-auth-token"
TWILIO_FROM = "+12125550100"
INVALID_NUMBER = "+15005550001"  # Twilio's documented test number for an invalid 'To'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """What the SMTP server received; addresses starting with 'bounce' are refused (550)."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp_server(settings):
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


class TwilioStandIn:
    """Twilio's Messages resource as documented: POST and GET /2010-04-01/Accounts/{sid}/Messages.json,
    HTTP Basic auth with the account SID and token, form-encoded in, JSON out, errors as
    {"code", "message", "status"}."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.lock = threading.Lock()

    def handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _authorized(self) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return False
                return b64decode(header[6:]).decode() == f"{TWILIO_SID}:{TWILIO_TOKEN}"

            def _reply(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _path_ok(self, path: str) -> bool:
                return path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"

            def do_POST(self):
                if not self._authorized():
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if not self._path_ok(urlsplit(self.path).path):
                    return self._reply(404, {"code": 20404, "message": "Not found", "status": 404})
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if form.get("To") == INVALID_NUMBER:
                    return self._reply(
                        400,
                        {
                            "code": 21211,
                            "message": "The 'To' number is not a valid phone number.",
                            "status": 400,
                        },
                    )
                item = {
                    "sid": f"SM{uuid.uuid4().hex}",
                    "account_sid": TWILIO_SID,
                    "to": form["To"],
                    "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"),
                    "body": form["Body"],
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "date_created": format_datetime(datetime.now(tz=UTC).replace(microsecond=0)),
                    "date_updated": format_datetime(datetime.now(tz=UTC).replace(microsecond=0)),
                    "date_sent": None,
                    "error_code": None,
                    "error_message": None,
                    "price": None,
                    "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/x.json",
                    "status_callback": form.get("StatusCallback"),
                }
                with standin.lock:
                    standin.messages.append(item)
                return self._reply(201, item)

            def do_GET(self):
                if not self._authorized():
                    return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                parts = urlsplit(self.path)
                if not self._path_ok(parts.path):
                    return self._reply(404, {"code": 20404, "message": "Not found", "status": 404})
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with standin.lock:
                    found = [
                        m
                        for m in reversed(standin.messages)
                        if m["to"] == query.get("To", m["to"]) and m["from"] == query.get("From", m["from"])
                    ]
                return self._reply(
                    200,
                    {
                        "messages": found,
                        "first_page_uri": parts.path,
                        "next_page_uri": None,
                        "previous_page_uri": None,
                        "page": 0,
                        "page_size": 50,
                        "start": 0,
                        "end": len(found),
                        "uri": self.path,
                    },
                )

        return Handler


@pytest.fixture
def twilio(settings):
    standin = TwilioStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), standin.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_FROM_NUMBER = TWILIO_FROM
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWILIO_STATUS_CALLBACK_URL = ""
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    yield standin
    server.shutdown()
    server.server_close()


@pytest.fixture
def at_now():
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def email_template(org, system):
    from arrears.contact.messaging import template_save

    return template_save(
        organization=org,
        key="reminder",
        channel="email",
        subject="Your account {{ account.reference }}",
        body=(
            "Dear {{ debtor.first_name }},\n\n"
            "Your balance with {{ account.creditor }} is {{ account.balance }}.\n"
            "This communication is from a debt collector.\n\nTo stop these emails: {{ unsubscribe_url }}"
        ),
        actor=system,
    )


@pytest.fixture
def sms_template(org, system):
    from arrears.contact.messaging import template_save

    return template_save(
        organization=org,
        key="reminder",
        channel="sms",
        body=(
            "{{ organization.name }}: {{ debtor.first_name }}, {{ account.balance }} is due on "
            "{{ account.reference }}. From a debt collector. Reply STOP to opt out."
        ),
        actor=system,
    )


@pytest.fixture
def letter_template(org, system):
    from arrears.contact.messaging import template_save

    return template_save(
        organization=org,
        key="reminder",
        channel="letter",
        body=(
            "<p>Dear {{ debtor.name }},</p>"
            "<p>This communication is from a debt collector. We are trying to collect a debt that you owe to "
            "{{ account.creditor }}. The amount due is {{ account.balance }}.</p>"
            "<p>Please call us at {{ organization.phone }}.</p>"
        ),
        actor=system,
    )


@pytest.fixture
def sms_consented(system):
    """Record TCPA consent to texts on the account's primary debtor's mobile."""

    def grant(account):
        debtor = primary_debtor(account)
        phone = ContactPoint.objects.get(debtor=debtor, kind="phone")
        consent_record(
            debtor=debtor, channel="sms", kind="consent", granted=True, contact_point=phone,
            actor=system, at=datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        return phone

    return grant
