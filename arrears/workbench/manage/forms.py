"""Forms of the manager's pages: every field is parsed and bounded here, so bad input is a message next
to the field and a 4xx, never a traceback."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from arrears.compliance.policy import policy_problems
from arrears.contact.messaging_choices import MessageStatus, TemplateChannel
from arrears.payments.choices import RemitMode
from arrears.tenancy.choices import MfaPolicy, Role
from arrears.workbench.forms import DB_INT_MAX, MAX_PAGE, REASON_MAX_LENGTH

BODY_MAX_LENGTH = 20_000
REFERENCE_MAX_LENGTH = 100
KEY_RE = r"^[a-z0-9][a-z0-9_.-]{0,79}$"
USERNAME_RE = r"^[\w.@+-]{1,150}$"


class PageForm(forms.Form):
    page = forms.IntegerField(label="Page", min_value=1, max_value=MAX_PAGE, required=False)


class TemplateForm(forms.Form):
    """A template draft: the rules are checked as the manager types and again on save."""

    key = forms.CharField(
        label="Key",
        max_length=80,
        validators=[RegexValidator(KEY_RE, "Lower-case letters, digits, '.', '_' and '-' only.")],
        help_text="How strategies and the account page name this template, e.g. first_reminder.",
    )
    channel = forms.ChoiceField(label="Channel", choices=TemplateChannel.choices)
    language = forms.CharField(
        label="Language",
        max_length=8,
        initial="en",
        validators=[RegexValidator(r"^[a-z]{2}(-[A-Z]{2})?$", "A language code such as en or es.")],
    )
    name = forms.CharField(label="Name", max_length=200, required=False)
    subject = forms.CharField(label="Subject", max_length=300, required=False)
    body = forms.CharField(
        label="Body", max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 14})
    )


class PreviewAccountForm(forms.Form):
    account = forms.CharField(
        label="Preview on account (reference)", max_length=REFERENCE_MAX_LENGTH, required=False
    )


class SettlementDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(label="Reason (to reject)", max_length=REASON_MAX_LENGTH, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the settlement is rejected.")
        return data


class BankLineForm(forms.Form):
    action = forms.ChoiceField(label="Action", choices=[("resolve", "Post"), ("dismiss", "Dismiss")])
    account = forms.CharField(label="Account reference", max_length=REFERENCE_MAX_LENGTH, required=False)
    reason = forms.CharField(label="Reason (to dismiss)", max_length=REASON_MAX_LENGTH, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "resolve" and not (data.get("account") or "").strip():
            self.add_error("account", "Give the account reference to post this line to.")
        if data.get("action") == "dismiss" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the line is dismissed.")
        return data


class InviteForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        validators=[RegexValidator(USERNAME_RE, "Letters, digits and @ . + - _ only.")],
    )
    email = forms.EmailField(label="Email", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    clients = forms.TypedMultipleChoiceField(
        label="Clients (for a client viewer)", coerce=int, required=False
    )

    def __init__(self, *args, clients=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clients"].choices = [(c.pk, c.name) for c in clients]


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=80)


class MemberTeamForm(forms.Form):
    team = forms.TypedChoiceField(label="Team", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, teams=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "No team"), *((t.pk, t.name) for t in teams)]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(label="Password", max_length=128, widget=forms.PasswordInput)
    password2 = forms.CharField(label="Password again", max_length=128, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class AuditFilterForm(PageForm):
    event = forms.CharField(
        label="Event",
        max_length=80,
        required=False,
        validators=[RegexValidator(r"^[a-z0-9_.]*$", "An event name such as payment.posted, or payment.")],
    )
    actor = forms.CharField(label="Actor", max_length=200, required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.IntegerField(label="Account id", min_value=1, max_value=DB_INT_MAX, required=False)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if isinstance(since, date) and isinstance(until, date) and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


class OutboxFilterForm(PageForm):
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *MessageStatus.choices], required=False
    )
    channel = forms.ChoiceField(
        label="Channel", choices=[("", "Any channel"), *TemplateChannel.choices], required=False
    )


class TaskDoneForm(forms.Form):
    note = forms.CharField(label="Note", max_length=REASON_MAX_LENGTH, required=False)


def valid_timezone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise forms.ValidationError("Choose a time zone from the list, e.g. America/New_York.")
    return value


HEX_COLOUR = RegexValidator(re.compile(r"^#[0-9a-fA-F]{6}$"), "A colour such as #1f3a5f.")


class AchExportForm(forms.Form):
    date = forms.DateField(label="Effective date", widget=forms.DateInput(attrs={"type": "date"}))


class AchFileForm(forms.Form):
    file = forms.IntegerField(label="File", min_value=1, max_value=DB_INT_MAX)


ACH_RETURNS_MAX_BYTES = 20 * 1024 * 1024


class AchReturnsForm(forms.Form):
    file = forms.FileField(label="Returns file (NACHA)")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > ACH_RETURNS_MAX_BYTES:
            raise forms.ValidationError("A returns file may be at most 20 MB.")
        return file


class ClientTermsForm(forms.Form):
    client = forms.ModelChoiceField(label="Client", queryset=None)
    rate = forms.DecimalField(
        label="Contingency rate, %", min_value=0, max_value=100, max_digits=6, decimal_places=3
    )
    remit_mode = forms.ChoiceField(label="Remittance", choices=RemitMode.choices)

    def __init__(self, *args, clients, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class RemittanceForm(forms.Form):
    period = forms.CharField(
        label="Month (YYYY-MM)",
        max_length=7,
        validators=[RegexValidator(r"^(19|20)\d\d-(0[1-9]|1[0-2])$", "A month such as 2026-10.")],
    )
    format = forms.ChoiceField(label="Format", choices=[("pdf", "PDF"), ("csv", "CSV")], initial="pdf")


LOGO_MAX_BYTES = 2 * 1024 * 1024


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    legal_name = forms.CharField(label="Legal name (letterhead)", max_length=200, required=False)
    address = forms.CharField(
        label="Address", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(
        label="Phone",
        max_length=32,
        required=False,
        validators=[RegexValidator(r"^\+?[\d\s().-]{0,31}$", "Digits, spaces, ( ) . - and a leading +.")],
    )
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        validators=[valid_timezone],
        help_text="Every time on the pages shows in it.",
    )
    email_sender_name = forms.CharField(
        label="Email sender name", max_length=100, required=False, help_text="Emails come from this name."
    )
    mfa_policy = forms.ChoiceField(
        label="Who must use MFA",
        choices=MfaPolicy.choices,
        help_text="A second factor (an authenticator app or a passkey) at every log-in, from the next one.",
    )


class SsoForm(forms.Form):
    """The organization's OpenID Connect provider (single sign-on)."""

    enabled = forms.BooleanField(label="Offer single sign-on on the log-in page", required=False)
    label = forms.CharField(
        label="Button name", max_length=80, help_text="The log-in page says “Sign in with …”."
    )
    issuer = forms.URLField(
        label="Issuer URL",
        max_length=400,
        assume_scheme="https",
        help_text="Where /.well-known/openid-configuration is found, e.g. https://login.example.com/realms/acme",
    )
    client_id = forms.CharField(label="Client id", max_length=200)
    client_secret = forms.CharField(
        label="Client secret",
        max_length=1000,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current one.",
    )
    email_domain = forms.CharField(
        label="Email domain",
        max_length=200,
        validators=[RegexValidator(r"^@?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$", "A domain like example.com.")],
        help_text="Only a verified address at this domain, a member's email, may sign in.",
    )


class BrandingForm(forms.Form):
    primary_colour = forms.CharField(
        label="Primary colour",
        max_length=7,
        validators=[HEX_COLOUR],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    accent_colour = forms.CharField(
        label="Accent colour",
        max_length=7,
        validators=[HEX_COLOUR],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    envelope_name = forms.CharField(
        label="Name on envelopes",
        max_length=200,
        required=False,
        help_text="Printed in the return window; it may not say that you collect debts.",
    )
    return_address = forms.CharField(
        label="Return address", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    logo = forms.FileField(label="Logo (PNG, JPEG or SVG, at most 2 MB)", required=False)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo is not None and logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError("The logo may be at most 2 MB.")
        return logo


class ContactPolicyForm(forms.Form):
    """The organization's own contact limits: stricter than the law, never looser (the law's bounds are
    checked by ``compliance.policy.policy_problems``, and named next to the field)."""

    call_limit = forms.IntegerField(
        label="Calls about a debt in 7 days, at most",
        min_value=1,
        max_value=99,
        help_text="Regulation F allows 7 (12 CFR 1006.14(b)(2)(i)(A)); you may choose fewer.",
    )
    earliest = forms.TimeField(
        label="Contact from (consumer's local time)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="08:00 or later (12 CFR 1006.6(b)(1)(i)).",
    )
    latest = forms.TimeField(
        label="Contact until, not including (local time)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="21:00 or earlier.",
    )
    weekend_calls = forms.BooleanField(label="Call on Saturdays and Sundays", required=False)
    holiday_calls = forms.BooleanField(label="Call on US federal public holidays", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(f) is not None for f in ("call_limit", "earliest", "latest")):
            for field, message in policy_problems(
                call_limit=data["call_limit"], earliest=data["earliest"], latest=data["latest"]
            ).items():
                self.add_error(field, message)
        return data
