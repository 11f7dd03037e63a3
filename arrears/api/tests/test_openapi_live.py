"""The OpenAPI document against the live server: schemathesis finds no 5xx and no response that
breaks the schema; a client generated from it by openapi-python-client lists accounts, posts a payment
and reads its allocation. Both tools run as their users would: as commands, on the served document."""

from __future__ import annotations

import importlib
import io
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)
BIN = Path(sys.executable).parent


@pytest.fixture
def live_api(live_server, org, make_account, make_token, settings, tmp_path):
    settings.API_RATE_LIMIT = "100000/1"  # the fuzzer is not what the rate limit is for
    settings.MEDIA_ROOT = str(tmp_path / "media")  # the fuzzer uploads documents, recordings and imports
    for i in range(3):
        make_account(reference=f"LIVE-{i}", principal=Decimal("300.00"))
    account = make_account(reference="INV-1001", principal=Decimal("100000.00"))  # the schema's example
    _seed_contact(org, account)
    return live_server.url, make_token(org)


def _seed_contact(org, account):
    """One of each thing the debtors, attempts, messages, documents and imports routes read, so that the
    fuzzer's small ids find some."""
    from datetime import UTC, datetime

    from arrears.contact.calls import call_log
    from arrears.contact.messaging import message_queue, template_save
    from arrears.documents.services import document_store
    from arrears.documents.tests.conftest import PDF
    from arrears.imports.services import import_job_run, import_submit
    from arrears.tenancy.domain import system_principal

    actor = system_principal(org.pk, "live")
    template = template_save(
        organization=org,
        key="reminder",
        channel="sms",
        body=(
            "{{ organization.name }}: {{ account.balance }} is due. From a debt collector. "
            "Reply STOP to opt out."
        ),
        actor=actor,
    )
    message_queue(template=template, account=account, actor=actor)
    phone = account.debtors.get().contact_points.get(kind="phone").value
    call_log(
        accounts=[account],
        number=phone,
        direction="outbound",
        outcome="no_answer",
        started_at=datetime(2026, 3, 10, 18, 0, tzinfo=UTC),
        actor=actor,
    )
    document_store(
        actor=actor, kind="statement", stream=io.BytesIO(PDF), original_name="s.pdf", account=account
    )
    dry_run = import_submit(
        client=account.client,
        name="a.csv",
        chunks=iter([b"account_ref,first_name,last_name,balance\nLIVE-X,Jo,Sm,10\n"]),
        actor=actor,
        dry_run=True,
    )
    import_job_run(job=dry_run)  # finished (the live server has no worker): it can be confirmed


def test_schemathesis_finds_no_server_error_and_no_response_off_schema(live_api, tmp_path):
    # given
    url, token = live_api

    # when
    done = subprocess.run(  # noqa: S603
        [
            str(BIN / "schemathesis"),
            "run",
            f"{url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            # The warnings that say the run tested nothing (a token refused, a wrong base URL, a schema it
            # cannot use) fail the test. Not the two about its random data meeting the business rules
            # (`missing_test_data`, `validation_mismatch`): one open plan per account, a status the
            # account's current one forbids, a date in the past are refusals (4xx), not mismatches.
            "--warnings",
            "missing_auth,base_url_mismatch,missing_deserializer,unused_openapi_auth,unsupported_regex,"
            "method_not_allowed,unresolvable_reference,rate_limited,dictionary_mismatch",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
        check=False,
    )

    # then
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    selected = re.search(r"Operations:\s+(\d+) selected / (\d+) total", done.stdout)
    assert selected and selected.group(1) == selected.group(2), done.stdout[-3000:]
    assert "No issues found" in done.stdout


def test_a_generated_client_lists_accounts_posts_a_payment_and_reads_its_allocation(live_api, tmp_path):
    # given: a client generated from the served document, into a temporary folder
    url, token = live_api
    document = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{url}/api/v1/openapi.json") as response:  # noqa: S310 (the test server)
        document.write_bytes(response.read())
    subprocess.run(  # noqa: S603
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "arrears_client"),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
    )
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        package = importlib.import_module("arrears_client")
        accounts_list = importlib.import_module("arrears_client.api.accounts.accounts_list")
        payments_create = importlib.import_module("arrears_client.api.payments.payments_create")
        models = importlib.import_module("arrears_client.models")
        client = package.AuthenticatedClient(base_url=url, token=token)

        # when
        page = accounts_list.sync(client=client, limit=2)
        body = models.PaymentIn(
            account="LIVE-1", amount="80.00", currency="USD", method=models.PaymentInMethod.CARD
        )
        payment = payments_create.sync(client=client, body=body)
        as_dict = payment.to_dict()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("arrears_client")]:
            del sys.modules[name]

    # then
    assert [a.reference for a in page.data] == ["LIVE-0", "LIVE-1"] and page.has_more is True
    assert payment.id > 0
    assert payment.allocation.to_dict()["principal"] == "80.00"
    assert json.loads(json.dumps(as_dict))["account"] == "LIVE-1"
    shutil.rmtree(tmp_path / "arrears_client", ignore_errors=True)
