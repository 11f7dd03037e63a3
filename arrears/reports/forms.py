"""Input of the dashboards: the day, the period, a drill-down's filters, a widget arrangement."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.payments.choices import PaymentMethod

from .choices import KPI_LABELS, AlertKind, AlertPeriod, Frequency, ReportFormat
from .domain import cadence

PERIODS = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "365 days")]
WIDGETS = {
    "kpis": "Key figures",
    "aging": "Aging",
    "status": "Status mix",
    "cohorts": "Liquidation by placement cohort",
    "roll": "Roll rates (30 days)",
    "payments": "Payment analytics",
    "collectors": "Collector performance",
}


class DashboardForm(forms.Form):
    as_of = forms.DateField(label="As of", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.TypedChoiceField(
        label="Period", choices=PERIODS, coerce=int, required=False, empty_value=None
    )


class DrillForm(forms.Form):
    as_of = forms.DateField(required=True)
    client = forms.IntegerField(required=False, min_value=1)
    collector = forms.IntegerField(required=False, min_value=1)
    bucket = forms.ChoiceField(choices=[("", "Any"), *AgingBucket.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any"), *AccountStatus.choices], required=False)


class PaymentDrillForm(forms.Form):
    since = forms.DateField()
    until = forms.DateField()
    client = forms.IntegerField(required=False, min_value=1)
    method = forms.ChoiceField(choices=[("", "Any"), *PaymentMethod.choices], required=False)


class LayoutForm(forms.Form):
    """Each widget's position (1 first) and whether it is shown."""

    dashboard = forms.ChoiceField(choices=[("org", "org"), ("client", "client"), ("collector", "collector")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in WIDGETS.items():
            self.fields[f"order_{key}"] = forms.IntegerField(label=label, min_value=1, max_value=len(WIDGETS))
            self.fields[f"show_{key}"] = forms.BooleanField(label="shown", required=False)

    def widgets(self) -> list[dict[str, object]]:
        data = self.cleaned_data
        keys = sorted(WIDGETS, key=lambda k: (data[f"order_{k}"], list(WIDGETS).index(k)))
        return [{"key": k, "visible": bool(data[f"show_{k}"])} for k in keys]


# --- scheduled reports and alert rules ----------------------------------------------------------------


class RecipientsField(forms.CharField):
    """Email addresses, one a line or separated by commas, each that of a user of the organization:
    cleaned to those users' ids."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, members: dict[str, int] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 5000)
        super().__init__(**kwargs)
        self.members = members or {}

    def clean(self, value: Any) -> list[int]:
        text = super().clean(value)
        emails = [e.strip() for e in re.split(r"[\s,;]+", text or "") if e.strip()]
        if not emails:
            raise ValidationError("Give at least one email address.")
        invalid = [e for e in emails if not _valid_email(e)]
        if invalid:
            raise ValidationError(f"Not an email address: {', '.join(invalid[:5])}.")
        strangers = [e for e in emails if e.lower() not in self.members]
        if strangers:
            raise ValidationError(
                f"Not the address of a user of this organization: {', '.join(strangers[:5])}."
            )
        return list(dict.fromkeys(self.members[e.lower()] for e in emails))


def _valid_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


class _ConfigForm(forms.Form):
    """Shared: the organization's members (for recipients) and the scopes it offers."""

    def __init__(
        self,
        *args: Any,
        members: dict[str, int],
        clients: list[tuple[int, str]],
        collectors: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        recipients = self.fields["recipients"]
        assert isinstance(recipients, RecipientsField)
        recipients.members = members
        self.clients = clients
        self.collectors = collectors or []


class ScheduleForm(_ConfigForm):
    name = forms.CharField(label="Name", max_length=200)
    dashboard = forms.ChoiceField(label="Dashboard", choices=[("org", "The organization")])
    kpis = forms.MultipleChoiceField(
        label="KPIs to include",
        choices=list(KPI_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every KPI. A collector's report shows that collector's figures instead.",
    )
    format = forms.ChoiceField(label="Format", choices=ReportFormat.choices, widget=forms.RadioSelect)
    frequency = forms.ChoiceField(label="How often", choices=Frequency.choices)
    send_at = forms.TimeField(
        label="Send at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), initial="07:00"
    )
    weekday = forms.TypedChoiceField(
        label="Weekday (weekly)", choices=list(enumerate(cadence.WEEKDAYS)), coerce=int, initial=0
    )
    day_of_month = forms.IntegerField(
        label="Day of the month (monthly)", min_value=1, max_value=28, initial=1, help_text="1 to 28"
    )
    recipients = RecipientsField(
        label="Recipients", help_text="Email addresses of users of the organization, one a line."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dashboard = self.fields["dashboard"]
        assert isinstance(dashboard, forms.ChoiceField)
        dashboard.choices = [
            ("org", "The organization"),
            *((f"client:{pk}", f"Client: {name}") for pk, name in self.clients),
            *((f"collector:{pk}", f"Collector: {name}") for pk, name in self.collectors),
        ]

    def scope(self) -> tuple[int, int]:
        """(client id, collector id) of the chosen dashboard; 0 for none."""
        kind, _, pk = self.cleaned_data["dashboard"].partition(":")
        return (int(pk) if kind == "client" else 0, int(pk) if kind == "collector" else 0)


class AlertForm(_ConfigForm):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Alert when", choices=AlertKind.choices)
    kpi = forms.ChoiceField(
        label="KPI", choices=[("", "—"), *KPI_LABELS.items()], required=False, help_text="For a KPI alert."
    )
    threshold = forms.DecimalField(
        label="Threshold",
        max_digits=19,
        decimal_places=4,
        required=False,
        help_text="Rates are fractions: 0.04 is 4 %. A payment threshold is an amount.",
    )
    client = forms.TypedChoiceField(label="Accounts of", coerce=int, choices=[(0, "Every client")])
    period = forms.ChoiceField(
        label="At most once per", choices=AlertPeriod.choices, help_text="and the KPI is taken over it"
    )
    recipients = RecipientsField(
        label="Recipients", help_text="Email addresses of users of the organization, one a line."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client = self.fields["client"]
        assert isinstance(client, forms.TypedChoiceField)
        client.choices = [(0, "Every client"), *self.clients]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in (AlertKind.KPI_BELOW, AlertKind.KPI_ABOVE) and not data.get("kpi"):
            self.add_error("kpi", "Choose the KPI to watch.")
        if kind in (AlertKind.KPI_BELOW, AlertKind.KPI_ABOVE, AlertKind.PAYMENT_OVER) and (
            data.get("threshold") is None and "threshold" not in self.errors
        ):
            self.add_error("threshold", "Give the threshold.")
        return data
