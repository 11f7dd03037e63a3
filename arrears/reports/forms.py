"""Input of the dashboards: the day, the period, a drill-down's filters, a widget arrangement."""

from __future__ import annotations

from django import forms

from arrears.accounts.choices import AccountStatus, AgingBucket
from arrears.payments.choices import PaymentMethod

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
