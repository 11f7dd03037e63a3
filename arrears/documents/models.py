from django.db import models

from arrears.core.models import OrgScoped

from .choices import DocumentKind


class Document(OrgScoped):
    """A stored file about an account or debtor: scans, letters received, judgments, call recordings.

    Files live in Django's default storage under a random name and are only ever served through a
    permission-checked view, never from a public URL.
    """

    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    debtor = models.ForeignKey(
        "debtors.Debtor", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    contact_attempt = models.ForeignKey(
        "attempts.ContactAttempt", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True)
    # Where a dialer's recording came from, if it was fetched from a URL.
    source_url = models.URLField(max_length=1000, blank=True)
    uploaded_by = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    # The organization chose to show it to the debtor in the portal (a statement, a contract, a letter).
    shared_with_debtor = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "kind", "uploaded_at"]),
            models.Index(fields=["account", "uploaded_at"]),
        ]
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
