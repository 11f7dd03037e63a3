import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arrears.audit.models import AuditEvent
from arrears.core.errors import ArrearsError
from arrears.documents.domain import parse_range, sniff
from arrears.documents.models import Document
from arrears.documents.selectors import document_list
from arrears.documents.services import document_store
from arrears.tenancy.choices import Role

from .conftest import PDF, make_wav


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0..JFIF", "image/jpeg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
        (b"MZ\x90\x00 an executable", None),
        (b"<html><script>alert(1)</script>", None),
    ],
)
def test_the_bytes_decide_the_type(head, expected):
    assert sniff(head) == expected


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-99", 1000, (0, 99)),
        ("bytes=500-", 1000, (500, 999)),
        ("bytes=-100", 1000, (900, 999)),
        ("bytes=900-5000", 1000, (900, 999)),
        ("bytes=1000-", 1000, None),
        ("bytes=5-2", 1000, None),
        ("bytes=0-1,5-6", 1000, None),
        ("items=0-1", 1000, None),
    ],
)
def test_byte_ranges(header, size, expected):
    assert parse_range(header, size) == expected


def test_a_document_is_stored_with_its_hash_and_audited(make_account, system):
    account = make_account()

    doc = document_store(
        actor=system, kind="invoice", stream=io.BytesIO(PDF), original_name="inv.pdf", account=account
    )

    assert doc.content_type == "application/pdf"
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert doc.size == len(PDF)
    assert "inv" not in doc.file.name and doc.file.name.endswith(".pdf")  # random, unguessable name
    assert AuditEvent.objects.filter(
        event="document.stored", subject_id=str(doc.pk), account_id=account.pk
    ).exists()


@pytest.mark.parametrize(
    ("kind", "content", "name", "code"),
    [
        ("invoice", b"MZ\x90\x00 not a pdf at all", "invoice.pdf", "DOCUMENT_TYPE_NOT_ALLOWED"),
        ("call_recording", PDF, "call.mp3", "DOCUMENT_TYPE_NOT_ALLOWED"),
        ("contract", make_wav(0.1), "contract.pdf", "DOCUMENT_TYPE_NOT_ALLOWED"),
        ("invoice", b"", "empty.pdf", "DOCUMENT_EMPTY"),
    ],
)
def test_bad_types_are_refused_and_nothing_is_stored(make_account, system, kind, content, name, code):
    account = make_account()

    with pytest.raises(ArrearsError) as err:
        document_store(
            actor=system, kind=kind, stream=io.BytesIO(content), original_name=name, account=account
        )

    assert err.value.code == code
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused(make_account, system, settings):
    settings.DOCUMENT_MAX_BYTES = 1000

    with pytest.raises(ArrearsError) as err:
        document_store(
            actor=system,
            kind="invoice",
            stream=io.BytesIO(PDF + b"0" * 2000),
            original_name="big.pdf",
            account=make_account(),
        )

    assert err.value.code == "DOCUMENT_TOO_LARGE"
    assert not Document.objects.exists()


def test_documents_are_searchable_by_type_and_date(make_account, system):
    from arrears.core.clock import utcnow

    account = make_account()
    document_store(
        actor=system, kind="invoice", stream=io.BytesIO(PDF), original_name="a.pdf", account=account
    )
    document_store(
        actor=system, kind="judgment", stream=io.BytesIO(PDF), original_name="b.pdf", account=account
    )
    today = utcnow().date()

    assert [d.original_name for d in document_list(principal=system, kind="judgment")] == ["b.pdf"]
    assert document_list(principal=system, uploaded_from=today, uploaded_to=today).count() == 2
    assert document_list(principal=system, uploaded_to=today.replace(year=today.year - 1)).count() == 0


@pytest.fixture
def stored(make_account, system):
    account = make_account()
    return document_store(
        actor=system,
        kind="call_recording",
        stream=io.BytesIO(make_wav()),
        original_name="call.wav",
        account=account,
    )


def test_a_document_is_never_reachable_without_permission(client, stored, org, other_org, make_user, system):
    from arrears.tenancy.services import client_create

    url = reverse("documents:download", args=[stored.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(make_user(other_org, Role.ADMIN, username="stranger"))
    assert client.get(url).status_code == 404
    other_client = client_create(organization=org, code="other", name="Other", actor=system)
    client.force_login(make_user(org, Role.CLIENT_VIEWER, username="viewer", clients=[other_client]))
    assert client.get(url).status_code == 404
    # And there is no public route to the stored file at all.
    assert client.get("/media/" + stored.file.name).status_code == 404


def test_download_streams_the_file_with_ranges_and_is_audited(client, stored, org, make_user):
    client.force_login(make_user(org, Role.COLLECTOR))
    url = reverse("documents:download", args=[stored.pk])

    full = client.get(url)
    part = client.get(url, headers={"Range": "bytes=0-43"})

    assert full.status_code == 200
    assert full["Content-Type"] == "audio/wav"
    assert b"".join(full.streaming_content) == stored.file.open("rb").read()
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 0-43/{stored.size}"
    assert len(b"".join(part.streaming_content)) == 44
    assert AuditEvent.objects.filter(event="document.viewed", subject_id=str(stored.pk)).count() == 2


def test_upload_through_the_account_page(client, make_account, org, make_user):
    account = make_account()
    client.force_login(make_user(org, Role.COLLECTOR))

    ok = client.post(
        reverse("documents:upload", args=[account.pk]),
        {"kind": "dispute_letter", "file": SimpleUploadedFile("dispute.pdf", PDF)},
    )
    bad = client.post(
        reverse("documents:upload", args=[account.pk]),
        {"kind": "invoice", "file": SimpleUploadedFile("x.pdf", b"<script>")},
    )

    assert ok.status_code == 302 and bad.status_code == 400
    assert 'id="file-error"' in bad.content.decode()
    assert list(Document.objects.values_list("kind", flat=True)) == ["dispute_letter"]
    panel = client.get(reverse("documents:account_documents", args=[account.pk])).content.decode()
    assert "dispute.pdf" in panel


def test_a_client_viewer_cannot_upload(client, make_account, org, make_user):
    account = make_account()
    client.force_login(make_user(org, Role.CLIENT_VIEWER, clients=[account.client]))

    response = client.post(
        reverse("documents:upload", args=[account.pk]),
        {"kind": "invoice", "file": SimpleUploadedFile("a.pdf", PDF)},
    )

    assert response.status_code == 403
    assert not Document.objects.exists()


@pytest.fixture
def dialer():
    """A local HTTP server standing in for a dialer that publishes recordings by URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    files = {"/rec/42.wav": make_wav(0.5), "/rec/fake.wav": b"<html>login page</html>"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            body = files.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_recording_is_fetched_from_the_dialers_url(make_account, system, dialer):
    from arrears.documents.services import document_fetch

    account = make_account()

    doc = document_fetch(actor=system, url=f"{dialer}/rec/42.wav", account=account)

    assert doc.content_type == "audio/wav"
    assert doc.source_url.endswith("/rec/42.wav")
    assert doc.sha256 == hashlib.sha256(make_wav(0.5)).hexdigest()


@pytest.mark.parametrize(
    ("path", "code"),
    [("/rec/missing.wav", "DOCUMENT_FETCH_FAILED"), ("/rec/fake.wav", "DOCUMENT_TYPE_NOT_ALLOWED")],
)
def test_a_bad_recording_url_is_refused(make_account, system, dialer, path, code):
    from arrears.documents.services import document_fetch

    with pytest.raises(ArrearsError) as err:
        document_fetch(actor=system, url=dialer + path, account=make_account())

    assert err.value.code == code
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        pytest.param({"kind": "spaceship"}, "kind", id="unknown-kind"),
        pytest.param({"kind": "invoice", "description": "x" * 501}, "description", id="description-too-long"),
        pytest.param({"kind": "invoice", "file": ""}, "file", id="no-file"),
    ],
)
def test_a_bad_upload_is_a_400_with_the_message_next_to_the_field(
    client, make_account, org, make_user, form, field
):
    account = make_account()
    client.force_login(make_user(org, Role.COLLECTOR))
    data = {"file": SimpleUploadedFile("a.pdf", PDF), **form}
    if data["file"] == "":
        del data["file"]

    response = client.post(reverse("documents:upload", args=[account.pk]), data)

    assert response.status_code == 400
    assert f'id="{field}-error"' in response.content.decode()
    assert not Document.objects.exists()
