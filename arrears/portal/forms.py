"""Every field a portal page reads, parsed and bounded here: bad input is a message next to the field and
a 4xx, never a traceback."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from arrears.payments.choices import Frequency

MAX_AMOUNT = Decimal("10000000")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class IdentifyForm(forms.Form):
    reference = forms.CharField(label=_("Account reference"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        help_text=_("Give your date of birth or your ZIP code."),
    )
    postal_code = forms.CharField(
        label=_("ZIP code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean() or {}
        if not data.get("date_of_birth") and not (data.get("postal_code") or "").strip():
            raise forms.ValidationError(_("Give your date of birth or your ZIP code."))
        return data


class SendCodeForm(forms.Form):
    destination = forms.IntegerField(min_value=1, max_value=2**62)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PromiseForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_value=MAX_AMOUNT, decimal_places=2
    )
    due_on = forms.DateField(label=_("I will pay by"), widget=forms.DateInput(attrs={"type": "date"}))


class PlanForm(forms.Form):
    installments = forms.IntegerField(label=_("Number of payments"), min_value=1, max_value=120)
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=[
            (Frequency.MONTHLY, _("Monthly")),
            (Frequency.BIWEEKLY, _("Every two weeks")),
            (Frequency.WEEKLY, _("Weekly")),
        ],
    )
    first_due = forms.DateField(label=_("First payment on"), widget=forms.DateInput(attrs={"type": "date"}))


class BankDebitForm(forms.Form):
    """Optional with a plan: debit the installments from a bank account, with the consumer's authorization
    (Reg E, 12 CFR 1005.10(b))."""

    debit = forms.BooleanField(label=_("Pay the installments by bank debit"), required=False)
    holder_name = forms.CharField(label=_("Account holder"), max_length=100, required=False)
    routing_number = forms.RegexField(
        label=_("Routing number"), regex=r"^\d{9}$", max_length=9, required=False
    )
    account_number = forms.RegexField(
        label=_("Account number"), regex=r"^[0-9A-Za-z-]{1,17}$", max_length=17, required=False
    )
    account_type = forms.ChoiceField(
        label=_("Account type"),
        choices=[("checking", _("Checking")), ("savings", _("Savings"))],
        required=False,
    )
    authorize = forms.BooleanField(
        label=_(
            "I authorize these debits of each installment on its due date from this account, until the plan "
            "ends or I revoke this authorization."
        ),
        required=False,
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("debit"):
            for name in ("holder_name", "routing_number", "account_number", "account_type"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a bank debit."))
            if not data.get("authorize"):
                self.add_error("authorize", _("Tick the authorization to pay by bank debit."))
        return data


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you dispute this debt?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    upload = forms.FileField(label=_("Supporting document (optional)"), required=False)
    verification = forms.BooleanField(
        label=_("Send me verification of this debt"), required=False, initial=True
    )


class OptOutForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Stop contacting me by"),
        choices=[
            ("sms", _("Text message")),
            ("email", _("Email")),
            ("call", _("Phone call")),
            ("letter", _("Letter")),
        ],
    )
    contact_point = forms.TypedChoiceField(label=_("Only at"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, points: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["contact_point"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", _("Everywhere")), *points]


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=[("en", "English"), ("es", "Español")]
    )
    days = forms.MultipleChoiceField(
        label=_("Days that are inconvenient"),
        required=False,
        choices=list(zip(WEEKDAYS, DAY_NAMES, strict=True)),
        widget=forms.CheckboxSelectMultiple,
    )
    start = forms.TimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("To"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both times, or neither."))
        if start is not None and start == end:
            raise forms.ValidationError(_("The times must differ."))
        return data

    def windows(self) -> list[dict[str, object]]:
        start: time | None = self.cleaned_data.get("start")
        end: time | None = self.cleaned_data.get("end")
        if start is None or end is None:
            return []
        days = self.cleaned_data.get("days") or WEEKDAYS
        return [{"days": list(days), "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}]


class PayForm(forms.Form):
    """One amount field per account, added by the view: ``amount_<account id>``."""

    def __init__(self, *args, accounts: list[tuple[int, str, Decimal]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        for pk, label, owed in accounts:
            self.fields[f"amount_{pk}"] = forms.DecimalField(
                label=label, required=False, min_value=Decimal("0"), max_value=owed, decimal_places=2
            )

    def clean(self):
        data = super().clean() or {}
        if not any(v for k, v in data.items() if k.startswith("amount_")):
            raise forms.ValidationError(_("Enter an amount for at least one account."))
        return data

    def amounts(self) -> list[tuple[int, Decimal]]:
        return [
            (int(k.removeprefix("amount_")), v)
            for k, v in self.cleaned_data.items()
            if k.startswith("amount_") and v
        ]


class ESignForm(forms.Form):
    """Consent to electronic delivery (E-SIGN, 15 U.S.C. 7001(c)), or its withdrawal, for one email."""

    email = forms.TypedChoiceField(label=_("Email address"), coerce=int)
    agree = forms.BooleanField(
        label=_("I agree to receive notices electronically at this address"), required=False
    )

    def __init__(self, *args, emails: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = list(emails)
