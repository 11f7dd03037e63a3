"""The portal's journeys in Debian's Chromium, against the live server, a real SMTP server for the codes
and a stand-in of Stripe's API and hosted checkout page. Every portal page visited is screenshotted at
1366 and 390 px (var/screenshots/) and checked with axe-core: no serious or critical violation."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from arrears.compliance.models import Hold
from arrears.compliance.services import decide
from arrears.core.clock import utcnow
from arrears.debtors.models import Debtor
from arrears.debtors.services import consent_record
from arrears.payments.models import CheckoutSession, Payment, PaymentPlan
from arrears.payments.tests.test_stripe import API_KEY, SECRET, StandIn, completed, signed
from arrears.tenancy.choices import Role

from .conftest import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class HostedCheckout(StandIn):
    """Stripe's API as the payments tests speak it, plus the hosted page: GET shows the amount and a Pay
    button; POST sends the signed `checkout.session.completed` webhook to Arrears, then goes back to the
    session's success URL, as Stripe does."""

    webhook_url = ""

    def do_POST(self):  # noqa: N802 - http.server's name
        if not self.path.startswith("/pay/"):
            return super().do_POST()
        session = next(s for s in self.sessions.values() if s["id"] == self.path.rsplit("/", 1)[1])
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        payload, signature = signed(
            completed(session["id"], amount=session["amount_total"], event_id=f"evt_{session['id']}")
        )
        request = urllib.request.Request(  # noqa: S310 - the live test server
            self.webhook_url,
            data=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            assert answer.status == 200
        self.send_response(303)
        self.send_header("Location", session["success_url"])
        self.end_headers()
        return None

    def do_GET(self):  # noqa: N802
        session = next(s for s in self.sessions.values() if s["id"] == self.path.rsplit("/", 1)[1])
        body = (
            f'<!doctype html><html lang="en"><head><title>Checkout</title></head><body><main><h1>Pay '
            f"{session['amount_total'] / 100:.2f} USD</h1><form method=post action=/pay/{session['id']}>"
            f"<button type=submit>Pay</button></form></main></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def checkout(live_server, monkeypatch):
    HostedCheckout.sessions, HostedCheckout.requests = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostedCheckout)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    HostedCheckout.webhook_url = f"{live_server.url}/payments/stripe/webhook/"
    original = StandIn._send

    def send(self, status, payload):  # the session's page is the stand-in's own
        if isinstance(payload, dict) and payload.get("object") == "checkout.session":
            payload = {**payload, "url": f"{base}/c/pay/{payload['id']}"}
        return original(self, status, payload)

    monkeypatch.setattr(HostedCheckout, "_send", send)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("STRIPE_API_KEY", API_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", base)
    yield HostedCheckout
    server.shutdown()
    server.server_close()


@pytest.fixture
def shoot(request):
    """Screenshot at 1366 and 390 px wide, and run axe-core: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()

    def take(page, name: str) -> None:
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"portal-{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: " + json.dumps([(v["id"], v["impact"], v["help"]) for v in bad])

    return take


@pytest.fixture
def three_accounts(make_account, system):
    first = make_account(reference="PORT-1", principal=Decimal("900.00"), itemization_date=date(2026, 1, 1))
    debtor = first.debtors.get()
    Debtor.objects.filter(pk=debtor.pk).update(date_of_birth=date(1980, 5, 17))
    second = make_account(
        reference="PORT-2", principal=Decimal("150.00"), debtor=debtor, itemization_date=date(2026, 1, 1)
    )
    third = make_account(
        reference="PORT-3", principal=Decimal("400.00"), debtor=debtor, itemization_date=date(2026, 1, 1)
    )
    phone = debtor.contact_points.get(kind="phone")
    consent_record(
        debtor=debtor, channel="sms", kind="consent", granted=True, actor=system, contact_point=phone
    )
    return debtor, first, second, third


TEXT = {
    "en": {
        "sign_in": "Sign in to your account",
        "locked": "locked",
        "thanks": "Thank you",
        "disputed": "Disputed",
    },
    "es": {
        "sign_in": "Entre a su cuenta",
        "locked": "bloqueada",
        "thanks": "Gracias",
        "disputed": "En disputa",
    },
}


def _verify(page, shoot, smtp_server, lang: str, name: str) -> None:
    page.goto(f"/portal/acme/?lang={lang}")
    assert TEXT[lang]["sign_in"] in page.inner_text("h1")
    shoot(page, f"{name}-start")
    page.fill("input[name=reference]", "PORT-1")
    page.fill("input[name=last_name]", "Doe1")
    page.fill("input[name=postal_code]", "10001")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/portal/acme/code/")
    page.check("input[name=destination] >> nth=0")
    page.click("form:has(input[value=send]) button")
    page.wait_for_selector("[role=status]")
    shoot(page, f"{name}-code")
    page.fill("input[name=code]", last_code(smtp_server))
    page.click("form:has(input[value=verify]) button")
    page.wait_for_url("**/portal/acme/home/")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_debtor_verifies_pays_two_accounts_sets_up_a_plan_disputes_a_third_and_opts_out_of_sms(
    page, shoot, smtp_server, checkout, three_accounts, make_user, org, lang, system, tmp_path
):
    debtor, first, second, third = three_accounts
    name = f"journey-{lang}"
    _verify(page, shoot, smtp_server, lang, name)
    shoot(page, f"{name}-home")

    # pay two accounts by card, one hosted checkout after the other
    page.goto("/portal/acme/pay/")
    page.fill(f"input[name=amount_{first.pk}]", "100.00")
    page.fill(f"input[name=amount_{second.pk}]", "150.00")
    shoot(page, f"{name}-pay")
    page.click("main form button[type=submit]")
    for n in (1, 2):
        page.wait_for_url(f"**/c/pay/cs_test_{n:04d}")
        page.click("button:text('Pay')")
    page.wait_for_url("**/portal/acme/pay/next/")
    assert TEXT[lang]["thanks"] in page.inner_text("h1")
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal("100.00"), Decimal("150.00")]
    assert CheckoutSession.objects.filter(status="paid").count() == 2

    # a plan for the rest of the first account
    page.goto(f"/portal/acme/accounts/{first.pk}/")
    shoot(page, f"{name}-account")
    page.goto(f"/portal/acme/accounts/{first.pk}/plan/")
    page.fill("input[name=installments]", "4")
    page.fill("input[name=first_due]", (utcnow().date() + timedelta(days=7)).isoformat())
    shoot(page, f"{name}-plan")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert PaymentPlan.objects.get(account=first).installments.count() == 4

    # dispute the third, with an upload: the hold is in the workbench at once
    upload = tmp_path / "receipt.pdf"
    upload.write_bytes(PDF)
    page.goto(f"/portal/acme/accounts/{third.pk}/dispute/")
    page.fill("textarea[name=reason]", "I never had this account")
    page.set_input_files("input[name=upload]", str(upload))
    shoot(page, f"{name}-dispute")
    page.click("main form button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert Hold.objects.get(account=third, kind="dispute").lifted_at is None
    staff = page.context.browser.new_context(base_url=page.url.split("/portal/")[0])
    desk = staff.new_page()
    collector = make_user(org, Role.COLLECTOR, username=f"carla-{lang}")
    desk.goto("/login/")
    desk.fill("input[name=username]", collector.username)
    desk.fill("input[name=password]", "pw-for-tests-1")
    desk.click("button[type=submit]")
    desk.goto(f"/accounts/{third.pk}/")
    desk.wait_for_selector("#holds-panel :text('Dispute')")
    desk.screenshot(path=str(SHOTS / f"portal-{name}-workbench-hold-1366.png"), full_page=True)
    staff.close()
    page.goto("/portal/acme/home/")
    assert TEXT[lang]["disputed"] in page.inner_text("main")

    # opt out of SMS: the gate blocks the next text
    phone = debtor.contact_points.get(kind="phone")
    at = (utcnow() + timedelta(days=1)).replace(hour=16, minute=0)
    assert decide(account=first, channel="sms", target=phone, at=at, actor=system).proceeds
    page.goto("/portal/acme/preferences/")
    shoot(page, f"{name}-preferences")
    page.select_option("select[name=channel]", "sms")
    page.click("form:has(input[value=optout]) button[type=submit]")
    page.wait_for_selector("[role=status]")
    blocked = decide(account=first, channel="sms", target=phone, at=at, actor=system)
    assert not blocked.proceeds and "MEDIUM_OPT_OUT" in blocked.codes


@pytest.mark.parametrize("lang", ["en", "es"])
def test_three_wrong_codes_lock_verification(page, shoot, smtp_server, three_accounts, lang):
    page.goto(f"/portal/acme/?lang={lang}")
    page.fill("input[name=reference]", "PORT-1")
    page.fill("input[name=last_name]", "Doe1")
    page.fill("input[name=date_of_birth]", "1980-05-17")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/portal/acme/code/")
    page.click("form:has(input[value=send]) button")
    page.wait_for_selector("[role=status]")
    wrong = f"{(int(last_code(smtp_server)) + 1) % 10**6:06d}"
    for _ in range(3):
        page.fill("input[name=code]", wrong)
        page.click("form:has(input[value=verify]) button")
        page.wait_for_selector("[role=alert]")
    shoot(page, f"locked-{lang}")
    assert TEXT[lang]["locked"] in page.inner_text("main").lower()
    assert page.locator("input[name=code]").count() == 0


def test_a_tampered_link_page_offers_normal_verification(page, shoot, three_accounts):
    page.goto("/portal/acme/l/not-a-real-token/")
    shoot(page, "link-invalid")
    page.click("a.button")
    page.wait_for_url("**/portal/acme/")


def test_a_client_uploads_a_placement_downloads_a_remittance_and_cannot_see_another_clients_account(
    page, client_, make_user, org, system, make_account, tmp_path
):
    from arrears.payments.remittance import client_terms_set
    from arrears.tenancy.services import client_create

    client_terms_set(client=client_, rate=Decimal("25"), remit_mode="net", actor=system)
    other = client_create(organization=org, code="store", name="Corner Store", actor=system)
    theirs = make_account(reference="THEIRS-1", client=other)
    viewer = make_user(org, Role.CLIENT_VIEWER, username="bank-viewer", clients=[client_])
    placement = tmp_path / "placement.csv"
    placement.write_text(
        "account_ref,first_name,last_name,phone,address_line1,city,state,postal_code,balance\n"
        "NEW-1,Ana,Lopez,,5 Oak Ave,Springfield,IL,62704,10\n"
    )
    page.goto("/login/")
    page.fill("input[name=username]", viewer.username)
    page.fill("input[name=password]", "pw-for-tests-1")
    page.click("button[type=submit]")

    page.goto("/portal/client/")
    page.set_input_files("#up-file", str(placement))
    page.click("text=Check the file")
    page.click("text=Place these accounts")
    page.wait_for_selector("text=NEW-1")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"portal-client-home-{width}.png"), full_page=True)
    page.fill("#rem-period", utcnow().strftime("%Y-%m"))
    with page.expect_download() as download:
        page.click("button[value=csv]")
    saved = tmp_path / "statement.csv"
    download.value.save_as(saved)
    answer = page.goto(f"/portal/client/accounts/{theirs.pk}/")

    assert saved.read_text().startswith("account,payment,date")
    assert answer is not None and answer.status == 404
