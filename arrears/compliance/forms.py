"""The holds panel's forms: what a collector may type to place a hold and a manager to lift one."""

from __future__ import annotations

from django import forms

from arrears.core.errors import ArrearsError

from .choices import HoldKind
from .errors import ComplianceError

REASON_MAX_LENGTH = 2_000


class HoldPlaceForm(forms.Form):
    kind = forms.ChoiceField(label="Hold", choices=HoldKind.choices)
    scope = forms.ChoiceField(
        label="On",
        choices=[("account", "this account"), ("debtor", "the debtor (all accounts)")],
        required=False,
    )
    effective_on = forms.DateField(label="Effective", required=False, input_formats=["%Y-%m-%d"])
    written = forms.BooleanField(label="dispute in writing", required=False)
    reason = forms.CharField(label="Reason", max_length=REASON_MAX_LENGTH, required=False)

    FIELD_OF_CODE: dict[str, str] = {
        ComplianceError.HOLD_KIND_INVALID: "kind",
        ComplianceError.HOLD_NEEDS_ACCOUNT: "scope",
        ComplianceError.HOLD_TARGET_REQUIRED: "scope",
    }

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or "account"

    def add_service_error(self, exc: ArrearsError) -> None:
        self.add_error(self.FIELD_OF_CODE.get(exc.code), exc.message)


class HoldLiftForm(forms.Form):
    reason = forms.CharField(label="Reason to lift", max_length=REASON_MAX_LENGTH)
