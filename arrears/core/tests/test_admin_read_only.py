"""The Django admin is no way around the services: what must be audited is read-only there.

Generated from the admin's own registry, so a model registered later in one of these apps fails here
until it is read-only or named below with the reason it may be edited.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

# Apps whose every change is audited by their services: accounts, debtors and their contact points,
# the ledger, money (payments, promises, plans, settlements), holds and decisions, documents, audit.
AUDITED_APPS = {"accounts", "audit", "compliance", "debtors", "documents", "ledger", "payments"}

# Configuration an administrator keeps, each with its citation or contract; no balance moves when it does.
EDITABLE_CONFIGURATION = {
    "payments.InterestCap",  # a state's legal rate cap, with its citation
    "payments.AchOriginator",  # the company's ODFI details for NACHA files
    "payments.ClientTerms",  # a creditor client's contingency terms
    "payments.ContingencyRate",
    "payments.CommissionRule",  # a collector's commission rate
}


def _audited_admins():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in AUDITED_APPS and model._meta.label not in EDITABLE_CONFIGURATION:
            yield model._meta.label, model_admin


@pytest.mark.parametrize(("label", "model_admin"), list(_audited_admins()), ids=lambda v: str(v))
def test_audited_models_are_read_only_in_the_admin(db, label, model_admin):
    # given a superuser, who may do anything the admin allows
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-for-tests-1")
    request = RequestFactory().get("/admin/")
    request.user = user

    # when the admin is asked what it allows
    allowed = {
        "add": model_admin.has_add_permission(request),
        "change": model_admin.has_change_permission(request),
        "delete": model_admin.has_delete_permission(request),
    }

    # then nothing that would bypass the audited services
    assert allowed == {"add": False, "change": False, "delete": False}, label
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_add_permission(request, None), f"{label} inline {inline.model._meta.label}"
        assert not inline.has_delete_permission(request), f"{label} inline {inline.model._meta.label}"
        assert set(inline.get_fields(request)) <= set(inline.get_readonly_fields(request)), label


def test_the_registry_covers_the_audited_models(db):
    # given the admin's registry, then the models the issue names are in it and read-only
    labels = {label for label, _ in _audited_admins()}

    assert {"accounts.Account", "ledger.LedgerEntry", "payments.Payment", "compliance.Hold"} <= labels
    assert "audit.AuditEvent" in labels
