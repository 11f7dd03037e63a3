"""The import pages' forms: the upload, the mapping and the merge review's decision."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from .choices import DateOrder, FileFormat

FILE_NAME_MAX_LENGTH = 255  # ImportJob.file_name
MAPPING_MAX_LENGTH = 20_000


class ImportUploadForm(forms.Form):
    client: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Client", queryset=None, empty_label=None
    )
    file = forms.FileField(label="File", max_length=FILE_NAME_MAX_LENGTH)

    def __init__(self, *args, clients, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["client"]).queryset = clients


class ImportMappingForm(forms.Form):
    format = forms.ChoiceField(label="Format or preset", choices=FileFormat.choices, initial=FileFormat.AUTO)
    date_order = forms.ChoiceField(
        label="Dates written as", choices=[("", "as documented"), *DateOrder.choices], required=False
    )
    skip_invalid = forms.BooleanField(label="Import the valid rows even if some are invalid", required=False)
    mapping_toml = forms.CharField(label="Your own mapping", max_length=MAPPING_MAX_LENGTH, required=False)


class MergeDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=[("merge", "Merge"), ("dismiss", "Not the same")])
