"""The workbench's forms: every field a staff page reads is parsed and bounded here, so bad input is a
message next to the field and a 4xx, never a traceback."""

from __future__ import annotations

from django import forms

from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.attempts.choices import Direction
from arrears.contact.calls import CALL_OUTCOMES
from arrears.contact.errors import ContactError
from arrears.core.errors import ArrearsError
from arrears.documents.errors import DocumentError
from arrears.documents.services import max_bytes

DB_INT_MAX = 2**31 - 1  # the largest id or count an IntegerField holds on PostgreSQL
MAX_CALL_MINUTES = 24 * 60  # a call logged from the workbench lasted at most a day
MAX_PAGE = 100_000
NOTE_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2_000
PHONE_MAX_LENGTH = 40


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
    outcome = forms.ChoiceField(label="Outcome", choices=[(o.value, o.label) for o in CALL_OUTCOMES])
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

    def clean_recording(self):
        recording = self.cleaned_data.get("recording")
        limit = max_bytes("call_recording")
        if recording is not None and recording.size > limit:
            raise forms.ValidationError(f"A recording may be at most {limit // (1024 * 1024)} MB.")
        return recording

    # Which field a service's error code belongs next to; others are shown above the form.
    FIELD_OF_CODE: dict[str, str] = {
        ContactError.INVALID_OUTCOME: "outcome",
        ContactError.INVALID_CHANNEL: "number",
        **{code: "recording" for code in DocumentError},
    }

    def add_service_error(self, exc: ArrearsError) -> None:
        self.add_error(self.FIELD_OF_CODE.get(exc.code), exc.message)
