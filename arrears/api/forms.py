"""The API page's forms: every field validated here, errors shown next to it."""

from __future__ import annotations

from typing import Any

from django import forms

from . import domain


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    client = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    scopes = forms.MultipleChoiceField(choices=[(s, s) for s in domain.scopes_known()])
    expires_on = forms.DateField(
        required=False, help_text="optional: the token stops working at the start of this day (UTC)"
    )

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client = self.fields["client"]
        assert isinstance(client, forms.TypedChoiceField)
        client.choices = [("", "Whole organization"), *clients]


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=[(e, e) for e in domain.webhook_event_types()])
    description = forms.CharField(max_length=200, required=False)
