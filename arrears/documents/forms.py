"""The documents panel's forms: the type filter and the upload."""

from __future__ import annotations

from django import forms

from arrears.core.errors import ArrearsError

from .choices import DocumentKind
from .errors import DocumentError
from .services import max_bytes

DESCRIPTION_MAX_LENGTH = 500  # Document.description
NAME_MAX_LENGTH = 255


class DocumentFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Document type", choices=[("", "All types"), *DocumentKind.choices], required=False
    )


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=DocumentKind.choices, initial=DocumentKind.OTHER)
    file = forms.FileField(label="File", max_length=NAME_MAX_LENGTH)
    description = forms.CharField(label="Description", max_length=DESCRIPTION_MAX_LENGTH, required=False)

    def clean(self):
        data = super().clean()
        upload, kind = data.get("file"), data.get("kind")
        if upload is not None and kind and upload.size > max_bytes(kind):
            self.add_error(
                "file", f"A file of this type may be at most {max_bytes(kind) // (1024 * 1024)} MB."
            )
        return data

    def add_service_error(self, exc: ArrearsError) -> None:
        field = "file" if exc.code in set(DocumentError) and exc.code != DocumentError.NO_SUBJECT else None
        self.add_error(field, exc.message)
