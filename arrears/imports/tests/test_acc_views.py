"""Staff pages: upload → mapping with preview → dry run → confirm → progress, and the merge review list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arrears.accounts.models import Account
from arrears.debtors.models import MergeCandidate
from arrears.imports.models import ImportJob
from arrears.tenancy.choices import Role

CSV = (
    b"account_ref,first_name,last_name,phone,address_line1,city,state,postal_code,balance\n"
    b"W1,Jon,Smith,,5 Oak Ave,Springfield,IL,62704,10\n"
    b"W2,John,Smith,,5 Oak Avenue,Springfield,IL,62704,20\n"
)


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def manager(client, org, client_, make_user):
    client.force_login(make_user(org, role=Role.MANAGER))
    return client


def test_upload_preview_dry_run_confirm_and_progress(manager, client_):
    # given a manager uploading a file
    response = manager.post(
        reverse("imports:upload"), {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV)}
    )
    job = ImportJob.objects.get()
    assert response.url == reverse("imports:mapping", args=[job.pk])

    # when they look at the mapping page
    page = manager.get(response.url)

    # then the first rows are shown as parsed
    assert page.status_code == 200
    assert b"W1" in page.content and b"Springfield" in page.content

    # when they run the dry run
    response = manager.post(response.url, {"format": "auto", "date_order": "", "run": "1"})

    # then the report shows what would happen, and nothing is written
    job.refresh_from_db()
    assert (job.status, job.accounts_created, job.merge_candidates) == ("dry_run", 2, 1)
    assert Account.objects.count() == 0
    report = manager.get(reverse("imports:job_detail", args=[job.pk]))
    assert b"Confirm and import" in report.content

    # when they confirm
    response = manager.post(reverse("imports:confirm", args=[job.pk]))

    # then a real job runs to completion and its progress reads 100%
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.url == reverse("imports:job_detail", args=[real.pk])
    assert (real.status, real.accounts_created) == ("completed", 2)
    assert Account.objects.count() == 2
    progress = manager.get(reverse("imports:job_progress", args=[real.pk]))
    assert b'value="100"' in progress.content


def test_a_rejected_dry_run_offers_the_error_report_and_no_confirm(manager, client_):
    manager.post(
        reverse("imports:upload"),
        {"client": client_.pk, "file": SimpleUploadedFile("bad.csv", CSV + b'W3,A,B,,,,,,"12,34.5x"\n')},
    )
    job = ImportJob.objects.get()
    manager.post(reverse("imports:mapping", args=[job.pk]), {"format": "auto", "run": "1"})

    report = manager.get(reverse("imports:job_detail", args=[job.pk]))
    errors = manager.get(reverse("imports:errors_csv", args=[job.pk]))

    assert b"not an amount" in report.content
    assert b"Confirm and import" not in report.content
    assert ImportJob.objects.get().status == "rejected"
    assert b"".join(errors.streaming_content).decode().splitlines() == [
        "row,column,value,message",
        '4,balance,"12,34.5x",not an amount',
    ]


def test_a_bad_mapping_is_reported_on_the_page(manager, client_):
    manager.post(reverse("imports:upload"), {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV)})
    job = ImportJob.objects.get()

    page = manager.post(
        reverse("imports:mapping", args=[job.pk]),
        {"format": "auto", "mapping_toml": "[columns]\nx=1"},
        follow=True,
    )

    assert b"unknown fields" in page.content
    assert ImportJob.objects.get().status == "pending"


def test_another_tenants_job_is_404(manager, other_org, system):
    from arrears.tenancy.services import client_create

    other_client = client_create(organization=other_org, code="x", name="X", actor=system)
    job = ImportJob.objects.create(
        organization=other_org,
        client=other_client,
        file_name="f.csv",
        file_path="/nope",
        file_sha256="0" * 64,
    )

    for name in ("job_detail", "mapping", "job_progress", "errors_csv"):
        assert manager.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404


def test_collectors_see_imports_but_cannot_upload(client, org, client_, make_user):
    client.force_login(make_user(org, role=Role.COLLECTOR))

    assert client.get(reverse("imports:job_list")).status_code == 200
    response = client.post(
        reverse("imports:upload"), {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV)}
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get(reverse("imports:job_list")).status_code == 302


def test_review_list_merges_and_undoes(manager, client_):
    # given an import that found "Jon Smith" and "John Smith" at one address
    manager.post(reverse("imports:upload"), {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV)})
    job = ImportJob.objects.get()
    manager.post(reverse("imports:mapping", args=[job.pk]), {"format": "auto", "run": "1"})
    manager.post(reverse("imports:confirm", args=[job.pk]))
    candidate = MergeCandidate.objects.get()

    # when the reviewer merges the pair from the list
    page = manager.get(reverse("imports:merge_review"))
    assert b"Jon Smith" in page.content
    manager.post(reverse("imports:merge_decide", args=[candidate.pk]), {"decision": "merge"})

    # then one debtor owns both accounts, and undo splits them again
    assert (
        Account.objects.get(reference="W2").debtors.get() == Account.objects.get(reference="W1").debtors.get()
    )
    candidate.refresh_from_db()
    manager.post(reverse("imports:merge_undo", args=[candidate.merge_id]))
    assert (
        Account.objects.get(reference="W2").debtors.get() != Account.objects.get(reference="W1").debtors.get()
    )


@pytest.mark.parametrize(
    ("form", "field"),
    [
        pytest.param({"client": "abc"}, "client", id="client-not-a-number"),
        pytest.param({"client": "99999999999999999999"}, "client", id="client-huge"),
        pytest.param({"client": ""}, "client", id="no-client"),
        pytest.param({"file": None}, "file", id="no-file"),
    ],
)
def test_a_bad_upload_is_a_400_with_the_message_next_to_the_field(manager, client_, form, field):
    data = {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV), **form}
    data = {k: v for k, v in data.items() if v is not None}

    response = manager.post(reverse("imports:upload"), data)

    assert response.status_code == 400
    assert f'id="{field}-error"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_another_organizations_client_is_refused_at_upload(manager, other_org):
    from arrears.tenancy.domain import Principal
    from arrears.tenancy.services import client_create

    theirs = client_create(
        organization=other_org,
        code="theirs",
        name="Theirs",
        actor=Principal(organization_id=other_org.pk, role=Role.ADMIN, label="test"),
    )

    response = manager.post(
        reverse("imports:upload"), {"client": theirs.pk, "file": SimpleUploadedFile("p.csv", CSV)}
    )

    assert response.status_code == 400 and 'id="client-error"' in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        pytest.param({"format": "lotus123"}, "format", id="unknown-format"),
        pytest.param(
            {"format": "auto", "date_order": "unknown_choice"}, "date-order", id="unknown-date-order"
        ),
        pytest.param({"format": "auto", "mapping_toml": "[columns"}, "mapping-toml", id="broken-toml"),
    ],
)
def test_a_bad_mapping_is_a_400_with_the_message_next_to_the_field(manager, client_, form, field):
    manager.post(reverse("imports:upload"), {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV)})
    job = ImportJob.objects.get()

    response = manager.post(reverse("imports:mapping", args=[job.pk]), {**form, "run": "1"})

    assert response.status_code == 400
    assert f'id="{field}-error"' in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.format, job.date_order) == ("pending", "auto", "")


DAY_FIRST = (
    b"account_ref,first_name,last_name,address_line1,city,state,postal_code,balance,date_of_birth\n"
    b"D1,Ana,Lima,1 Rua,Springfield,IL,62704,10,25/12/1980\n"
)


def test_after_a_rejected_dry_run_the_manager_changes_the_mapping_and_goes_on(manager, client_):
    # given: a day-first file, dry-run with the documented date order: its row is rejected
    manager.post(
        reverse("imports:upload"), {"client": client_.pk, "file": SimpleUploadedFile("d.csv", DAY_FIRST)}
    )
    first = ImportJob.objects.get()
    manager.post(
        reverse("imports:mapping", args=[first.pk]), {"format": "auto", "date_order": "", "run": "1"}
    )
    first.refresh_from_db()
    report = manager.get(reverse("imports:job_detail", args=[first.pk])).content.decode()
    assert first.rejected == 1
    assert "day/month/year" in report and "--date-order" not in report
    assert "Change the mapping and try again" in report and "upload the corrected file" in report

    # when: they try again, choose day/month/year and run the dry run
    retried = manager.post(reverse("imports:retry", args=[first.pk]))
    draft = ImportJob.objects.exclude(pk=first.pk).get()
    manager.post(
        reverse("imports:mapping", args=[draft.pk]), {"format": "auto", "date_order": "dmy", "run": "1"}
    )

    # then: the same file passes, and can be confirmed
    assert retried.url == reverse("imports:mapping", args=[draft.pk])
    draft.refresh_from_db()
    assert (draft.status, draft.rejected, draft.file_path) == ("dry_run", 0, first.file_path)
    assert b"Confirm and import" in manager.get(reverse("imports:job_detail", args=[draft.pk])).content


def test_a_job_that_has_not_run_cannot_be_retried(manager, client_):
    manager.post(reverse("imports:upload"), {"client": client_.pk, "file": SimpleUploadedFile("p.csv", CSV)})
    job = ImportJob.objects.get()

    answer = manager.post(reverse("imports:retry", args=[job.pk]))

    assert answer.status_code == 400 and ImportJob.objects.count() == 1
