"""The debtor portal's contract and verification: signed links (expiry, tampering), the identify step
that never says which field was wrong, one-time codes by email, throttles and the lock after three
wrong codes, and the session scoped to one debtor."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.management import call_command

from arrears.portal import domain
from arrears.portal.models import OneTimeCode, VerificationEvent
from arrears.portal.services import LINK_SALT

from .conftest import last_code

pytestmark = pytest.mark.django_db


def _link(account) -> str:
    out = io.StringIO()
    import sys

    old, sys.stdout = sys.stdout, out
    try:
        call_command("portal", "link", "--account", account.reference, "--json")
    finally:
        sys.stdout = old
    return json.loads(out.getvalue())["url"]


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_the_start_page_answers_200_with_the_verification_form(client, org):
    response = client.get("/portal/acme/")

    assert response.status_code == 200
    assert b'name="reference"' in response.content and b'name="last_name"' in response.content


def test_the_brand_colours_come_from_a_stylesheet_not_an_inline_style(client, org):
    """The Content-Security-Policy allows no inline <style>: the colours are served as CSS from 'self'."""
    page = client.get("/portal/acme/")
    response = client.get("/portal/acme/brand.css")

    assert b"<style" not in page.content and b'href="/portal/acme/brand.css"' in page.content
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert b"--brand: #" in response.content and b"--accent: #" in response.content


def test_an_unknown_organization_is_404(client, org):
    assert client.get("/portal/nobody/").status_code == 404


def test_a_signed_link_opens_the_one_time_code_step(client, debtor_account, settings):
    account, debtor = debtor_account
    url = _link(account)

    response = client.get(_path(url))

    assert (
        url.startswith(f"{settings.ARREARS_BASE_URL.rstrip('/')}/portal/acme/l/") or "/portal/acme/l/" in url
    )
    assert response.status_code == 200
    assert b"one-time code" in response.content
    assert b'name="destination"' in response.content  # the second step, not the first
    assert b'name="reference"' not in response.content


def test_a_tampered_link_is_refused_with_a_page_that_offers_normal_verification(client, debtor_account):
    account, _ = debtor_account
    path = _path(_link(account))
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

    response = client.get(tampered)

    assert response.status_code == 400
    assert b"not valid" in response.content
    assert b'href="/portal/acme/"' in response.content


def test_a_link_for_another_debtor_forged_without_the_key_is_refused(client, debtor_account):
    account, debtor = debtor_account
    forged = signing.dumps(
        {"o": account.organization_id, "d": debtor.pk, "a": account.pk}, key="x" * 50, salt=LINK_SALT
    )

    assert client.get(f"/portal/acme/l/{forged}/").status_code == 400


def test_an_expired_link_is_refused_with_a_page_that_says_so(client, debtor_account, settings):
    account, _ = debtor_account
    path = _path(_link(account))

    with time_machine.travel(timedelta(days=31)):
        response = client.get(path)

    assert response.status_code == 410
    assert b"expired" in response.content
    assert b'href="/portal/acme/"' in response.content


def test_a_link_of_one_organization_does_not_open_another(client, debtor_account, other_org):
    account, _ = debtor_account
    token = _path(_link(account)).rstrip("/").rsplit("/", 1)[1]

    assert client.get(f"/portal/other/l/{token}/").status_code == 400


def _identify(client, **fields):
    data = {"reference": "PORT-1", "last_name": "Doe1", "date_of_birth": "", "postal_code": "", **fields}
    return client.post("/portal/acme/", data)


def test_wrong_details_and_unknown_accounts_get_the_same_answer(client, debtor_account):
    answers = [
        _identify(client, last_name="Smith", postal_code="10001"),
        _identify(client, postal_code="99999"),
        _identify(client, date_of_birth="1970-01-01"),
        _identify(client, reference="NO-SUCH", postal_code="10001"),
    ]

    assert {r.status_code for r in answers} == {400}
    texts = {r.content.split(b'role="alert"')[1].split(b"</div>")[0] for r in answers}
    assert len(texts) == 1  # one message whatever was wrong, and whether or not the account exists


@pytest.mark.parametrize("proof", [{"postal_code": "10001-1234"}, {"date_of_birth": "1980-05-17"}])
def test_the_right_details_lead_to_the_code_step(client, debtor_account, proof):
    response = _identify(client, last_name="  doe1 ", **proof)

    assert response.status_code == 302 and response["Location"] == "/portal/acme/code/"


def _verify(client, smtp_server, debtor_account):
    _identify(client, postal_code="10001")
    page = client.get("/portal/acme/code/")
    email_point = next(d for d in page.context["destinations"] if d.channel == "email")
    sent = client.post("/portal/acme/code/", {"action": "send", "destination": email_point.contact_point_id})
    assert sent.status_code == 200, sent.content
    return client.post("/portal/acme/code/", {"action": "verify", "code": last_code(smtp_server)})


def test_a_code_sent_by_email_verifies_and_the_home_shows_the_accounts(client, debtor_account, smtp_server):
    account, debtor = debtor_account

    response = _verify(client, smtp_server, debtor_account)

    assert response.status_code == 302 and response["Location"] == "/portal/acme/home/"
    home = client.get("/portal/acme/home/")
    assert home.status_code == 200 and b"PORT-1" in home.content
    message = smtp_server.messages[-1]
    assert "Acme" not in message.get_body(preferencelist=("plain",)).get_content()  # no debt information
    row = OneTimeCode.objects.get()
    assert last_code(smtp_server) not in row.code_hash and row.used_at is not None


def test_a_code_is_used_once(client, debtor_account, smtp_server):
    _verify(client, smtp_server, debtor_account)
    code = last_code(smtp_server)
    client.post("/portal/acme/signout/")
    _identify(client, postal_code="10001")

    again = client.post("/portal/acme/code/", {"action": "verify", "code": code})

    assert again.status_code == 400


def test_three_wrong_codes_lock_verification_for_a_while(client, debtor_account, smtp_server):
    _identify(client, postal_code="10001")
    page = client.get("/portal/acme/code/")
    point = page.context["destinations"][0]
    client.post("/portal/acme/code/", {"action": "send", "destination": point.contact_point_id})
    right = last_code(smtp_server)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    answers = [
        client.post("/portal/acme/code/", {"action": "verify", "code": wrong}).status_code for _ in range(3)
    ]
    after = client.post("/portal/acme/code/", {"action": "verify", "code": right})

    assert answers == [400, 400, 429]
    assert after.status_code == 429 and b"locked" in after.content.lower()
    with time_machine.travel(domain.LOCK_FOR + timedelta(minutes=1)):
        assert client.post(
            "/portal/acme/code/", {"action": "send", "destination": point.contact_point_id}
        ).status_code in (200, 302)


def test_identification_is_throttled_per_ip(client, debtor_account):
    for _ in range(domain.LIMIT_IDENTIFY_PER_IP):
        _identify(client, reference="NOPE", postal_code="10001")

    response = _identify(client, postal_code="10001")

    assert response.status_code == 429


def test_a_debtor_being_guessed_at_waits_even_with_the_right_details(client, debtor_account):
    for n in range(domain.LIMIT_IDENTIFY_FAILED_PER_DEBTOR):
        client.post(
            "/portal/acme/",
            {"reference": "PORT-1", "last_name": "Doe1", "postal_code": f"2000{n}"},
            REMOTE_ADDR=f"10.0.0.{n}",
        )

    response = _identify(client, postal_code="10001")

    assert response.status_code == 400  # the same answer as wrong details
    assert (
        VerificationEvent.objects.filter(step="identify_failed").count()
        == domain.LIMIT_IDENTIFY_FAILED_PER_DEBTOR + 1
    )


def test_codes_to_one_address_are_throttled(client, debtor_account, smtp_server):
    _identify(client, postal_code="10001")
    point = client.get("/portal/acme/code/").context["destinations"][0]
    answers = [
        client.post(
            "/portal/acme/code/", {"action": "send", "destination": point.contact_point_id}
        ).status_code
        for _ in range(domain.LIMIT_CODES_PER_ADDRESS + 1)
    ]

    assert answers[-1] == 429 and answers[:-1] == [200] * domain.LIMIT_CODES_PER_ADDRESS


def test_a_code_cannot_go_to_an_address_not_on_file(client, debtor_account, make_account, smtp_server):
    other = make_account(reference="OTHER-1").debtors.get()
    stranger = other.contact_points.get(kind="email")
    _identify(client, postal_code="10001")

    response = client.post("/portal/acme/code/", {"action": "send", "destination": stranger.pk})

    assert response.status_code == 400 and not smtp_server.messages


def test_the_portal_session_expires_when_idle(client, debtor_account, smtp_server, settings):
    _verify(client, smtp_server, debtor_account)

    with time_machine.travel(
        timedelta(seconds=settings.PORTAL_IDLE_SECONDS if hasattr(settings, "PORTAL_IDLE_SECONDS") else 901)
    ):
        response = client.get("/portal/acme/home/")

    assert response.status_code == 302 and response["Location"] == "/portal/acme/"


def test_another_debtors_account_is_404(client, debtor_account, make_account, smtp_server):
    stranger = make_account(reference="OTHER-2")
    _verify(client, smtp_server, debtor_account)

    assert client.get(f"/portal/acme/accounts/{stranger.pk}/").status_code == 404
    assert client.get(f"/portal/acme/accounts/{stranger.pk}/dispute/").status_code == 404


def test_the_verified_session_does_not_open_another_organization(
    client, debtor_account, smtp_server, other_org
):
    _verify(client, smtp_server, debtor_account)

    assert client.get("/portal/other/home/").status_code == 302


def test_the_portal_speaks_spanish_when_asked_and_keeps_it(client, org):
    first = client.get("/portal/acme/?lang=es")
    then = client.get("/portal/acme/")
    browser = client.get("/portal/acme/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")

    assert b"Entre a su cuenta" in first.content and b'lang="es"' in first.content
    assert b"Entre a su cuenta" in then.content
    assert b"Fecha de nacimiento" in browser.content


def test_a_wrong_detail_is_told_in_spanish_without_saying_which(client, debtor_account):
    client.get("/portal/acme/?lang=es")

    response = client.post(
        "/portal/acme/", {"reference": "PORT-1", "last_name": "Nadie", "postal_code": "10001"}
    )

    assert response.status_code == 400 and b"No pudimos verificar esos datos" in response.content
