"""Forms for the automation pages: every field parsed and bounded, so bad input is a message next to the
field and a 4xx, never a traceback."""

from __future__ import annotations

from django import forms

SOURCE_MAX_LENGTH = 100_000


class StrategyForm(forms.Form):
    source = forms.CharField(label="Strategy (TOML)", max_length=SOURCE_MAX_LENGTH, widget=forms.Textarea)


class PreviewForm(forms.Form):
    date = forms.DateField(label="Date", input_formats=["%Y-%m-%d"])


class ExperimentForm(forms.Form):
    name = forms.SlugField(label="Name", max_length=60)
    champion = forms.ChoiceField(label="Champion strategy")
    challenger = forms.ChoiceField(label="Challenger strategy")
    challenger_share = forms.IntegerField(
        label="Challenger's share (%)", min_value=1, max_value=99, initial=50
    )

    def __init__(self, *args, strategies: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(s, s) for s in strategies]
        for name in ("champion", "challenger"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
            field.choices = choices

    def clean(self):
        data = super().clean()
        if data.get("champion") and data.get("champion") == data.get("challenger"):
            self.add_error("challenger", "Choose a strategy other than the champion.")
        return data


class ScheduleForm(forms.Form):
    nightly_at = forms.TimeField(label="Nightly run at (local time)", input_formats=["%H:%M"])
    letters_at = forms.TimeField(label="Letters printed at (local time, weekdays)", input_formats=["%H:%M"])
