"""Documents and imports through the API: upload (multipart), read, download, poll a job, page through
its errors (national ids masked), tenancy and client scoping, bad input as problems."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.audit.models import AuditEvent
from arrears.documents.tests.conftest import PDF

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def token_of(make_token, org, **kwargs):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(org, **kwargs)}"}


def pdf(name="scan.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- documents ----------------------------------------------------------------------------------------------


def test_a_document_is_uploaded_listed_read_and_downloaded_with_an_audit(client, bearer, make_account):
    # given
    account = make_account(reference="DOC-1")

    # when
    made = client.post(
        "/api/v1/documents",
        {"account": "DOC-1", "kind": "statement", "description": "March", "file": pdf()},
        **bearer,
    )
    listed = client.get(f"/api/v1/documents?account_id={account.pk}&kind=statement", **bearer)
    got = client.get(f"/api/v1/documents/{made.json()['id']}", **bearer)
    content = client.get(f"/api/v1/documents/{made.json()['id']}/content", **bearer)

    # then
    assert made.status_code == 201, made.content
    document = made.json()
    assert document["account_id"] == account.pk and document["content_type"] == "application/pdf"
    assert document["size"] == len(PDF) and document["name"] == "scan.pdf"
    assert [d["id"] for d in listed.json()["data"]] == [document["id"]]
    assert got.json()["sha256"] == document["sha256"]
    assert content.status_code == 200 and content["Content-Type"] == "application/pdf"
    assert b"".join(content.streaming_content) == PDF
    assert AuditEvent.objects.filter(event="document.viewed", subject_id=str(document["id"])).count() == 1


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        (
            {"account": "DOC-1", "kind": "statement", "file": pdf(data=b"MZ\x90\x00not a pdf")},
            400,
            "DOCUMENT_TYPE_NOT_ALLOWED",
        ),
        ({"account": "DOC-1", "kind": "statement", "file": pdf(data=b"")}, 400, "DOCUMENT_EMPTY"),
        ({"account": "DOC-1", "kind": "tax_return", "file": pdf()}, 422, "API_VALIDATION_FAILED"),
        ({"account": "DOC-1", "kind": "statement"}, 422, "API_VALIDATION_FAILED"),
        ({"account": "NO-SUCH", "kind": "statement", "file": pdf()}, 404, "ACCOUNT_NOT_FOUND"),
    ],
)
def test_bad_uploads_are_4xx_problems(client, bearer, make_account, form, status, code):
    make_account(reference="DOC-1")

    response = client.post("/api/v1/documents", form, **bearer)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM and response.json()["code"] == code


def test_too_large_a_document_is_refused(client, bearer, make_account, settings):
    settings.DOCUMENT_MAX_BYTES = 10
    make_account(reference="DOC-1")

    response = client.post(
        "/api/v1/documents", {"account": "DOC-1", "kind": "other", "file": pdf()}, **bearer
    )

    assert response.status_code == 400 and response.json()["code"] == "DOCUMENT_TOO_LARGE"


def test_documents_of_another_organization_or_client_are_404(
    client, org, other_org, system, make_token, bearer, make_account
):
    # given
    from arrears.tenancy.services import client_create

    account = make_account(reference="DOC-1")
    document = client.post(
        "/api/v1/documents", {"account": "DOC-1", "kind": "other", "file": pdf()}, **bearer
    ).json()
    store = client_create(organization=org, code="store", name="Store", actor=system)

    for token in (token_of(make_token, other_org), token_of(make_token, org, client=store)):
        # when
        got = client.get(f"/api/v1/documents/{document['id']}", **token)
        content = client.get(f"/api/v1/documents/{document['id']}/content", **token)
        listed = client.get("/api/v1/documents", **token)
        filtered = client.get(f"/api/v1/documents?account_id={account.pk}", **token)

        # then
        assert got.status_code == 404 and got.json()["code"] == "DOCUMENT_NOT_FOUND"
        assert content.status_code == 404
        assert listed.json()["data"] == []
        assert filtered.status_code == 404
    assert not AuditEvent.objects.filter(event="document.viewed").exists()


# --- imports ------------------------------------------------------------------------------------------------

GOOD = (
    b"account_ref,first_name,last_name,balance,ssn,phone\n"
    b"IMP-1,Jo,Smith,100.00,123-45-6789,(212) 555-0101\n"
    b"IMP-2,Al,Jones,250.50,,(212) 555-0102\n"
)
BAD = (
    b"account_ref,first_name,last_name,balance,ssn\n"
    b"IMP-3,Jo,Smith,100.00,000-12-3456\n"
    b"IMP-4,Al,Jones,not money,\n"
    b"IMP-5,Cy,Brown,10.00,999-99-99991\n"
)


def upload(browser, headers, data, **fields):
    form = {"file": SimpleUploadedFile("accounts.csv", data, content_type="text/csv"), **fields}
    return browser.post("/api/v1/imports", form, **headers)


def test_an_upload_runs_an_import_whose_job_is_polled(
    client, bearer, client_, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(client, bearer, GOOD, client="bank")
    polled = client.get(f"/api/v1/imports/{made.json()['id']}", **bearer)
    listed = client.get("/api/v1/imports", **bearer)
    errors = client.get(f"/api/v1/imports/{made.json()['id']}/errors", **bearer)

    # then
    assert made.status_code == 201, made.content
    job = polled.json()
    assert job["status"] == "completed" and job["finished"] is True and job["written"] is True
    assert job["counts"]["accounts_created"] == 2 and job["counts"]["rejected"] == 0
    assert job["client"] == "bank" and job["file_name"] == "accounts.csv"
    assert [j["id"] for j in listed.json()["data"]] == [job["id"]]
    assert errors.json() == {"object": "list", "data": [], "has_more": False}
    references = [a["reference"] for a in client.get("/api/v1/accounts?limit=100", **bearer).json()["data"]]
    assert {"IMP-1", "IMP-2"} <= set(references)
    assert AuditEvent.objects.filter(event="import.completed", subject_id=str(job["id"])).exists()


def test_a_rejected_import_pages_its_errors_with_national_ids_masked(
    client, bearer, client_, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(client, bearer, BAD, client="bank")
    job_id = made.json()["id"]
    first = client.get(f"/api/v1/imports/{job_id}/errors?limit=2", **bearer)
    rest = client.get(
        f"/api/v1/imports/{job_id}/errors?limit=2&starting_after={first.json()['data'][-1]['id']}", **bearer
    )

    # then
    job = client.get(f"/api/v1/imports/{job_id}", **bearer).json()
    assert job["status"] == "rejected" and job["written"] is False and job["counts"]["rejected"] == 3
    errors = first.json()["data"] + rest.json()["data"]
    assert first.json()["has_more"] is True and rest.json()["has_more"] is False
    assert {e["row"] for e in errors} == {2, 3, 4}
    ssn_errors = [e for e in errors if e["column"] == "ssn"]
    assert ssn_errors and all(e["value"].startswith("*") for e in ssn_errors)
    shown = first.content + rest.content
    for plain in (b"000-12-3456", b"000123456", b"999-99-99991", b"9999999991"):
        assert plain not in shown


def test_a_dry_run_writes_nothing_until_confirmed(
    client, bearer, client_, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dry = upload(client, bearer, GOOD, client="bank", dry_run="true")
    assert dry.json()["status"] == "pending"  # it runs in a worker: poll it
    polled = client.get(f"/api/v1/imports/{dry.json()['id']}", **bearer).json()
    assert polled["status"] == "dry_run" and polled["written"] is False
    assert client.get("/api/v1/accounts", **bearer).json()["data"] == []

    with django_capture_on_commit_callbacks(execute=True):
        real = client.post(f"/api/v1/imports/{dry.json()['id']}/confirm", **bearer)
    again = client.post(f"/api/v1/imports/{real.json()['id']}/confirm", **bearer)

    assert real.status_code == 201, real.content
    done = client.get(f"/api/v1/imports/{real.json()['id']}", **bearer).json()
    assert (
        done["status"] == "completed" and done["counts"]["accounts_created"] == 2 and done["dry_run"] is False
    )
    assert again.status_code == 409 and again.json()["code"] == "IMPORT_JOB_NOT_CONFIRMABLE"


def test_a_client_token_imports_for_its_client_only(
    client, org, system, make_token, client_, django_capture_on_commit_callbacks
):
    # given
    from arrears.tenancy.services import client_create

    client_create(organization=org, code="store", name="Store", actor=system)
    token = token_of(make_token, org, client=client_)
    org_token = token_of(make_token, org, name="org")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        own = upload(client, token, GOOD)
    other = upload(client, token, GOOD, client="store")
    unnamed = upload(client, org_token, GOOD)
    store_job = upload(client, org_token, GOOD, client="store", dry_run="true")
    store_view = client.get(f"/api/v1/imports/{store_job.json()['id']}", **token)

    # then
    assert own.status_code == 201 and own.json()["client"] == "bank"
    assert other.status_code == 404 and other.json()["code"] == "CLIENT_NOT_FOUND"
    assert unnamed.status_code == 404
    assert store_view.status_code == 404
    assert [j["client"] for j in client.get("/api/v1/imports", **token).json()["data"]] == ["bank"]


def test_another_organizations_import_is_404(
    client, other_org, make_token, bearer, client_, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, bearer, BAD, client="bank").json()
    theirs = token_of(make_token, other_org)

    assert client.get(f"/api/v1/imports/{job['id']}", **theirs).status_code == 404
    assert client.get(f"/api/v1/imports/{job['id']}/errors", **theirs).status_code == 404
    assert client.post(f"/api/v1/imports/{job['id']}/confirm", **theirs).status_code == 404
    assert upload(client, theirs, GOOD, client="bank").status_code == 404


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"format": "pdf"}, 422),
        ({"date_order": "yyy"}, 422),
        ({"mapping": "this is = = not toml"}, 400),
        ({"dry_run": "perhaps"}, 422),
    ],
)
def test_bad_import_options_are_4xx_problems(client, bearer, client_, fields, status):
    response = upload(client, bearer, GOOD, client="bank", **fields)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM


def test_an_unusable_file_fails_its_job_with_a_message(
    client, bearer, client_, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(client, bearer, b"\x00\x01 nothing like a csv", client="bank")

    job = client.get(f"/api/v1/imports/{made.json()['id']}", **bearer).json()
    assert job["status"] == "failed" and job["finished"] is True and job["message"]


def test_webhook_catalogue_has_message_and_import_events():
    from arrears.api.domain import audit_names_for, webhook_event_types

    assert {"message.delivered", "message.bounced", "import.finished"} <= set(webhook_event_types())
    assert {"contact.message_delivered", "contact.message_bounced", "import.completed"} <= set(
        audit_names_for(["message.delivered", "message.bounced", "import.finished"])
    )
