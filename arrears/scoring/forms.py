"""The scoring pages' inputs, parsed and bounded: a bad value is a 400 with a message, never a 500."""

from __future__ import annotations

from django import forms

DB_INT_MAX = 2**31 - 1


class QueueForm(forms.Form):
    limit = forms.IntegerField(label="Show", min_value=1, max_value=200, required=False)


class ReportForm(forms.Form):
    version = forms.IntegerField(label="Version", min_value=1, max_value=DB_INT_MAX, required=False)


class ForecastForm(forms.Form):
    weeks = forms.IntegerField(label="Weeks", min_value=1, max_value=52, required=False)
