"""The workbench's forms: every field a staff page reads is parsed and bounded here, so bad input is a
message next to the field and a 4xx, never a traceback."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.attempts.choices import Direction
from arrears.contact.errors import ContactError
from arrears.core.errors import ArrearsError
from arrears.documents.errors import DocumentError
from arrears.documents.services import max_bytes
from arrears.payments.choices import Frequency, PaymentMethod, ReversalReason
from arrears.payments.errors import PaymentError, PlanError, PromiseError, SettlementError

from .actions import CALL_RESULT_LABELS, CallFollowUp, CallResult

DB_INT_MAX = 2**31 - 1  # the largest id or count an IntegerField holds on PostgreSQL
MAX_CALL_MINUTES = 24 * 60  # a call logged from the workbench lasted at most a day
MAX_PAGE = 100_000
NOTE_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2_000
PHONE_MAX_LENGTH = 40
REFERENCE_MAX_LENGTH = 200
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")  # well inside the ledger's 19 digits, and above any real debt
MAX_INSTALLMENTS = 120
MAX_GRACE_DAYS = 60
DATE_FORMATS = ["%Y-%m-%d"]  # what <input type="date"> sends
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # what <input type="datetime-local"> sends


class AccountFilterForm(forms.Form):
    """The account list's search and filters (GET). Each is optional; a bad one is reported, not ignored."""

    q = forms.CharField(label="Search", max_length=200, required=False)
    client = forms.IntegerField(label="Client", min_value=1, max_value=DB_INT_MAX, required=False)
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *AccountStatus.choices], required=False
    )
    aging = forms.ChoiceField(label="Aging", choices=[("", "Any age"), *AgingBucket.choices], required=False)
    page = forms.IntegerField(label="Page", min_value=1, max_value=MAX_PAGE, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", max_length=NOTE_MAX_LENGTH)


class TimelineForm(forms.Form):
    group = forms.MultipleChoiceField(label="Show", required=False)

    def __init__(self, *args, groups: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g, g) for g in groups]


class CallCheckForm(forms.Form):
    """The number chosen in the call panel (GET), to show the compliance decision before dialling."""

    number = forms.CharField(label="Number", max_length=PHONE_MAX_LENGTH, required=False)
    check = forms.BooleanField(required=False)


class CallLogForm(forms.Form):
    number = forms.CharField(label="Number", max_length=PHONE_MAX_LENGTH)
    direction = forms.ChoiceField(label="Direction", choices=Direction.choices, initial=Direction.OUTBOUND)
    outcome = forms.ChoiceField(label="Outcome", choices=list(CALL_RESULT_LABELS.items()))
    minutes = forms.IntegerField(
        label="Minutes",
        min_value=0,
        max_value=MAX_CALL_MINUTES,
        required=False,
        initial=0,
        help_text="How long the call lasted, in minutes (at most a day).",
    )
    notes = forms.CharField(label="Notes", max_length=NOTE_MAX_LENGTH, required=False)
    override_reason = forms.CharField(label="Override reason", max_length=REASON_MAX_LENGTH, required=False)
    recording = forms.FileField(label="Recording", required=False)
    promise_amount = forms.DecimalField(
        label="Promised amount", min_value=MIN_AMOUNT, max_value=MAX_AMOUNT, decimal_places=2, required=False
    )
    promise_due_on = forms.DateField(label="Promised by", input_formats=DATE_FORMATS, required=False)
    callback_at = forms.DateTimeField(
        label="Call back at",
        input_formats=DATETIME_FORMATS,
        required=False,
        help_text="In the organization's time zone.",
    )
    dispute_written = forms.BooleanField(label="Dispute in writing", required=False)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == CallResult.PROMISE:
            for name in ("promise_amount", "promise_due_on"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "A promise needs an amount and a date.")
        if (
            outcome == CallResult.CALLBACK
            and data.get("callback_at") is None
            and "callback_at" not in self.errors
        ):
            self.add_error("callback_at", "Say when to call back.")
        return data

    def follow_up(self) -> CallFollowUp:
        data = self.cleaned_data
        return CallFollowUp(
            promise_amount=data.get("promise_amount"),
            promise_due_on=data.get("promise_due_on"),
            callback_at=data.get("callback_at"),
            dispute_written=bool(data.get("dispute_written")),
        )

    def clean_recording(self):
        recording = self.cleaned_data.get("recording")
        limit = max_bytes("call_recording")
        if recording is not None and recording.size > limit:
            raise forms.ValidationError(f"A recording may be at most {limit // (1024 * 1024)} MB.")
        return recording

    # Which field a service's error code belongs next to; others are shown above the form.
    FIELD_OF_CODE: dict[str, str] = {
        ContactError.INVALID_OUTCOME: "outcome",
        PromiseError.INVALID: "promise_due_on",
        PaymentError.CURRENCY_MISMATCH: "promise_amount",
        ContactError.INVALID_CHANNEL: "number",
        **{code: "recording" for code in DocumentError},
    }

    def add_service_error(self, exc: ArrearsError) -> None:
        self.add_error(self.FIELD_OF_CODE.get(exc.code), exc.message)


class ServiceErrorsForm(forms.Form):
    """A form whose service's error codes are shown next to the field they concern."""

    FIELD_OF_CODE: dict[str, str] = {}

    def add_service_error(self, exc: ArrearsError) -> None:
        self.add_error(self.FIELD_OF_CODE.get(exc.code), exc.message)


def _amount(label: str, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=MIN_AMOUNT, max_value=MAX_AMOUNT, decimal_places=2, required=required
    )


def _date(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, input_formats=DATE_FORMATS, required=required)


class PromiseForm(ServiceErrorsForm):
    amount = _amount("Amount")
    due_on = _date("Due on")
    grace_days = forms.IntegerField(
        label="Grace days", min_value=0, max_value=MAX_GRACE_DAYS, required=False, initial=0
    )
    note = forms.CharField(label="Note", max_length=NOTE_MAX_LENGTH, required=False)

    FIELD_OF_CODE = {PromiseError.INVALID: "due_on", PaymentError.CURRENCY_MISMATCH: "amount"}


class PlanForm(ServiceErrorsForm):
    """A plan over everything owed (or a stated total): either a number of installments or an amount
    per installment."""

    frequency = forms.ChoiceField(
        label="Every", choices=[c for c in Frequency.choices if c[0] != Frequency.CUSTOM]
    )
    first_due = _date("First due on")
    installments = forms.IntegerField(
        label="Installments", min_value=1, max_value=MAX_INSTALLMENTS, required=False
    )
    installment_amount = _amount("Or amount each", required=False)
    total = _amount("Total (blank: all owed)", required=False)

    FIELD_OF_CODE = {
        PlanError.INVALID_SCHEDULE: "first_due",
        PlanError.ACTIVE_PLAN_EXISTS: "frequency",
        PaymentError.CURRENCY_MISMATCH: "total",
    }

    def clean(self):
        data = super().clean()
        count, each = data.get("installments"), data.get("installment_amount")
        if not self.errors and (count is None) == (each is None):
            self.add_error("installments", "Give either the number of installments or the amount of each.")
        return data


class SettlementForm(ServiceErrorsForm):
    amount = _amount("Settle for")
    expires_on = _date("Offer expires on")

    FIELD_OF_CODE = {SettlementError.INVALID: "amount", PaymentError.CURRENCY_MISMATCH: "amount"}


class PaymentForm(ServiceErrorsForm):
    amount = _amount("Amount")
    method = forms.ChoiceField(
        label="Method", choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.PORTAL]
    )
    received_on = _date("Received on")
    reference = forms.CharField(label="Reference", max_length=REFERENCE_MAX_LENGTH, required=False)
    # Generated when the form is shown: a double click or a retry posts the payment once.
    idempotency_key = forms.CharField(max_length=200, widget=forms.HiddenInput)

    FIELD_OF_CODE = {
        PaymentError.AMOUNT_NOT_POSITIVE: "amount",
        PaymentError.CURRENCY_MISMATCH: "amount",
        PaymentError.METHOD_INVALID: "method",
        PaymentError.IDEMPOTENCY_KEY_REUSED: "amount",
        PaymentError.POSTDATE_TOO_SOON: "received_on",
    }

    def clean_received_on(self):
        received = self.cleaned_data["received_on"]
        if received > timezone.localdate():  # the active zone is the organization's
            raise forms.ValidationError("A payment cannot be received in the future.")
        return received


class ReversalForm(ServiceErrorsForm):
    reason = forms.ChoiceField(label="Reason", choices=ReversalReason.choices)
    fee = _amount("Returned-payment fee", required=False)

    FIELD_OF_CODE = {PaymentError.NOT_REVERSIBLE: "reason", PaymentError.CURRENCY_MISMATCH: "fee"}


class MessageForm(forms.Form):
    """Send from a template: first a preview, then the send of exactly what was previewed."""

    template = forms.TypedChoiceField(label="Template", coerce=int)

    def __init__(self, *args, templates: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = templates
